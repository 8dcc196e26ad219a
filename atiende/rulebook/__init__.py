"""The rulebook: one page per practice rule (/reglas/ID/) and the ``{% rule %}`` tag that links every rule
code shown in the product to it, with the rule's text as a tooltip. Customers never see rule codes."""

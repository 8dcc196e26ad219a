"""Live chat (CH-VIR, issue 17): the web widget's conversations, routed to technicians like calls.

See docs/chat.md. Models in :mod:`.models`, actions in :mod:`.services`, reads in :mod:`.selectors`.
"""

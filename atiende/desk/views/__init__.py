"""The desk's pages, one module per concept: the start page, work orders, customers, the survey.

The work-order page's conversation panel is ``conversation.py`` and its composer's POST ``composer.py``.
"""

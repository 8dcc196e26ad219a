"""Knowledge: the search index, help articles, canned answers and suggestions (SPEC "Knowledge").

Wraps the pure search core (``atiende.search``): the index of work orders, customers,
articles and canned answers lives in ``SearchEntry`` (``index.py`` keeps it in step,
``search.py`` reads it through what the user may see).
"""

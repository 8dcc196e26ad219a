"""The page tests' help desk (tests/pages.py)."""

from tests.pages import as_technician, compiled_catalogues, desk, fast_hashing  # noqa: F401  (fixtures)

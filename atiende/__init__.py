"""Atiende: help desk and contact center for technical-support teams, Spanish first."""

from importlib.metadata import PackageNotFoundError, version


def _installed_version() -> str:
    """The installed package's version (pyproject.toml's ``version``), the one ``atiende --version`` prints."""
    try:
        return version("atiende")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


__version__ = _installed_version()

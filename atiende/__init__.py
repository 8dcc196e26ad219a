"""Atiende: help desk and contact center for technical-support teams, Spanish first."""

__version__ = "0.1.0"

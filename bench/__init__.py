"""Benchmarks: ``make bench`` (``python -m bench``) runs every ``bench_*.py`` and writes docs/performance.md."""

"""Supervisor pages over the staffing core: Erlang C calculator, interval plans and day simulations.

The formulas live in :mod:`atiende.staffing` (pure, no Django); this app only
reads forms, calls the core and shows its tables and SVG charts.
"""

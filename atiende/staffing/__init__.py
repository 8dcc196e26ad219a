"""Staffing and day simulation (SPEC capability 7): pure Python, no Django.

- :mod:`~atiende.staffing.erlang`: Erlang C, service level, ASA, occupancy and the fewest technicians for a target.
- :mod:`~atiende.staffing.plan`: technicians per interval over a day, from a CSV of calls per interval.
- :mod:`~atiende.staffing.simulation`: a discrete-event simulation of a day against the policies (PO-1, PO-2, PO-3).
- :mod:`~atiende.staffing.charts`: SVG charts written by hand, and a terminal progress bar.
"""

from atiende.staffing.erlang import Staffing, StaffingInputError, evaluate, solve, solve_for_traffic

__all__ = ["Staffing", "StaffingInputError", "evaluate", "solve", "solve_for_traffic"]

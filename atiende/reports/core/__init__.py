"""Reports, the pure core: figures over a period from plain rows, and their exports. No Django here.

:mod:`rows` are the facts a report reads (work orders, calls, scorecards, surveys,
commitments), :mod:`figures` turns them into :class:`~rows.Section` tables, one
function per report, :mod:`catalogue` names the reports (``atiende report --list``),
:mod:`export` writes a report as CSV, JSON, XLSX (XlsxWriter) or PDF (ReportLab), and
:mod:`charts` draws a section as an accessible SVG bar chart.
"""

"""The figures of each report, from plain rows (pure: no Django).

One function per report; each reads only the rows of its period (work orders by
creation, or by closing for first-contact resolution; calls by arrival; scorecards
by scoring; surveys by answer; commitments by due time) and returns its sections.
Shares are fractions (0..1) and ``None`` when nothing was counted: no figure
rather than a made-up 0 %. Durations are seconds.

Definitions (docs/reports.md):

- **first-contact resolution**: a work order closed in the period, never reopened,
  with no message from the customer after the help desk's first public answer.
- **SLA met share**: met / (met + breached) per clock; clocks still running or
  paused count as open, neither met nor missed yet.
- **abandonment**: inbound calls the caller gave up before an answer / offered.
- **ASA**: mean wait of the answered calls; **AHT**: mean answer-to-end of the
  wrap-up of the answered calls that ended.
- **PO-1**: answered calls whose handle time passed their maximum call time;
  **PO-2**: calls answered within their maximum wait / (answered + abandoned after
  it); **PO-3**: days each technician reached their calls-per-day target.
- **TR-1**: answered calls that were transferred / answered calls.
- **HO**: holds, their mean length, and the HO-5 overruns (held past the announced time).
- **Quality**: per rule, met / (met + missed); trend: scorecards and mean score per week.
- **Satisfaction (SP-4)**: the ratings 1..5, their mean, the share of 4 and 5, the
  share that said the problem was solved; by technician; the comments.
- **Commitments (PT-2)**: kept / (kept + missed) of those due in the period.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from operator import attrgetter
from statistics import fmean
from typing import Any

from atiende.reports.core.rows import (
    BookingRow,
    CallbackRow,
    CallFacts,
    CallRow,
    CallTally,
    CampaignTally,
    Column,
    Period,
    Rows,
    Section,
    VisitRow,
    WorkOrderFacts,
)

CHANNELS = ("presencial", "telefonico", "email", "portal", "chat")
UNASSIGNED = "—"


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return fmean(values) if values else None


def nearest_rank(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted values: the smallest value with at least ``fraction`` of them at
    or below it. (Indexing at ``int(0.9 * (n - 1))`` gave the smaller of two waits as their p90, below their
    mean: issue 22, item 18.)"""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# The English of each named figure (the Spanish is written where the figure is computed).
FIGURES_EN = {
    "Solicitudes abiertas": "Work orders opened", "Llamadas entrantes recibidas": "Inbound calls received",
    "Solicitudes cerradas": "Work orders closed", "Resueltas en el primer contacto": "Resolved at first contact",
    "Resolución en el primer contacto": "First-contact resolution", "Reabiertas": "Reopened",
    "Primera respuesta media": "Mean first response", "Resolución media": "Mean resolution",
    "Visitantes": "Visitors", "Atendidos": "Served", "No presentados al ser llamados": "No-shows when called",
    "Tasa de no presentados (de los llamados)": "No-show rate (of those called)",
    "Se fueron antes de ser llamados": "Left before being called",
    "Espera media hasta ser atendido": "Mean wait until served",
    "Espera hasta ser atendido, percentil 90": "Wait until served, 90th percentile",
    "Atendidos dentro de la espera máxima": "Served within the maximum wait",
    "Llamados más de una vez": "Called more than once", "Con cita": "Booked",
    "Citas con hora en el periodo": "Booked visits in the period",
    "Citas a las que no vino nadie": "Booked visits nobody came to",
    "Tasa de citas perdidas (de las ya pasadas)": "Missed booked visits rate (of those past)",
    "No presentados en total (llamados y citas)": "No-shows in all (called and booked)",
    "Llamadas recibidas": "Calls offered", "Atendidas": "Answered", "Abandonadas": "Abandoned",
    "Tasa de abandono": "Abandonment rate", "Espera media hasta ser atendido (ASA)": "Average speed of answer (ASA)",
    "Duración media de atención (AHT)": "Average handle time (AHT)",
    "Llamadas por encima del tiempo máximo": "Calls over the maximum call time",
    "Atendidas dentro de la espera máxima": "Answered within the maximum wait",
    "Días-técnico con el mínimo de llamadas": "Technician-days at the calls minimum",
    "Llamadas salientes": "Outbound calls", "Llamadas atendidas": "Calls answered",
    "Salientes contestadas": "Outbound answered",
    "Salientes sin respuesta (no localizado)": "Outbound not reached (nobody answered)",
    "Llamadas transferidas": "Calls transferred", "Transferencias": "Transfers",
    "Tasa de transferencia": "Transfer rate", "Llamadas con espera": "Calls with a hold", "Esperas": "Holds",
    "Duración media de una espera": "Mean hold length", "Esperas más largas de lo anunciado": "Holds longer than announced",
    "Proporción de esperas excedidas": "Share of holds overrun", "Encuestas respondidas": "Surveys answered",
    "Valoración media (1 a 5)": "Mean rating (1 to 5)", "Satisfechos (4 o 5)": "Satisfied (4 or 5)",
    "Dicen que se resolvió": "Say it was solved", "Compromisos con vencimiento en el periodo": "Commitments due in the period",
    "Cumplidos": "Kept", "Incumplidos": "Missed", "Cancelados": "Cancelled", "Pendientes": "Pending",
    "Proporción cumplida": "Kept share",
    "Ofrecidas en espera": "Offered while waiting", "Aceptadas en espera": "Accepted while waiting",
    "Tasa de aceptación": "Acceptance rate", "Pedidas (portal, chat, personal)": "Asked for (portal, chat, staff)",
    "Devoluciones de llamada": "Call-backs", "Marcadas dentro de la franja": "Dialled within the window (kept)",
    "Proporción marcada a tiempo (de las cerradas)": "Share dialled in time (of the settled)",
    "Conectadas con el cliente": "Connected with the customer", "Fallidas": "Failed",
    "Fallidas: no contestó": "Failed: no answer", "Fallidas: franja terminada": "Failed: window closed",
    "Canceladas": "Cancelled", "Intentos por devolución (media)": "Dials per call-back (mean)",
}


def grouped_rows[T](items: Iterable[T], key_of: Callable[[T], Any], figures_of: Callable[[list[T]], dict[str, Any]],
                    key: str, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """One table row per group of ``items`` (grouped by ``key_of``, in its order): the group under ``key`` and
    ``figures_of`` the group (only ``columns`` of them, if given). The by-owner, by-service, by-origin,
    by-queue, by-campaign and by-technician tables are all this."""
    groups: dict[Any, list[T]] = defaultdict(list)
    for item in items:
        groups[key_of(item)].append(item)
    chosen = None if columns is None else list(columns)
    found = []
    for name, group in sorted(groups.items()):
        figures = figures_of(group)
        found.append({key: name, **(figures if chosen is None else {c: figures[c] for c in chosen})})
    return found


def _figure_section(key: str, es: str, en: str, figures: list[tuple[str, str, Any, str, str]]) -> Section:
    """A two-column table of named figures: (key, Spanish, value, kind, rule)."""
    columns = [Column("figure", "Indicador", "Figure", "i18n"), Column("value", "Valor", "Value", "number"),
               Column("unit", "Unidad", "Unit", "i18n"), Column("rule", "Regla", "Rule")]
    units = {"int": ("", ""), "share": ("proporción (0-1)", "share (0-1)"), "seconds": ("s", "s"), "number": ("", "")}
    rows = [{"key": k, "figure": label, "figure_en": FIGURES_EN.get(label, label), "value": value,
             "unit": units[kind][0], "unit_en": units[kind][1], "kind": kind, "rule": rule}
            for k, label, value, kind, rule in figures]
    return Section(key, es, en, columns, rows)


# ---- work orders -----------------------------------------------------------------------------

def tally_work_orders(work_orders: Iterable[Any], period: Period) -> WorkOrderFacts:
    """The work-order figures' building blocks from the rows, one at a time: the reference the SQL path
    (reports/aggregates.py) must equal."""
    facts = WorkOrderFacts()
    first: list[float] = []
    resolution: list[float] = []
    for row in work_orders:
        if period.contains(row.created_at):
            day = (row.channel, period.local_date(row.created_at))
            facts.created[day] = facts.created.get(day, 0) + 1
            key = (row.team or UNASSIGNED, row.priority, row.first_response_state, row.resolution_state)
            facts.clocks[key] = facts.clocks.get(key, 0) + 1
            if row.first_response_seconds is not None:
                first.append(row.first_response_seconds)
            if row.resolution_seconds is not None:
                resolution.append(row.resolution_seconds)
        if period.contains(row.closed_at):
            closed, at_first, reopened = facts.closed.get(row.channel, (0, 0, 0))
            facts.closed[row.channel] = (closed + 1, at_first + int(_first_contact(row)), reopened + int(row.reopened))
    facts.first_response, facts.resolution = (len(first), math.fsum(first)), (len(resolution), math.fsum(resolution))
    return facts


def _work_order_facts(rows: Rows, period: Period) -> WorkOrderFacts:
    return rows.work_order_facts if rows.work_order_facts is not None else tally_work_orders(rows.work_orders, period)


def volume(rows: Rows, period: Period) -> list[Section]:
    facts = _work_order_facts(rows, period)
    counts: Counter[str] = Counter()
    weeks: Counter[Any] = Counter()
    for (channel, day), n in facts.created.items():
        counts[channel] += n
        weeks[day - timedelta(days=day.weekday())] += n
    calls = rows.inbound_calls if rows.inbound_calls is not None else _facts(rows, period).total().offered
    total = sum(counts.values())
    by_channel = Section("by_channel", "Solicitudes por canal", "Work orders by channel", [
        Column("channel", "Canal", "Channel", "code"), Column("work_orders", "Solicitudes", "Work orders", "int"),
        Column("share", "Proporción", "Share", "share")], chart=("channel", "work_orders"))
    for channel in [*CHANNELS, *sorted(set(counts) - set(CHANNELS))]:
        by_channel.rows.append({"channel": channel, "work_orders": counts.get(channel, 0),
                                "share": share(counts.get(channel, 0), total)})
    by_week = Section("by_week", "Solicitudes por semana", "Work orders by week", [
        Column("week", "Semana (lunes)", "Week (Monday)", "date"), Column("work_orders", "Solicitudes", "Work orders",
                                                                          "int")], chart=("week", "work_orders"))
    by_week.rows = [{"week": week, "work_orders": count} for week, count in sorted(weeks.items())]
    summary = _figure_section("summary", "Resumen", "Summary", [
        ("work_orders", "Solicitudes abiertas", total, "int", ""),
        ("inbound_calls", "Llamadas entrantes recibidas", calls, "int", "CH-TEL"),
    ])
    return [summary, by_channel, by_week]


def _first_contact(row: Any) -> bool:
    return not row.reopened and row.follow_ups == 0


def first_contact_resolution(rows: Rows, period: Period) -> list[Section]:
    facts = _work_order_facts(rows, period)
    section = Section("by_channel", "Resolución en el primer contacto por canal", "First-contact resolution by channel",
                      [Column("channel", "Canal", "Channel", "code"), Column("closed", "Cerradas", "Closed", "int"),
                       Column("first_contact", "En el primer contacto", "At first contact", "int"),
                       Column("share", "Proporción", "Share", "share")], chart=("channel", "share"))
    for channel in [*CHANNELS, *sorted(set(facts.closed) - set(CHANNELS))]:
        closed, first, _reopened = facts.closed.get(channel, (0, 0, 0))
        section.rows.append({"channel": channel, "closed": closed, "first_contact": first,
                             "share": share(first, closed)})
    closed = sum(v[0] for v in facts.closed.values())
    first = sum(v[1] for v in facts.closed.values())
    summary = _figure_section("summary", "Resumen", "Summary", [
        ("closed", "Solicitudes cerradas", closed, "int", "SP-1"),
        ("first_contact", "Resueltas en el primer contacto", first, "int", ""),
        ("share", "Resolución en el primer contacto", share(first, closed), "share", ""),
        ("reopened", "Reabiertas", sum(v[2] for v in facts.closed.values()), "int", ""),
    ])
    return [summary, section]


def _clock_counts(states: Counter[str]) -> dict[str, Any]:
    met, breached = states.get("met", 0), states.get("breached", 0)
    open_ = sum(states.get(s, 0) for s in ("running", "warning", "paused"))
    return {"with_target": met + breached + open_, "met": met, "breached": breached, "open": open_,
            "share_met": share(met, met + breached)}


SLA_COLUMNS = [Column("with_target", "Con objetivo", "With a target", "int"), Column("met", "Cumplidos", "Met", "int"),
               Column("breached", "Incumplidos", "Breached", "int"), Column("open", "En curso", "Open", "int"),
               Column("share_met", "Cumplimiento", "Met share", "share")]


def _sum_mean(counted: tuple[int, float]) -> float | None:
    return None if counted[0] == 0 else counted[1] / counted[0]


def service_levels(rows: Rows, period: Period) -> list[Section]:
    facts = _work_order_facts(rows, period)
    first_states: Counter[str] = Counter()
    resolution_states: Counter[str] = Counter()
    groups: dict[tuple[str, str], dict[str, Counter[str]]] = defaultdict(
        lambda: {"first_response": Counter(), "resolution": Counter()})
    for (team, priority, first_state, resolution_state), n in facts.clocks.items():
        first_states[first_state] += n
        resolution_states[resolution_state] += n
        groups[(team, priority)]["first_response"][first_state] += n
        groups[(team, priority)]["resolution"][resolution_state] += n
    clocks = Section("by_clock", "Objetivos de nivel de servicio", "Service-level targets",
                     [Column("clock", "Reloj", "Clock", "code"), *SLA_COLUMNS], chart=("clock", "share_met"))
    clocks.rows = [
        {"clock": "first_response", **_clock_counts(first_states)},
        {"clock": "resolution", **_clock_counts(resolution_states)},
    ]
    times = _figure_section("times", "Tiempos (laborables)", "Times (business hours)", [
        ("first_response_mean", "Primera respuesta media", _sum_mean(facts.first_response), "seconds", ""),
        ("resolution_mean", "Resolución media", _sum_mean(facts.resolution), "seconds", ""),
    ])
    by_team = Section("by_team", "Por equipo y prioridad", "By team and priority",
                      [Column("team", "Equipo", "Team"), Column("priority", "Prioridad", "Priority", "code"),
                       Column("clock", "Reloj", "Clock", "code"), *SLA_COLUMNS])
    for (team, priority), found in sorted(groups.items()):
        for clock in ("first_response", "resolution"):
            by_team.rows.append({"team": team, "priority": priority, "clock": clock,
                                 **_clock_counts(found[clock])})
    return [clocks, times, by_team]


# ---- calls -----------------------------------------------------------------------------------

MICRO = 1_000_000


def _micros(delta: Any) -> int:
    """A duration in whole microseconds: sums of them are exact, in Python and in SQL alike."""
    return int((delta.days * 86_400 + delta.seconds) * MICRO + delta.microseconds)


def number_of(value: Any) -> float:
    """A figure the engine keeps in a call's data: a JSON number, anything else counts as 0."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0


def tally_call(call: CallRow) -> CallTally:
    """What one inbound call adds to the call figures (see :class:`CallTally`)."""
    tally = CallTally(offered=1)
    wait_limit, call_limit = round(call.max_wait_seconds * MICRO), round(call.max_call_seconds * MICRO)
    if call.answered_at is not None:
        wait = max(0, _micros(call.answered_at - call.arrived_at))
        tally.answered, tally.wait_us, tally.po2_counted, tally.po2_met = 1, wait, 1, int(wait <= wait_limit)
        if call.ended_at is not None:
            handle = max(0, _micros(call.ended_at - call.answered_at))
            tally.handled, tally.handle_us, tally.po1 = 1, handle, int(handle > call_limit)
        holds, transfers = int(number_of(call.holds)), int(number_of(call.transfers))
        tally.transferred, tally.transfers = int(transfers > 0), transfers
        tally.with_hold, tally.holds = int(holds > 0), holds
        tally.hold_seconds, tally.hold_overruns = float(number_of(call.hold_seconds)), int(number_of(call.hold_overruns))
    elif call.abandoned:
        tally.abandoned = 1
        if call.ended_at is not None and _micros(call.ended_at - call.arrived_at) > wait_limit:
            tally.po2_counted = 1
    return tally


def tally_calls(calls_: Iterable[CallRow], period: Period) -> CallFacts:
    """The figures' building blocks from the rows, one call at a time: the reference the SQL path
    (reports/aggregates.py) must equal."""
    facts = CallFacts()
    hold_seconds: dict[str, list[float]] = defaultdict(list)
    for call in calls_:
        if not period.contains(call.arrived_at):
            continue
        if not call.inbound:
            facts.outbound += 1
            facts.outbound_answered += int(call.answered_at is not None)
            facts.outbound_not_reached += int(call.answered_at is None and call.abandoned)
            continue
        technician = call.technician or UNASSIGNED
        tally = tally_call(call)
        hold_seconds[technician].append(tally.hold_seconds)
        facts.by_technician.setdefault(technician, CallTally()).add(tally)
        if call.answered_at is not None and call.technician:
            key = (call.technician, period.local_date(call.answered_at))
            answered, target = facts.days.get(key, (0, 0))
            facts.days[key] = (answered + 1, max(target, call.calls_per_day))
    for technician, values in hold_seconds.items():
        facts.by_technician[technician].hold_seconds = math.fsum(values)
    return facts


def _facts(rows: Rows, period: Period) -> CallFacts:
    return rows.call_facts if rows.call_facts is not None else tally_calls(rows.calls, period)


def _mean_us(total: int, count: int) -> float | None:
    return None if count == 0 else total / count / MICRO


def _po3(days: dict[tuple[str, Any], tuple[int, int]], technician: str | None = None) -> tuple[int, int]:
    """(days at target, days worked): PO-3, calls answered per technician and local day, against the day's
    target (the highest calls-per-day of the policies of that day's calls)."""
    chosen = [v for (who, _day), v in days.items() if technician is None or who == technician]
    return sum(1 for answered, target in chosen if answered >= target), len(chosen)


def calls(rows: Rows, period: Period) -> list[Section]:
    facts = _facts(rows, period)
    total = facts.total()
    po3_met, po3_days = _po3(facts.days)
    summary = _figure_section("summary", "Llamadas", "Calls", [
        ("offered", "Llamadas recibidas", total.offered, "int", "CH-TEL"),
        ("answered", "Atendidas", total.answered, "int", ""),
        ("abandoned", "Abandonadas", total.abandoned, "int", ""),
        ("abandonment", "Tasa de abandono", share(total.abandoned, total.offered), "share", "PO-2"),
        ("asa", "Espera media hasta ser atendido (ASA)", _mean_us(total.wait_us, total.answered), "seconds", "PO-2"),
        ("aht", "Duración media de atención (AHT)", _mean_us(total.handle_us, total.handled), "seconds", "PO-1"),
        ("po1_breaches", "Llamadas por encima del tiempo máximo", total.po1, "int", "PO-1"),
        ("po2_share", "Atendidas dentro de la espera máxima", share(total.po2_met, total.po2_counted), "share", "PO-2"),
        ("po3_share", "Días-técnico con el mínimo de llamadas", share(po3_met, po3_days), "share", "PO-3"),
        ("outbound", "Llamadas salientes", facts.outbound, "int", "CH-PRO"),
        ("outbound_answered", "Salientes contestadas", facts.outbound_answered, "int", "CH-PRO"),
        ("outbound_not_reached", "Salientes sin respuesta (no localizado)", facts.outbound_not_reached, "int",
         "CH-PRO"),
    ])
    by_tech = Section("by_technician", "Por técnico", "By technician", [
        Column("technician", "Técnico", "Technician"), Column("answered", "Atendidas", "Answered", "int"),
        Column("aht", "AHT", "AHT", "seconds"), Column("po1_breaches", "Sobre PO-1", "Over PO-1", "int"),
        Column("days", "Días", "Days", "int"), Column("days_at_target", "Días con el mínimo (PO-3)",
                                                      "Days at target (PO-3)", "int"),
        Column("per_day", "Llamadas por día", "Calls per day", "number")], chart=("technician", "answered"))
    for technician, tally in facts.answering():
        met, days = _po3(facts.days, technician)
        by_tech.rows.append({
            "technician": technician, "answered": tally.answered, "aht": _mean_us(tally.handle_us, tally.handled),
            "po1_breaches": tally.po1, "days": days, "days_at_target": met,
            "per_day": tally.answered / days if days else None,
        })
    return [summary, by_tech]


def _per_technician(facts: CallFacts, columns: list[Column], figures: Callable[[CallTally], dict[str, Any]],
                    key: str, es: str, en: str, chart: tuple[str, str]) -> Section:
    section = Section(key, es, en, [Column("technician", "Técnico", "Technician"), *columns], chart=chart)
    section.rows = [{"technician": t, **figures(tally)} for t, tally in facts.answering()]
    return section


def _transfer_figures(tally: CallTally) -> dict[str, Any]:
    return {"answered": tally.answered, "transferred": tally.transferred, "transfers": tally.transfers,
            "rate": share(tally.transferred, tally.answered)}


def transfers(rows: Rows, period: Period) -> list[Section]:
    facts = _facts(rows, period)
    figures = _transfer_figures(facts.total())
    summary = _figure_section("summary", "Transferencias", "Transfers", [
        ("answered", "Llamadas atendidas", figures["answered"], "int", ""),
        ("transferred", "Llamadas transferidas", figures["transferred"], "int", "TR-1"),
        ("transfers", "Transferencias", figures["transfers"], "int", "TR-1"),
        ("rate", "Tasa de transferencia", figures["rate"], "share", "TR-1"),
    ])
    columns = [Column("answered", "Atendidas", "Answered", "int"), Column("transferred", "Transferidas",
                                                                          "Transferred", "int"),
               Column("transfers", "Transferencias", "Transfers", "int"), Column("rate", "Tasa", "Rate", "share")]
    return [summary, _per_technician(facts, columns, _transfer_figures, "by_technician", "Por técnico",
                                     "By technician", ("technician", "rate"))]


def _hold_figures(tally: CallTally) -> dict[str, Any]:
    return {"answered": tally.answered, "with_hold": tally.with_hold, "holds": tally.holds,
            "mean_hold": None if tally.holds == 0 else tally.hold_seconds / tally.holds,
            "overruns": tally.hold_overruns, "overrun_share": share(tally.hold_overruns, tally.holds)}


def holds(rows: Rows, period: Period) -> list[Section]:
    facts = _facts(rows, period)
    figures = _hold_figures(facts.total())
    summary = _figure_section("summary", "Esperas en línea", "Holds", [
        ("with_hold", "Llamadas con espera", figures["with_hold"], "int", "HO-2"),
        ("holds", "Esperas", figures["holds"], "int", "HO-2"),
        ("mean_hold", "Duración media de una espera", figures["mean_hold"], "seconds", "HO-4"),
        ("overruns", "Esperas más largas de lo anunciado", figures["overruns"], "int", "HO-5"),
        ("overrun_share", "Proporción de esperas excedidas", figures["overrun_share"], "share", "HO-5"),
    ])
    columns = [Column("answered", "Atendidas", "Answered", "int"), Column("holds", "Esperas", "Holds", "int"),
               Column("mean_hold", "Espera media", "Mean hold", "seconds"),
               Column("overruns", "Excedidas (HO-5)", "Overruns (HO-5)", "int"),
               Column("overrun_share", "Proporción excedida", "Overrun share", "share")]
    return [summary, _per_technician(facts, columns, _hold_figures, "by_technician", "Por técnico",
                                     "By technician", ("technician", "holds"))]


# ---- quality, satisfaction, commitments -------------------------------------------------------

def quality(rows: Rows, period: Period) -> list[Section]:
    scored = [s for s in rows.scores if period.contains(s.scored_at)]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for card in scored:
        for rule, status in card.items:
            counts[rule][status] += 1
    by_rule = Section("by_rule", "Calidad por regla", "Quality by rule", [
        Column("rule", "Regla", "Rule"), Column("met", "Cumplida", "Met", "int"),
        Column("missed", "No cumplida", "Missed", "int"), Column("na", "No aplica", "N/A", "int"),
        Column("share_met", "Cumplimiento", "Met share", "share")], chart=("rule", "share_met"))
    for rule in sorted(counts):
        met, missed = counts[rule]["met"], counts[rule]["missed"]
        by_rule.rows.append({"rule": rule, "met": met, "missed": missed, "na": counts[rule]["n/a"],
                             "share_met": share(met, met + missed)})
    weeks: dict[Any, list[int]] = defaultdict(list)
    for card in scored:
        weeks[period.week_of(card.scored_at)].append(card.score)
    trend = Section("trend", "Tendencia semanal", "Weekly trend", [
        Column("week", "Semana (lunes)", "Week (Monday)", "date"), Column("scorecards", "Evaluaciones", "Scorecards",
                                                                          "int"),
        Column("mean_score", "Puntuación media", "Mean score", "number")], chart=("week", "mean_score"))
    trend.rows = [{"week": w, "scorecards": len(s), "mean_score": mean(s)} for w, s in sorted(weeks.items())]
    techs: dict[str, list[int]] = defaultdict(list)
    for card in scored:
        techs[card.technician or UNASSIGNED].append(card.score)
    by_tech = Section("by_technician", "Por técnico", "By technician", [
        Column("technician", "Técnico", "Technician"), Column("scorecards", "Evaluaciones", "Scorecards", "int"),
        Column("mean_score", "Puntuación media", "Mean score", "number")])
    by_tech.rows = [{"technician": t, "scorecards": len(s), "mean_score": mean(s)} for t, s in sorted(techs.items())]
    return [by_rule, trend, by_tech]


def satisfaction(rows: Rows, period: Period) -> list[Section]:
    answered = [s for s in rows.surveys if period.contains(s.answered_at)]
    ratings = Counter(s.rating for s in answered)
    summary = _figure_section("summary", "Satisfacción", "Satisfaction", [
        ("answers", "Encuestas respondidas", len(answered), "int", "SP-4"),
        ("mean_rating", "Valoración media (1 a 5)", mean(s.rating for s in answered), "number", "SP-4"),
        ("satisfied", "Satisfechos (4 o 5)", share(sum(1 for s in answered if s.rating >= 4), len(answered)),
         "share", "SP-4"),
        ("resolved", "Dicen que se resolvió",
         share(sum(1 for s in answered if s.resolved), sum(1 for s in answered if s.resolved is not None)),
         "share", "SP-1"),
    ])
    distribution = Section("distribution", "Distribución de valoraciones", "Ratings", [
        Column("rating", "Valoración", "Rating", "int"), Column("answers", "Respuestas", "Answers", "int"),
        Column("share", "Proporción", "Share", "share")], chart=("rating", "answers"))
    distribution.rows = [{"rating": r, "answers": ratings.get(r, 0), "share": share(ratings.get(r, 0), len(answered))}
                         for r in range(1, 6)]
    techs: dict[str, list[Any]] = defaultdict(list)
    for survey in answered:
        techs[survey.technician or UNASSIGNED].append(survey)
    by_tech = Section("by_technician", "Por técnico", "By technician", [
        Column("technician", "Técnico", "Technician"), Column("answers", "Respuestas", "Answers", "int"),
        Column("mean_rating", "Valoración media", "Mean rating", "number"),
        Column("satisfied", "Satisfechos (4 o 5)", "Satisfied (4 or 5)", "share")], chart=("technician", "mean_rating"))
    by_tech.rows = [{"technician": t, "answers": len(found), "mean_rating": mean(s.rating for s in found),
                     "satisfied": share(sum(1 for s in found if s.rating >= 4), len(found))}
                    for t, found in sorted(techs.items())]
    comments = Section("comments", "Comentarios", "Comments", [
        Column("answered_at", "Fecha", "Date", "date"), Column("number", "Solicitud", "Work order", "int"),
        Column("technician", "Técnico", "Technician"), Column("rating", "Valoración", "Rating", "int"),
        Column("comment", "Comentario", "Comment")])
    comments.rows = [{"answered_at": period.local_date(s.answered_at), "number": s.number,
                      "technician": s.technician or UNASSIGNED, "rating": s.rating, "comment": s.comment}
                     for s in sorted(answered, key=lambda s: (s.answered_at, s.number)) if s.comment.strip()]
    return [summary, distribution, by_tech, comments]


COMMITMENT_STATUSES = ("cumplido", "incumplido", "cancelado", "pendiente")


def _commitment_figures(found: list[Any]) -> dict[str, Any]:
    counted = Counter(c.status for c in found)
    kept, missed = counted.get("cumplido", 0), counted.get("incumplido", 0)
    return {"due": len(found), "kept": kept, "missed": missed, "cancelled": counted.get("cancelado", 0),
            "pending": counted.get("pendiente", 0), "share_kept": share(kept, kept + missed)}


def commitments(rows: Rows, period: Period) -> list[Section]:
    due = [c for c in rows.commitments if period.contains(c.due_at)]
    figures = _commitment_figures(due)
    summary = _figure_section("summary", "Compromisos", "Commitments", [
        ("due", "Compromisos con vencimiento en el periodo", figures["due"], "int", "PT-2"),
        ("kept", "Cumplidos", figures["kept"], "int", "PT-2"),
        ("missed", "Incumplidos", figures["missed"], "int", "PT-2"),
        ("cancelled", "Cancelados", figures["cancelled"], "int", "PT-2"),
        ("pending", "Pendientes", figures["pending"], "int", "PT-2"),
        ("share_kept", "Proporción cumplida", figures["share_kept"], "share", "PT-2"),
    ])
    by_owner = Section("by_owner", "Por responsable", "By owner", [
        Column("owner", "Responsable", "Owner"), Column("due", "Con vencimiento", "Due", "int"),
        Column("kept", "Cumplidos", "Kept", "int"), Column("missed", "Incumplidos", "Missed", "int"),
        Column("cancelled", "Cancelados", "Cancelled", "int"), Column("pending", "Pendientes", "Pending", "int"),
        Column("share_kept", "Proporción cumplida", "Kept share", "share")], chart=("owner", "share_kept"))
    by_owner.rows = grouped_rows(due, lambda c: c.owner or UNASSIGNED, _commitment_figures, "owner")
    return [summary, by_owner]


# ---- the walk-in desk (CH-PRE) ------------------------------------------------------------

def _visit_wait(visit: VisitRow) -> float:
    assert visit.answered_at is not None
    return max(0.0, (visit.answered_at - visit.arrived_at).total_seconds())


def _visit_figures(visits: list[VisitRow]) -> dict[str, Any]:
    served = [v for v in visits if v.answered_at is not None]
    called = [v for v in visits if v.called_at is not None]
    no_shows = sum(1 for v in visits if v.no_show)
    waits = sorted(_visit_wait(v) for v in served)
    return {"visitors": len(visits), "served": len(served), "no_shows": no_shows,
            "no_show_rate": share(no_shows, len(called)), "left": sum(1 for v in visits if v.left),
            "mean_wait": mean(waits), "p90_wait": nearest_rank(waits, 0.9) if waits else None,
            "within_po2": share(sum(1 for v in served if _visit_wait(v) <= v.max_wait_seconds), len(served)),
            "called_again": sum(1 for v in called if v.calls > 1), "booked": sum(1 for v in visits if v.booked)}


def _booking_figures(bookings: list[BookingRow]) -> dict[str, Any]:
    missed = sum(1 for b in bookings if b.missed)
    return {"booked_visits": len(bookings), "booked_no_shows": missed,
            "booked_no_show_rate": share(missed, sum(1 for b in bookings if b.came or b.missed))}


def walk_ins(rows: Rows, period: Period) -> list[Section]:
    """Visitors, waits until served (mean, p90, share within the queue's PO-2), no-shows (called and absent, and
    booked visits nobody came to); by service."""
    visits = [v for v in rows.visits if period.contains(v.arrived_at)]
    booked = [b for b in rows.bookings if period.contains(b.starts_at)]
    f = {**_visit_figures(visits), **_booking_figures(booked)}
    summary = _figure_section("summary", "Atención presencial", "Walk-in desk", [
        ("visitors", "Visitantes", f["visitors"], "int", "CH-PRE"),
        ("served", "Atendidos", f["served"], "int", ""),
        ("no_shows", "No presentados al ser llamados", f["no_shows"], "int", "CH-PRE"),
        ("no_show_rate", "Tasa de no presentados (de los llamados)", f["no_show_rate"], "share", "CH-PRE"),
        ("left", "Se fueron antes de ser llamados", f["left"], "int", "PO-2"),
        ("mean_wait", "Espera media hasta ser atendido", f["mean_wait"], "seconds", "PO-2"),
        ("p90_wait", "Espera hasta ser atendido, percentil 90", f["p90_wait"], "seconds", "PO-2"),
        ("within_po2", "Atendidos dentro de la espera máxima", f["within_po2"], "share", "PO-2"),
        ("called_again", "Llamados más de una vez", f["called_again"], "int", ""),
        ("booked", "Con cita", f["booked"], "int", "CH-PRE"),
        ("booked_visits", "Citas con hora en el periodo", f["booked_visits"], "int", "CH-PRE"),
        ("booked_no_shows", "Citas a las que no vino nadie", f["booked_no_shows"], "int", "CH-PRE"),
        ("booked_no_show_rate", "Tasa de citas perdidas (de las ya pasadas)", f["booked_no_show_rate"], "share",
         "CH-PRE"),
        ("all_no_shows", "No presentados en total (llamados y citas)", f["no_shows"] + f["booked_no_shows"], "int",
         "CH-PRE"),
    ])
    by_service = Section("by_service", "Por servicio", "By service", [
        Column("service", "Servicio", "Service"), Column("visitors", "Visitantes", "Visitors", "int"),
        Column("served", "Atendidos", "Served", "int"), Column("no_shows", "No presentados", "No-shows", "int"),
        Column("booked_no_shows", "Citas perdidas", "Booked, nobody came", "int"),
        Column("mean_wait", "Espera media", "Mean wait", "seconds"),
        Column("within_po2", "Dentro de PO-2", "Within PO-2", "share")], chart=("service", "visitors"))
    by_visit = {r["service"]: r for r in grouped_rows(visits, lambda v: v.service, _visit_figures, "service",
                                                      ("visitors", "served", "no_shows", "mean_wait", "within_po2"))}
    by_booking = {r["service"]: r for r in grouped_rows(booked, lambda b: b.service, _booking_figures, "service",
                                                        ("booked_no_shows",))}
    empty = {"visitors": 0, "served": 0, "no_shows": 0, "mean_wait": None, "within_po2": None}
    by_service.rows = [{"service": name, **{**empty, **by_visit.get(name, {})},
                        "booked_no_shows": by_booking.get(name, {}).get("booked_no_shows", 0)}
                       for name in sorted(by_visit.keys() | by_booking.keys())]
    return [summary, by_service]



# ---- call-backs (CH-PRO, PO-2, PT-2) ----------------------------------------------------------

def _callback_figures(rows: list[CallbackRow]) -> dict[str, Any]:
    taken = [r for r in rows if r.accepted]
    phone = [r for r in rows if r.origin == "telefono"]
    settled = [r for r in taken if r.kept or r.window_over]  # kept or not is known
    dialled = [r for r in taken if r.attempts]
    failed = [r for r in taken if r.status == "fallida"]
    return {
        "offered": len(phone), "accepted": sum(1 for r in phone if r.accepted),
        "acceptance": share(sum(1 for r in phone if r.accepted), len(phone)),
        "asked": sum(1 for r in taken if r.origin != "telefono"), "callbacks": len(taken),
        "kept": sum(1 for r in taken if r.kept), "kept_share": share(sum(1 for r in settled if r.kept), len(settled)),
        "connected": sum(1 for r in taken if r.status == "conectada"), "failed": len(failed),
        "failed_no_answer": sum(1 for r in failed if r.failure == "no_answer"),
        "failed_window": sum(1 for r in failed if r.failure == "window_closed"),
        "cancelled": sum(1 for r in taken if r.status == "cancelada"),
        "mean_attempts": mean([float(r.attempts) for r in dialled]),
    }


def callbacks(rows: Rows, period: Period) -> list[Section]:
    """Call-backs offered on the phone and accepted, asked for, dialled within the window (kept), connected and
    failed; by origin and by queue."""
    found = [r for r in rows.callbacks if period.contains(r.at)]
    f = _callback_figures(found)
    summary = _figure_section("summary", "Devoluciones de llamada", "Call-backs", [
        ("offered", "Ofrecidas en espera", f["offered"], "int", "PO-2"),
        ("accepted", "Aceptadas en espera", f["accepted"], "int", "PO-2"),
        ("acceptance", "Tasa de aceptación", f["acceptance"], "share", "PO-2"),
        ("asked", "Pedidas (portal, chat, personal)", f["asked"], "int", ""),
        ("callbacks", "Devoluciones de llamada", f["callbacks"], "int", ""),
        ("kept", "Marcadas dentro de la franja", f["kept"], "int", "PT-2"),
        ("kept_share", "Proporción marcada a tiempo (de las cerradas)", f["kept_share"], "share", "PT-2"),
        ("connected", "Conectadas con el cliente", f["connected"], "int", ""),
        ("failed", "Fallidas", f["failed"], "int", "PT-2"),
        ("failed_no_answer", "Fallidas: no contestó", f["failed_no_answer"], "int", "PT-2"),
        ("failed_window", "Fallidas: franja terminada", f["failed_window"], "int", "PT-2"),
        ("cancelled", "Canceladas", f["cancelled"], "int", ""),
        ("mean_attempts", "Intentos por devolución (media)", f["mean_attempts"], "number", ""),
    ])
    columns = [Column("callbacks", "Devoluciones", "Call-backs", "int"), Column("kept", "A tiempo", "Kept", "int"),
               Column("connected", "Conectadas", "Connected", "int"), Column("failed", "Fallidas", "Failed", "int"),
               Column("kept_share", "Proporción a tiempo", "Kept share", "share")]
    by_origin = Section("by_origin", "Por origen", "By origin",
                        [Column("origin", "Origen", "Origin", "code"), *columns], chart=("origin", "callbacks"))
    by_queue = Section("by_queue", "Por cola", "By queue", [Column("queue", "Cola", "Queue"), *columns],
                       chart=("queue", "callbacks"))
    accepted = [r for r in found if r.accepted]
    for section, key in ((by_origin, "origin"), (by_queue, "queue")):
        section.rows = grouped_rows(accepted, attrgetter(key), _callback_figures, key,
                                    ("callbacks", "kept", "connected", "failed", "kept_share"))
    return [summary, by_origin, by_queue]


# ---- outbound campaigns (CH-PRO) ----------------------------------------------------------

CAMPAIGN_OUTCOMES = ("reached", "no_answer", "call_back", "refused", "wrong_number")


def _campaign_figures(tallies: list[CampaignTally]) -> dict[str, Any]:
    by_outcome: Counter[str] = Counter()
    for tally in tallies:
        by_outcome[tally.outcome] += tally.tries
    tries = sum(by_outcome.values())
    recorded = tries - by_outcome[""]
    answered = recorded - by_outcome["no_answer"]  # someone picked up: PO-3 counts these calls
    return {"tries": tries, **{o: by_outcome[o] for o in CAMPAIGN_OUTCOMES}, "answered": answered,
            "reached_rate": share(by_outcome["reached"], recorded),
            "refusal_rate": share(by_outcome["refused"], answered)}


_CAMPAIGN_COLUMNS = [Column("tries", "Intentos", "Tries", "int"), Column("reached", "Contactados", "Reached", "int"),
                     Column("reached_rate", "Tasa de contacto", "Reached rate", "share"),
                     Column("refused", "Rechazos", "Refusals", "int"),
                     Column("no_answer", "Sin respuesta", "No answer", "int"),
                     Column("call_back", "Volver a llamar", "Call back", "int"),
                     Column("wrong_number", "Número equivocado", "Wrong number", "int")]


def campaigns(rows: Rows, period: Period) -> list[Section]:
    """Outbound campaigns: tries and outcomes, reached rate and refusals; by campaign and by technician."""
    f = _campaign_figures(rows.campaign_tries)
    summary = _figure_section("summary", "Campañas salientes", "Outbound campaigns", [
        ("tries", "Intentos de llamada", f["tries"], "int", "CH-PRO"),
        ("answered", "Llamadas contestadas (cuentan para PO-3)", f["answered"], "int", "PO-3"),
        ("reached", "Personas contactadas", f["reached"], "int", "CH-PRO"),
        ("reached_rate", "Tasa de contacto (de los intentos con resultado)", f["reached_rate"], "share", "CH-PRO"),
        ("refused", "Rechazos", f["refused"], "int", "CH-PRO"),
        ("refusal_rate", "Tasa de rechazo (de las contestadas)", f["refusal_rate"], "share", "CH-PRO"),
        ("no_answer", "Sin respuesta", f["no_answer"], "int", ""),
        ("call_back", "Piden que se les llame más tarde", f["call_back"], "int", "CH-PRO"),
        ("wrong_number", "Números equivocados", f["wrong_number"], "int", ""),
    ])
    sections = [summary]
    for key, es, en, field_name in (("by_campaign", "Por campaña", "By campaign", "campaign"),
                                    ("by_technician", "Por técnico", "By technician", "technician")):
        first = Column(field_name, "Campaña" if field_name == "campaign" else "Técnico",
                       "Campaign" if field_name == "campaign" else "Technician")
        section = Section(key, es, en, [first, *_CAMPAIGN_COLUMNS], chart=(field_name, "reached"))
        named = attrgetter(field_name)
        section.rows = grouped_rows(rows.campaign_tries, lambda t: named(t) or UNASSIGNED,  # noqa: B023
                                    _campaign_figures, field_name, [c.key for c in _CAMPAIGN_COLUMNS])
        sections.append(section)
    return sections

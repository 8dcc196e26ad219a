"""The rows of a report, read from the database with the report's filters and the reader's scope.

Filters (all optional): ``team`` (a team's name), ``queue`` (a call queue's name; work
orders of the queue's team), ``technician`` (a username: the assignee of work orders and
calls, the owner of commitments, the technician of scorecards) and ``channel``
(``telefonico`` keeps the calls; any other channel leaves them out).

Scope (ET-4): an administrator (or the command line) reads everything; a supervisor
reads the teams they belong to: their work orders, the calls of their queues, the
scorecards of their members; anyone else reads nothing here (reports are for managers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from atiende.campaigns.models import Attempt
from atiende.contact.clock import now
from atiende.contact.models import Contact, ContactChannel, ContactEvent, ContactState, Queue
from atiende.contact.selectors import policy_for
from atiende.desk.models import (
    Channel,
    Commitment,
    Message,
    MessageDirection,
    Phase,
    SatisfactionSurvey,
    Visibility,
    WorkOrder,
    WorkOrderEvent,
)
from atiende.engine import EventKind
from atiende.errors import InputError
from atiende.people.models import Team, User
from atiende.people.roles import is_admin, is_manager
from atiende.reports import aggregates, rollup
from atiende.reports.core.figures import number_of
from atiende.reports.core.rows import (
    BookingRow,
    CallbackRow,
    CallFacts,
    CallRow,
    CampaignTally,
    CommitmentRow,
    Period,
    Rows,
    ScoreRow,
    SurveyRow,
    VisitRow,
    WorkOrderFacts,
    WorkOrderRow,
    display_name,
)
from atiende.reports.models import CallHour
from atiende.scorecards.models import ItemOverride, Scorecard
from atiende.sla import services as sla_services
from atiende.sla.selectors import SLA_STATES, state_filter
from atiende.telephony.models import Callback
from atiende.walkin.core import NO_SHOW
from atiende.walkin.models import Booking, Visit

FILTERS = ("team", "queue", "technician", "channel", "sla")


class Scope:
    """Which teams a reader sees: ``None`` all of them."""

    def __init__(self, user: User | None) -> None:
        if user is None or is_admin(user):
            self.team_ids: set[int] | None = None
        elif is_manager(user):
            self.team_ids = set(user.teams.values_list("pk", flat=True))
        else:
            raise InputError("forbidden", _("Reports are for supervisors and administrators."), status=403)

        self.user = user

    def teams(self, field: str) -> Q:
        return Q() if self.team_ids is None else Q(**{f"{field}__in": self.team_ids})

    def known_teams(self) -> QuerySet[Team]:
        return Team.objects.all() if self.team_ids is None else Team.objects.filter(pk__in=self.team_ids)

    def known_queues(self) -> QuerySet[Queue]:
        """The reader's teams' queues and the shared ones (no team)."""
        if self.team_ids is None:
            return Queue.objects.all()
        return Queue.objects.filter(Q(team__isnull=True) | Q(team__in=self.team_ids))

    def known_people(self) -> QuerySet[User]:
        """The reader and the members of the reader's teams."""
        if self.team_ids is None:
            return User.objects.all()
        return User.objects.filter(Q(teams__in=self.team_ids) | Q(pk=getattr(self.user, "pk", None))).distinct()


def clean_filters(raw: dict[str, Any], scope: Scope | None = None) -> dict[str, str]:
    """The filters given, checked: an unknown team, queue, technician or channel is a clear 404/400.

    ET-4 (issue 22, item 10): a team, queue or person outside the reader's ``scope`` is unknown to them, with
    the same 404 as one that does not exist (an empty report would confirm that it does)."""
    scope = scope or Scope(None)
    filters: dict[str, str] = {}
    for key in FILTERS:
        value = raw.get(key)
        if value in (None, ""):
            continue
        value = str(value).strip()
        if key == "team" and not scope.known_teams().filter(name=value).exists():
            raise InputError("unknown_team", _("No such team: %(name)s.") % {"name": value}, field=key, status=404)
        if key == "queue" and not scope.known_queues().filter(name=value).exists():
            raise InputError("unknown_queue", _("No such queue: %(name)s.") % {"name": value}, field=key, status=404)
        if key == "technician" and not scope.known_people().filter(username=value).exists():
            raise InputError("unknown_user", _("No such user: %(name)s.") % {"name": value}, field=key, status=404)
        if key == "channel" and value not in Channel.values:
            raise InputError("invalid_choice", _("%(value)r is not a valid %(field)s; use one of: %(allowed)s.")
                             % {"value": value, "field": key, "allowed": ", ".join(Channel.values)}, field=key)
        if key == "sla" and value not in SLA_STATES:
            raise InputError("invalid_choice", _("%(value)r is not a valid %(field)s; use one of: %(allowed)s.")
                             % {"value": value, "field": key, "allowed": ", ".join(SLA_STATES)}, field=key)
        filters[key] = value
    return filters


_name = display_name


def _in(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _work_orders(period: Period, filters: dict[str, str], scope: Scope) -> QuerySet[WorkOrder]:
    rows = WorkOrder.objects.filter(_in(period, "created_at") | _in(period, "closed_at")).filter(scope.teams("team_id"))
    return _by_work_order(rows, filters, "")


def work_order_rows(period: Period, filters: dict[str, str], scope: Scope) -> list[WorkOrderRow]:
    reopened = WorkOrderEvent.objects.filter(work_order=OuterRef("pk"), kind="reopened")
    follow_ups = Count("messages", filter=Q(messages__direction=MessageDirection.INBOUND,
                                            messages__visibility=Visibility.PUBLIC,
                                            messages__created_at__gt=F("sla__first_response_at")))
    rows = (_work_orders(period, filters, scope)
            .annotate(was_reopened=Exists(reopened), follow_ups=follow_ups)
            .values_list("number", "created_at", "channel", "team_id", "team__name", "assignee__first_name",
                         "assignee__last_name", "assignee__username", "priority", "phase", "closed_at",
                         "was_reopened", "follow_ups", "sla__first_response_state", "sla__resolution_state",
                         "sla__first_response_at", "sla__resolved_at", "sla__pauses", "sla__first_response_seconds",
                         "sla__resolution_seconds"))
    calendars = Calendars()
    found = []
    for (number, created, channel, team_id, team, first, last, username, priority, phase, closed_at, was_reopened,
         follow, first_state, resolution_state, first_at, resolved_at, pauses, first_seconds,
         resolution_seconds) in rows:
        first_seconds, resolution_seconds = calendars.seconds(team_id, created, first_at, resolved_at, pauses,
                                                              first_seconds, resolution_seconds)
        found.append(WorkOrderRow(
            number=number, created_at=created, channel=channel, team=team or "", technician=_name(first, last, username),
            priority=priority, closed_at=closed_at if phase == Phase.CLOSURE else None, reopened=bool(was_reopened),
            follow_ups=follow or 0, first_response_state=first_state or "none",
            resolution_state=resolution_state or "none", first_response_seconds=first_seconds,
            resolution_seconds=resolution_seconds))
    return found


def calls_in(period: Period, filters: dict[str, str], scope: Scope) -> QuerySet[Contact] | None:
    """The calls that arrived in the period, with the filters and the scope (None: the channel leaves them out)."""
    if filters.get("channel", Channel.PHONE) != Channel.PHONE or "sla" in filters:
        return None  # another channel, or an SLA state: work orders have SLAs, calls do not
    # Calls only: a visitor at the walk-in desk (CH-PRE) is in the walk-ins report, not counted as a call.
    rows = (Contact.objects.filter(_in(period, "created_at"), channel=ContactChannel.PHONE)
            .filter(scope.teams("queue__team_id")))
    return _by_contact(rows, filters, "")


def call_facts(period: Period, filters: dict[str, str], scope: Scope) -> CallFacts:
    """The call figures added up in SQL (reports/aggregates.py): what ``figures.tally_calls`` makes of
    :func:`call_rows`, without reading every call."""
    rows = calls_in(period, filters, scope)
    return CallFacts() if rows is None else rollup.call_facts(rows, period, _summed_calls(filters, scope))


def _summed_calls(filters: dict[str, str], scope: Scope) -> QuerySet[CallHour]:
    """The calls added up by hour (reports/rollup.py), with the same filters and scope as ``calls_in``."""
    return _by_contact(CallHour.objects.filter(scope.teams("queue__team_id")), filters, "")


class Calendars:
    """Business seconds of a work order's clocks: as stored when the clock stopped, or (a row stored before
    they were kept) counted now with the team's calendar."""

    def __init__(self) -> None:
        self._calendars: dict[int | None, Any] = {}

    def seconds(self, team_id: int | None, created: Any, first_at: Any, resolved_at: Any, pauses: Any,
                first: float | None, resolution: float | None) -> tuple[float | None, float | None]:
        if (first is None and first_at is not None) or (resolution is None and resolved_at is not None):
            calendar = self._calendars.get(team_id)
            if calendar is None:
                calendar = self._calendars[team_id] = sla_services.calendar_for(team_id)
            counted = sla_services.business_seconds(calendar, created, first_at, resolved_at,
                                                    sla_services.stored_pauses(pauses))
            first = counted[0] if first is None else first
            resolution = counted[1] if resolution is None else resolution
        return (None if first_at is None else first), (None if resolved_at is None else resolution)


def work_order_facts(period: Period, filters: dict[str, str], scope: Scope,
                     parts: frozenset[str] = aggregates.WORK_ORDER_PARTS) -> WorkOrderFacts:
    """The work-order figures added up in SQL (reports/aggregates.py); ``parts``: which of them."""
    reopened = WorkOrderEvent.objects.filter(work_order=OuterRef("pk"), kind="reopened")
    follow_ups = Message.objects.filter(work_order=OuterRef("pk"), direction=MessageDirection.INBOUND,
                                        visibility=Visibility.PUBLIC, created_at__gt=OuterRef("sla__first_response_at"))
    return aggregates.work_order_facts(_work_orders(period, filters, scope), period, reopened=Exists(reopened),
                                       followed=Exists(follow_ups), calendars=Calendars(), parts=parts)


def inbound_calls(period: Period, filters: dict[str, str], scope: Scope) -> int:
    """How many inbound calls arrived in the period (the volume report shows only this of the calls): what
    ``figures.tally_calls`` counts as offered, one count instead of the whole call pass."""
    rows = calls_in(period, filters, scope)
    return 0 if rows is None else rollup.inbound_calls(rows, period, _summed_calls(filters, scope))


def call_rows(period: Period, filters: dict[str, str], scope: Scope) -> list[CallRow]:
    """Every call, one row each: the reference the SQL path is tested against (and nothing else reads)."""
    rows = calls_in(period, filters, scope)
    if rows is None:
        return []
    policies: dict[tuple[int, int | None], dict[str, Any]] = {}
    queues = {q.pk: q for q in Queue.objects.all()}
    found = []
    for (queue_id, organisation_id, created, answered, ended, state, direction, first, last, username,
         data) in rows.values_list("queue_id", "customer__organisation_id", "created_at", "answered_at", "ended_at",
                                   "state", "direction", "assignee__first_name", "assignee__last_name",
                                   "assignee__username", "data").iterator(chunk_size=5000):
        key = (queue_id, organisation_id)
        policy = policies.get(key)
        if policy is None:
            policy = policies[key] = policy_for(queues[queue_id], organisation_id).as_dict()
        data = data if isinstance(data, dict) else {}
        found.append(CallRow(
            arrived_at=created, answered_at=answered, ended_at=ended, abandoned=state == ContactState.ABANDONED,
            inbound=direction != "outbound", technician=_name(first, last, username), queue=queues[queue_id].name,
            max_wait_seconds=float(policy.get("max_wait_seconds", 180)),
            max_call_seconds=float(policy.get("max_call_seconds", 900)),
            calls_per_day=int(policy.get("calls_per_day", 30)),
            holds=int(number_of(data.get("hold_count"))), hold_seconds=float(number_of(data.get("hold_seconds"))),
            hold_overruns=int(number_of(data.get("hold_overruns"))),
            transfers=int(number_of(data.get("transfer_count")))))
    return found


def score_rows(period: Period, filters: dict[str, str], scope: Scope) -> list[ScoreRow]:
    if "sla" in filters:
        return []  # scorecards are of calls and conversations, which have no SLA
    rows = Scorecard.objects.filter(_in(period, "scored_at"))
    if scope.team_ids is not None:
        rows = rows.filter(technician__teams__in=scope.team_ids).distinct()
    if "team" in filters:
        rows = rows.filter(technician__teams__name=filters["team"])
    if "queue" in filters:
        rows = rows.filter(contact__queue__name=filters["queue"])
    if "technician" in filters:
        rows = rows.filter(technician__username=filters["technician"])
    if "channel" in filters:
        rows = rows.filter(channel=filters["channel"])
    cards = list(rows.values_list("pk", "scored_at", "technician__first_name", "technician__last_name",
                                  "technician__username", "final_score", "items", "channel"))
    overrides: dict[int, dict[str, str]] = defaultdict(dict)
    for card_id, rule, status in (ItemOverride.objects.filter(scorecard_id__in=[c[0] for c in cards])
                                  .order_by("at", "id").values_list("scorecard_id", "rule", "new_status")):
        overrides[card_id][rule] = status  # the latest word on a rule wins, as on the card's page
    found = []
    for pk, scored, first, last, username, score, items, channel in cards:
        chosen = overrides.get(pk, {})
        pairs = tuple((str(i.get("rule")), chosen.get(str(i.get("rule")), str(i.get("status"))))
                      for i in (items or []) if isinstance(i, dict))
        found.append(ScoreRow(scored_at=scored, technician=_name(first, last, username), score=int(score),
                              items=pairs, channel=channel))
    return found


def survey_rows(period: Period, filters: dict[str, str], scope: Scope) -> list[SurveyRow]:
    rows = SatisfactionSurvey.objects.filter(_in(period, "answered_at"), rating__isnull=False).filter(
        scope.teams("work_order__team_id"))
    rows = _by_work_order(rows, filters, "work_order__")
    return [SurveyRow(answered_at=at, rating=int(rating or 0), resolved=resolved, comment=comment or "",
                      technician=_name(first, last, username), number=number, team=team or "")
            for at, rating, resolved, comment, first, last, username, number, team in rows.values_list(
                "answered_at", "rating", "resolved", "comment", "work_order__assignee__first_name",
                "work_order__assignee__last_name", "work_order__assignee__username", "work_order__number",
                "work_order__team__name") if at is not None]


def _by_contact[M: Any](rows: QuerySet[M], filters: dict[str, str], prefix: str) -> QuerySet[M]:
    """The team, queue and technician filters on rows of a contact (a call, a visit's contact) at ``prefix``."""
    if "team" in filters:
        rows = rows.filter(**{f"{prefix}queue__team__name": filters["team"]})
    if "queue" in filters:
        rows = rows.filter(**{f"{prefix}queue__name": filters["queue"]})
    if "technician" in filters:
        rows = rows.filter(**{f"{prefix}assignee__username": filters["technician"]})
    return rows


def _by_work_order[M: Any](rows: QuerySet[M], filters: dict[str, str], prefix: str,
                           person: str | None = None) -> QuerySet[M]:
    if "team" in filters:
        rows = rows.filter(**{f"{prefix}team__name": filters["team"]})
    if "queue" in filters:
        rows = rows.filter(**{f"{prefix}team__queues__name": filters["queue"]})
    if "technician" in filters:
        rows = rows.filter(**{f"{person or prefix + 'assignee'}__username": filters["technician"]})
    if "channel" in filters:
        rows = rows.filter(**{f"{prefix}channel": filters["channel"]})
    if "sla" in filters:
        rows = rows.filter(state_filter(filters["sla"], prefix=f"{prefix}sla__"))
    return rows


def commitment_rows(period: Period, filters: dict[str, str], scope: Scope) -> list[CommitmentRow]:
    rows = Commitment.objects.filter(_in(period, "due_at")).filter(scope.teams("work_order__team_id"))
    rows = _by_work_order(rows, filters, "work_order__", person="owner")
    return [CommitmentRow(due_at=due, status=status, owner=_name(first, last, username), resolved_at=resolved)
            for due, status, first, last, username, resolved in rows.values_list(
                "due_at", "status", "owner__first_name", "owner__last_name", "owner__username", "resolved_at")]


def visit_rows(period: Period, filters: dict[str, str], scope: Scope) -> list[VisitRow]:
    """Visitors of the walk-in desk (CH-PRE) checked in during the period, in the queues the user may see."""
    if filters.get("channel", Channel.IN_PERSON) != Channel.IN_PERSON or "sla" in filters:
        return []
    rows = _by_contact(Visit.objects.filter(_in(period, "checked_in_at")).filter(
        scope.teams("contact__queue__team_id")), filters, "contact__")
    queues = {q.pk: q for q in Queue.objects.all()}
    limits: dict[int, float] = {}
    found = []
    for (arrived, service, called, calls, booking, queue_id, answered, state, data) in rows.values_list(
            "checked_in_at", "service__label", "called_at", "calls", "booking_id", "contact__queue_id",
            "contact__answered_at", "contact__state", "contact__data").iterator(chunk_size=5000):
        if queue_id not in limits:
            limits[queue_id] = float(policy_for(queues[queue_id]).max_wait_seconds)
        cause = (data or {}).get("end_cause") if isinstance(data, dict) else None
        abandoned = state == ContactState.ABANDONED
        found.append(VisitRow(arrived_at=arrived, service=service, called_at=called, answered_at=answered,
                              no_show=abandoned and cause == NO_SHOW, left=abandoned and cause != NO_SHOW,
                              booked=booking is not None, calls=calls, max_wait_seconds=limits[queue_id]))
    return found


def booking_rows(period: Period, filters: dict[str, str], scope: Scope) -> list[BookingRow]:
    """Booked visits (CH-PRE) whose slot starts in the period, not cancelled, in the queues the user may see:
    whether the customer checked in for it, or nobody did by the end of its slot (a no-show, recorded by the
    worker or not yet). A booking is no technician's: the technician filter leaves them all out."""
    if (filters.get("channel", Channel.IN_PERSON) != Channel.IN_PERSON or "sla" in filters
            or "technician" in filters):
        return []
    rows = (Booking.objects.filter(_in(period, "starts_at")).exclude(status=Booking.Status.CANCELLED)
            .filter(scope.teams("service__queue__team_id")))
    if "team" in filters:
        rows = rows.filter(service__queue__team__name=filters["team"])
    if "queue" in filters:
        rows = rows.filter(service__queue__name=filters["queue"])
    moment = now()
    found = []
    for starts_at, service, minutes, status, visit in rows.values_list(
            "starts_at", "service__label", "service__slot_minutes", "status", "visit__id").iterator(chunk_size=5000):
        came = visit is not None or status == Booking.Status.CHECKED_IN
        over = starts_at + timedelta(minutes=minutes) <= moment
        missed = not came and (status == Booking.Status.NO_SHOW or (status == Booking.Status.BOOKED and over))
        found.append(BookingRow(starts_at=starts_at, service=service, came=came, missed=missed))
    return found


def callback_rows(period: Period, filters: dict[str, str], scope: Scope) -> list[CallbackRow]:
    """Call-backs asked for in the period, and offers on the phone the caller did not take, in the queues the
    user may see (the channel filter: call-backs are phone calls)."""
    if filters.get("channel", Channel.PHONE) != Channel.PHONE or "sla" in filters:
        return []
    moment = now()
    callbacks = _by_contact(Callback.objects.filter(_in(period, "requested_at")).filter(
        scope.teams("contact__queue__team_id")), filters, "contact__")
    found = [CallbackRow(at=at, origin=origin, queue=queue, status=status, attempts=attempts,
                         kept=first is not None and first <= end, failure=failure,
                         window_over=end <= moment or status in ("fallida", "cancelada", "conectada"))
             for at, origin, queue, status, attempts, first, end, failure in callbacks.values_list(
                 "requested_at", "origin", "contact__queue__name", "status", "attempts", "first_dialled_at",
                 "window_end", "failure").iterator(chunk_size=5000)]
    # Offers the caller did not take: the offer event of a contact that never became a call-back.
    offers = _by_contact(ContactEvent.objects.filter(_in(period, "at"), kind=EventKind.CALLBACK_OFFERED).filter(
        scope.teams("contact__queue__team_id")).filter(contact__callback__isnull=True), filters, "contact__")
    found += [CallbackRow(at=at, origin="telefono", queue=queue, accepted=False)
              for at, queue in offers.values_list("at", "contact__queue__name").iterator(chunk_size=5000)]
    return found


def campaign_tries(period: Period, filters: dict[str, str], scope: Scope) -> list[CampaignTally]:
    """Tries of outbound campaigns (CH-PRO) dialled in the period, added up in SQL by campaign, technician and
    outcome, in the campaigns whose queue the reader's teams hold."""
    if filters.get("channel", Channel.PHONE) != Channel.PHONE or "sla" in filters:
        return []
    rows = Attempt.objects.filter(_in(period, "dialled_at")).filter(scope.teams("campaign__queue__team_id"))
    if "team" in filters:
        rows = rows.filter(campaign__queue__team__name=filters["team"])
    if "queue" in filters:
        rows = rows.filter(campaign__queue__name=filters["queue"])
    if "technician" in filters:
        rows = rows.filter(technician__username=filters["technician"])
    grouped = (rows.values("campaign__name", "technician__first_name", "technician__last_name",
                           "technician__username", "outcome").annotate(tries=Count("id")).order_by())
    return [CampaignTally(campaign=g["campaign__name"], outcome=g["outcome"], tries=g["tries"],
                          technician=_name(g["technician__first_name"], g["technician__last_name"],
                                           g["technician__username"]) if g["technician__username"] else "")
            for g in grouped]


LOADERS = {"work_orders": work_order_rows, "calls": call_rows, "scores": score_rows, "surveys": survey_rows,
           "commitments": commitment_rows, "visits": visit_rows, "bookings": booking_rows, "callbacks": callback_rows,
           "campaign_tries": campaign_tries}


def load(needs: Iterable[str], period: Period, filters: dict[str, str], scope: Scope) -> Rows:
    """What a report reads; the calls and work orders come added up in SQL (``Rows.call_facts``,
    ``Rows.work_order_facts``), not one by one. ``work_orders.created`` (``.clocks``, ``.closed``) adds up
    only that part of the work-order figures, ``work_orders`` all of them; ``inbound_calls`` only counts the
    inbound calls."""
    rows = Rows()
    parts: set[str] = set()
    for need in needs:
        if need == "calls":
            rows.call_facts = call_facts(period, filters, scope)
        elif need == "inbound_calls":
            rows.inbound_calls = inbound_calls(period, filters, scope)
        elif need == "work_orders":
            parts |= aggregates.WORK_ORDER_PARTS
        elif need.startswith("work_orders."):
            parts.add(need.removeprefix("work_orders."))
        else:
            setattr(rows, need, LOADERS[need](period, filters, scope))
    if parts:
        rows.work_order_facts = work_order_facts(period, filters, scope, frozenset(parts))
    return rows


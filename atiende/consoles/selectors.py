"""Reads for the consoles: one JSON snapshot per screen, built on the contact center's models and views.

The snapshot is what a page shows after a (re)connect: the server holds the
state, the page only redraws it, so a dropped websocket loses nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils import timezone

from atiende.consoles import intervals
from atiende.contact import clock
from atiende.contact import selectors as contact_selectors
from atiende.contact.models import (
    IN_CONVERSATION,
    Contact,
    ContactChannel,
    ContactEvent,
    ContactState,
    Queue,
    TechnicianState,
    TechnicianStatus,
)
from atiende.contact.services import technicians as contact_technicians
from atiende.desk.selectors import visible_work_orders
from atiende.engine import EventKind
from atiende.people.models import User
from atiende.people.roles import STAFF, TECHNICIANS, is_admin, role_filter
from atiende.reports.satisfaction import recent_figures
from atiende.sla import selectors as sla_selectors

# States in which a contact belongs to its technician's console.
MINE = [ContactState.OFFERED, *IN_CONVERSATION, ContactState.WRAP_UP]
# A call's transfer history, newest first, tells whether its last transfer came back (TR-5).
TRANSFER_EVENTS = (EventKind.TRANSFER_REQUESTED, EventKind.TRANSFER_ACCEPTED, EventKind.TRANSFER_RETURNED)
LIVE = list(IN_CONVERSATION)
LEVEL_LABELS = {"basico": ("básico", "basic"), "intermedio": ("intermedio", "intermediate"),
                "avanzado": ("avanzado", "advanced")}


def _en(language: str) -> bool:
    return language.startswith("en")


def _policy(row: Contact) -> dict[str, Any]:
    organisation = None
    if row.customer_id:
        organisation = row.customer.organisation_id if row.customer else None
    return contact_selectors.policy_for(row.queue, organisation).as_dict()


def _calls_today(state: TechnicianState | None) -> int:
    if state is None or state.calls_day != clock.now().date():
        return 0
    return state.calls_today


def customer_for(row: Contact) -> Any:
    """The contact's customer, or the one customer whose phone is the caller's number (CO-1: greet by name).

    Numbers compare as the telephony writes them (``services.customer_for_caller``);
    a number two customers share greets nobody by name.
    """
    from atiende.contact.selectors import customer_for_caller
    from atiende.desk.models import Customer

    if row.customer_id:
        return row.customer
    customer_id = customer_for_caller(row.caller or "")
    return Customer.objects.filter(pk=customer_id).first() if customer_id else None


def customer_card(customer: Any, *, language: str = "es") -> dict[str, Any] | None:
    """CO-1, PH-5: the name and form of address to greet with; CO-3 level; traits seen before with strategy."""
    if customer is None:
        return None
    from atiende.desk.models import TraitObservation
    from atiende.language import strategy

    latest: dict[str, Any] = {}
    for obs in TraitObservation.objects.filter(customer=customer).order_by("-observed_at")[:50]:
        latest.setdefault(obs.trait, obs)
    traits = []
    for trait_id, obs in sorted(latest.items()):
        if obs.score < 0.5:
            continue
        try:
            card = strategy(trait_id, language)
        except KeyError:
            continue
        traits.append({"id": trait_id, "score": round(obs.score, 2), "do": card.do, "avoid": card.avoid})
    level = customer.knowledge_level or ""
    labels = LEVEL_LABELS.get(level)
    return {
        "id": customer.pk,
        "name": customer.name,
        "greeting": customer.greeting_name,
        "address_as": customer.address_as,
        "knowledge_level": level,
        "knowledge_label": (labels[1] if _en(language) else labels[0]) if labels else "",
        "organisation": str(customer.organisation) if customer.organisation_id else "",
        "traits": traits,
        "work_orders": _open_work_orders(customer),
    }


def _open_work_orders(customer: Any) -> list[dict[str, Any]]:
    """The customer's open work orders with their SP-1 phase, so the call continues the right one."""
    from django.urls import reverse

    from atiende.desk.models import Phase, WorkOrder

    phases = list(Phase)
    return [{"number": wo.number, "title": wo.title, "phase": wo.phase,
             "phases": [{"id": p.value, "label": str(p.label), "current": p.value == wo.phase} for p in phases],
             "url": reverse("desk:work_order_detail", args=[wo.number])}
            for wo in WorkOrder.objects.filter(customer=customer, closed_at__isnull=True).order_by("-number")[:5]]


def _transfer_offers(user: User, *, language: str) -> list[Contact]:
    """TR-4: transfers waiting for this technician: named, or to a queue whose transfers they may accept
    (the acceptance's own rule, so the console never offers an Accept the acceptance refuses)."""
    me = TechnicianState.objects.filter(pk=user.pk).first()
    teams: set[int] | None = None
    queues: dict[str, Queue | None] = {}
    offers = []
    for row in (Contact.objects.select_related("queue", "customer")
                .filter(state=ContactState.TRANSFER_PENDING).exclude(assignee=user).order_by("created_at")[:50]):
        transfer = (row.data or {}).get("transfer") or {}
        to_queue = transfer.get("to_queue")
        if transfer.get("to_technician") == user.pk:
            offers.append(row)
        elif to_queue:
            if to_queue not in queues:
                queues[to_queue] = Queue.objects.filter(name=to_queue).first()
            queue = queues[to_queue]
            if teams is None:
                teams = set(user.teams.values_list("pk", flat=True))
            if queue is not None and contact_selectors.may_accept_transfer(
                    queue, tier=user.tier, skills=user.skills, queues_served=me.queues if me else None,
                    team_ids=teams):
                offers.append(row)
    return offers


def technician_snapshot(user: User, *, language: str = "es") -> dict[str, Any]:
    """Everything the technician console shows, in one read."""
    state = contact_technicians.technician_state(user)
    mine = list(Contact.objects.select_related("queue", "customer")
                .filter(state__in=MINE).filter(assignee=user).order_by("created_at"))
    mine += list(Contact.objects.select_related("queue", "customer")
                 .filter(state=ContactState.OFFERED, offered_to=user).exclude(assignee=user))
    active = mine[0] if mine else None
    default_policy = contact_selectors.policy_for(Queue(name="-"), None).as_dict()
    contacts = []
    for row in mine:
        view = contact_selectors.contact_view(row, language=language)
        view["policy"] = _policy(row)
        view["supervisor"] = _supervisor_on_call(view)
        view["transfer_returned"] = _transfer_returned(row, user)
        contacts.append(view)
    # The calls waiting in the queues whose calls may go to them (services.serves_queue): those they list,
    # else the shared queues and their own teams' (ET-4).
    queue_rows = (Contact.objects.select_related("queue").filter(state=ContactState.WAITING)
                  .filter(contact_selectors.waiting_for(user, state.queues)))
    waiting = []
    for row in queue_rows.order_by("created_at", "id")[:50]:
        view = contact_selectors.contact_view(row, language=language)
        waiting.append({"id": row.pk, "queue": row.queue.name, "from": row.caller,
                        "waited_seconds": view["timers"]["waited_seconds"],
                        "max_wait_seconds": _policy(row)["max_wait_seconds"]})
    others = (User.objects.filter(role_filter(TECHNICIANS), is_active=True).exclude(pk=user.pk)
              .select_related("desk_state").order_by("username"))
    return {
        "me": {"id": user.pk, "name": user.display_name, "status": state.status,
               "status_label": str(TechnicianStatus(state.status).label), "pause_reason": state.pause_reason,
               "calls_today": _calls_today(state), "calls_minimum": default_policy["calls_per_day"]},
        "contacts": contacts,
        "active": contacts[0]["id"] if contacts else None,
        "customer": customer_card(customer_for(active), language=language) if active else None,
        "offers": [{**contact_selectors.contact_view(row, language=language),
                    "from_name": _name(((row.data or {}).get("transfer") or {}).get("requested_by"))}
                   for row in _transfer_offers(user, language=language)],
        "queue": waiting,
        "alerts": [contact_selectors.alert_view(a, language=language)
                   for a in contact_selectors.visible_alerts(user).filter(technician=user)[:20]],
        "colleagues": [{"id": u.pk, "name": u.display_name,
                        "status": getattr(getattr(u, "desk_state", None), "status", TechnicianStatus.OFFLINE)}
                       for u in others[:100]],
        "queues": list(Queue.objects.values_list("name", flat=True)),
        "at": clock.now(),
    }


def _supervisor_on_call(view: dict[str, Any]) -> dict[str, Any] | None:
    """PO-5: the supervisor who joined or coaches this call, so the technician knows who else is on the line."""
    escalation = view.get("escalation") or {}
    if not escalation.get("joined_at") or escalation.get("mode") not in ("join", "coach"):
        return None
    return {"name": _name(escalation.get("supervisor")), "mode": escalation["mode"]}


def _transfer_returned(row: Contact, user: User) -> dict[str, Any] | None:
    """TR-5: the call's last transfer came back to this technician: why (declined, timeout, cancelled), by whom."""
    last = ContactEvent.objects.filter(contact=row, kind__in=TRANSFER_EVENTS).order_by("-at", "-id").first()
    if last is None or last.kind != EventKind.TRANSFER_RETURNED or (last.data or {}).get("back_to") != user.pk:
        return None
    return {"cause": last.data.get("cause"), "by_name": _name(last.data.get("by"))}


def _name(user_id: int | None) -> str:
    if not user_id:
        return ""
    user = User.objects.filter(pk=user_id).first()
    return user.display_name if user else ""


def _start_of_day(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def board_snapshot(*, user: User, language: str = "es") -> dict[str, Any]:
    """The supervisor's wallboard: queues, technicians, open alerts and today's figures.

    ET-4: only what this user may see (contact selectors' rule): a supervisor's teams' and shared
    queues, the technicians of their teams, those alerts and figures; an administrator everything.
    """
    moment = clock.now()
    in_scope = contact_selectors.contacts_in_scope(user)
    queues = []
    for queue in contact_selectors.supervised_queues(user):
        policy = contact_selectors.policy_for(queue).as_dict()
        waiting = []
        for row in (in_scope.filter(queue=queue, state=ContactState.WAITING)
                    .order_by("created_at", "id")[:100]):
            view = contact_selectors.contact_view(row, language=language, at=moment)
            waiting.append({"id": row.pk, "from": row.caller, "waited_seconds": view["timers"]["waited_seconds"]})
        queues.append({"name": queue.name, "label": queue.label or queue.name, "waiting": waiting,
                       "max_wait_seconds": policy["max_wait_seconds"], "warn_fraction": policy["warn_fraction"]})
    live: dict[int, Contact] = {}
    for row in in_scope.filter(state__in=MINE).exclude(assignee=None).order_by("created_at"):
        if row.assignee_id is not None:
            live.setdefault(row.assignee_id, row)
    for row in in_scope.filter(state=ContactState.OFFERED).exclude(offered_to=None):
        if row.offered_to_id is not None:
            live.setdefault(row.offered_to_id, row)
    default_policy = contact_selectors.policy_for(Queue(name="-"), None).as_dict()
    technicians = []
    for state in (contact_selectors.visible_technician_states(user).filter(user__is_active=True)
                  .filter(role_filter(STAFF, "user__"))):
        current = live.get(state.user_id)
        current_view = None
        if current is not None:
            view = contact_selectors.contact_view(current, language=language, at=moment)
            current_view = {"id": current.pk, "state": view["state"], "state_label": view["state_label"],
                            "talking_seconds": view["timers"]["talking_seconds"],
                            "max_call_seconds": _policy(current)["max_call_seconds"]}
        technicians.append({
            "id": state.user_id, "name": state.user.display_name, "status": state.status,
            "status_label": str(TechnicianStatus(state.status).label), "calls_today": _calls_today(state),
            "calls_minimum": default_policy["calls_per_day"], "contact": current_view,
        })
    # Join, take over and coach (PO-5) only where the call is still on: many alerts outlive their call
    # (a breach noticed late, a webhook or scoring that gave up after the call ended).
    alerts = [{**contact_selectors.alert_view(a, language=language),
               "call_live": a.contact is not None and a.contact.state in IN_CONVERSATION}
              for a in contact_selectors.visible_alerts(user).select_related("contact")[:50]]
    return {"queues": queues, "technicians": technicians, "alerts": alerts, "charts": charts(moment, user=user),
            "service_levels": _service_levels(user, moment),
            "mine": _supervisor_calls(user, in_scope, language=language, moment=moment),
            "me": {"id": user.pk, "name": user.display_name}, "at": moment}


def _service_levels(user: User, moment: datetime) -> dict[str, Any]:
    """Work orders against their SLA (breached, at risk, paused) and the week's satisfaction (SP-4), in scope."""
    teams = None if is_admin(user) else set(user.teams.values_list("pk", flat=True))
    return {**sla_selectors.board(visible_work_orders(user), moment),
            "satisfaction": recent_figures(team_ids=teams, now=moment)}


def _supervisor_calls(user: User, in_scope: Any, *, language: str, moment: datetime) -> list[dict[str, Any]]:
    """PO-5: the calls this supervisor took over (theirs to finish, wrap-up included), joined or coaches.

    ``actions`` are the buttons the wallboard offers on each: on a call taken over, the technician's
    own (hold, resume, transfer, call the transfer off, hang up, finish the wrap-up; the contact
    services check the same rules HO-2..HO-4, TR-2..TR-4 for them as for a technician); on a call
    only joined or coached, nothing but taking it over: it stays its technician's.
    """
    calls = []
    for row in in_scope.filter(state__in=MINE).order_by("created_at", "id"):
        taken = row.assignee_id == user.pk
        if not taken and not (row.state in LIVE and user.pk in ((row.data or {}).get("supervisors") or [])):
            continue
        view = contact_selectors.contact_view(row, language=language, at=moment)
        mode = "take_over" if taken else ((view["escalation"] or {}).get("mode") or "join")
        calls.append({"id": row.pk, "state": view["state"], "state_label": view["state_label"], "from": row.caller,
                      "mode": mode, "technician": "" if taken else _name(row.assignee_id),
                      "actions": _supervisor_actions(view, taken=taken, user=user),
                      "timers": view["timers"], "hold": view["hold"], "transfer": view["transfer"],
                      "transfer_to": _name((view["transfer"] or {}).get("to_technician"))
                      or (view["transfer"] or {}).get("to_queue") or "",
                      "transfer_returned": _transfer_returned(row, user) if taken else None,
                      "policy": _policy(row)})
    return calls


def _supervisor_actions(view: dict[str, Any], *, taken: bool, user: User) -> list[str]:
    """What the wallboard offers on a supervisor's call, as the console offers it to a technician."""
    state = view["state"]
    if not taken:
        return ["take_over"] if state in LIVE else []
    actions = []
    if state in (ContactState.TALKING, ContactState.ESCALATED):
        actions += ["hold", "transfer"]
    if state == ContactState.ON_HOLD:
        actions.append("resume")
    if state == ContactState.TRANSFER_PENDING and (view["transfer"] or {}).get("requested_by") == user.pk:
        actions.append("cancel_transfer")  # TR-5: whoever asked may call it off; the call stays theirs
    if state in (ContactState.TALKING, ContactState.ON_HOLD, ContactState.ESCALATED):
        actions.append("hangup")
    if state == ContactState.WRAP_UP:
        actions.append("wrap_up")
    return actions


def charts(moment: datetime, *, user: User) -> dict[str, Any]:
    """Today's figures: waits, handle times, holds, transfers, abandonment and quality (ET-4 scope).

    Answered, abandoned, the abandonment rate, the waits and the handle time are those of today's
    **inbound** calls, the same calls as the half hours' (``intraday``): an outbound call is nobody's
    offered call, and is counted apart (``outbound``). Holds, transfers and escalations are those of
    every call (contact stats).
    """
    since = _start_of_day(moment)
    stats = contact_selectors.stats(since=since, user=user)
    figures, day = _intraday(moment, user=user)
    waits, handle = sorted(day.waits), sorted(day.handles)
    reached = day.answered + day.abandoned
    policy = contact_selectors.policy_for(Queue(name="-"), None)
    quality = []
    try:
        from atiende.scorecards.models import Scorecard

        rows = (Scorecard.objects.filter(scored_at__gte=since, technician__in=contact_selectors
                                         .supervised_technicians(user))
                .values("technician").annotate(avg=Avg("final_score"), n=Count("id")).order_by("technician"))
        names = {u.pk: u.display_name for u in User.objects.filter(pk__in=[r["technician"] for r in rows])}
        quality = [{"technician": names.get(r["technician"], ""), "score": round(r["avg"] or 0, 1), "cards": r["n"]}
                   for r in rows]
    except Exception:  # scorecards are optional for the board: a missing table must not break it
        quality = []
    return {
        "answered": day.answered, "abandoned": day.abandoned,
        "abandonment_rate": round(day.abandoned / reached, 3) if reached else 0.0,
        "wait_seconds": {"mean": round(sum(waits) / len(waits), 1) if waits else 0.0,
                         "p90": round(waits[int(0.9 * (len(waits) - 1))], 1) if waits else 0.0,
                         "max": round(waits[-1], 1) if waits else 0.0},
        "handle_seconds": {"mean": round(sum(handle) / len(handle), 1) if handle else 0.0,
                           "max": round(handle[-1], 1) if handle else 0.0},
        "outbound": {"calls": day.outbound, "answered": day.outbound_answered},
        "holds": stats["holds"], "hold_overruns": stats["hold_overruns"],
        "transfers": stats["transfers"], "transfer_rate": stats["transfer_rate"],
        "escalations": stats["escalations"], "quality": quality,
        "window": timedelta(seconds=(moment - since).total_seconds()).total_seconds(),
        "intraday": figures,
        # The bars' full length: PO-2's maximum wait and PO-1's maximum call, as the policy says.
        "limits": {"wait_seconds": policy.max_wait_seconds, "handle_seconds": policy.max_call_seconds},
    }


def intraday(moment: datetime, *, user: User) -> dict[str, Any]:
    """Today per half hour (local time): calls offered, answered, abandoned, service level against its
    target (PO-2), ASA, AHT; outbound calls apart.

    ET-4: the calls this user may see (``contacts_in_scope``). Two queries at most, however many
    intervals and calls: today's calls (and those of yesterday whose wrap-up ended today, for the AHT)
    with their queue's policy and customer's organisation, and the policies of those organisations.
    Each call is measured against its own PO-2 limit and service-level target (the policy's
    ``service_level_target``, 0.99 unless a queue or organisation sets another), resolved as the engine
    does (``contact.selectors.policy_for``: defaults, organisation, queue). With no inbound call today,
    the limits and targets shown are those of the user's queues (one query instead).
    See ``atiende/consoles/intervals.py`` for how each figure is counted.
    """
    return _intraday(moment, user=user)[0]


def _intraday(moment: datetime, *, user: User) -> tuple[dict[str, Any], intervals.Interval]:
    since = _start_of_day(moment)
    rows = list(contact_selectors.contacts_in_scope(user)
                .filter(created_at__lte=moment).filter(Q(created_at__gte=since) | Q(ended_at__gte=since))
                .exclude(channel=ContactChannel.IN_PERSON)  # calls only: the walk-in desk has its own card
                .order_by()
                .values_list("created_at", "answered_at", "ended_at", "state", "direction", "queue__name",
                             "queue__policy", "customer__organisation_id"))
    policies = contact_selectors.policy_set(((row[5], row[6]) for row in rows), (row[-1] for row in rows))
    resolved: dict[tuple[str, int | None], Any] = {}
    calls = []
    inbound_keys: set[tuple[str, int | None]] = set()
    for created, answered, ended, state, direction, queue, _policy_json, organisation in rows:
        key = (queue, organisation)
        if key not in resolved:
            resolved[key] = policies.resolve(organisation=str(organisation) if organisation else None, queue=queue)
        inbound = direction == "inbound"
        if inbound and since <= created:
            inbound_keys.add(key)
        calls.append(intervals.Call(arrived_at=created, answered_at=answered, ended_at=ended,
                                    abandoned=state == ContactState.ABANDONED, inbound=inbound,
                                    max_wait_seconds=resolved[key].max_wait_seconds,
                                    target=resolved[key].service_level_target))
    rows_out, day = intervals.bucket(calls, day_start=since, moment=moment, zone=timezone.get_current_timezone())
    in_view = [resolved[key] for key in inbound_keys]
    if not in_view:  # no call yet: what the user's queues would be measured against
        queues = list(contact_selectors.supervised_queues(user).values_list("name", "policy"))
        mine = contact_selectors.policy_set(queues, [])
        in_view = [mine.resolve(queue=name) for name, _policy in queues] or [mine.defaults]
    targets = sorted({policy.service_level_target for policy in in_view})
    return {
        "minutes": int(intervals.INTERVAL.total_seconds() // 60),
        "target": targets[0] if len(targets) == 1 else None,  # one line on the chart; else each half hour's own
        "targets": targets,
        "max_wait_seconds": sorted({policy.max_wait_seconds for policy in in_view}),
        "intervals": [i.as_dict() for i in rows_out],
        "today": day.as_dict(),
    }, day

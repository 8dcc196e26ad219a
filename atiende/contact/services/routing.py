"""Arrivals and routing: a new call, ringing the best available technician, dispatch, and pull-mode claims."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from atiende import engine
from atiende.contact import selectors
from atiende.contact.clock import now
from atiende.contact.models import (
    Contact,
    ContactChannel,
    ContactState,
    Queue,
    TechnicianState,
    TechnicianStatus,
)
from atiende.contact.selectors import (
    policy_for,
    queue_config,
    queue_named,
    serves_queue,
    waiting_for,
)
from atiende.contact.services.apply import (
    apply_action,
    engine_contact,
    load,
    organisation_id_of,
    run,
    store,
)
from atiende.contact.services.candidates import chats_held as held_now
from atiende.contact.services.candidates import claim as claim_technician
from atiende.contact.services.candidates import page as available_page
from atiende.contact.services.locking import lock_contact, tx
from atiende.contact.services.technicians import (
    engine_technician,
    require_staff,
    technician_state,
)
from atiende.db import single_writer
from atiende.desk.models import Customer
from atiende.engine.channels import PULLED_ONLY, concurrent, pushed
from atiende.engine.routing import may_take, open_tiers, pick_technician, turned_down
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_admin, is_manager
from atiende.telephony import webhooks

# Available technicians read per page when routing a call (longest idle first). The page's order is the
# engine's (pick_technician), so the first who fits is the one chosen: a short page is usually all it takes,
# and it leaves a few next-best for a racing call that claims the first.
CANDIDATES_PAGE = 16


@dataclass
class Routed:
    contact: Contact
    technician: User | None
    decision: engine.RoutingDecision | None


@single_writer
def create_contact(*, queue: str | Queue, direction: str = "inbound", caller: str = "", callee: str = "",
                   customer_id: int | None = None, external_id: str | None = None, level2_requested: bool = False,
                   required_skills: Iterable[str] = (), route: bool = True,
                   channel: str = ContactChannel.PHONE) -> Routed:
    """A new call arrives: store it with its deadlines and, in the same transaction, ring a technician.

    A visitor at the service desk (``channel`` presencial, CH-PRE) is stored the same way and rung at
    nobody: a technician takes them with call-next (atiende/walkin/).

    ``queue``: its name, or the row a caller has already looked up (the CTI protocols: no second read).
    """
    if direction not in ("inbound", "outbound"):
        raise InputError("invalid_direction", _("Direction must be inbound or outbound."), field="direction")
    route = route and pushed(channel)
    with tx():
        queue_row = queue if isinstance(queue, Queue) else queue_named(queue)
        moment = now()
        organisation_id = None
        if customer_id is not None:
            organisation_id = Customer.objects.filter(pk=customer_id).values_list("organisation_id", flat=True).first()
        contact = engine.Contact(
            id="", queue=queue_row.name, created_at=moment, direction=engine.contact.Direction(direction),
            caller=caller, callee=callee, required_skills=tuple(required_skills),
            level2_requested=level2_requested, organisation=str(organisation_id) if organisation_id else None,
            channel=str(channel),
        )
        policy = policy_for(queue_row, organisation_id)
        chosen: TechnicianState | None = None
        decision = None
        if route:
            chosen, decision = _choose_technician(queue_row, contact, policy)
        arrived = engine.arrival(contact, policy, offer_to=chosen.user_id if chosen else None, now=moment)
        row = Contact(queue=queue_row, direction=direction, caller=caller, callee=callee, customer_id=customer_id,
                      external_id=external_id, created_at=moment, version=0, channel=channel)
        store(row, arrived, insert=True)
    return Routed(row, chosen.user if chosen else None, decision)


def _choose_technician(queue: Queue, contact: engine.Contact, policy: engine.Policy,
                       ) -> tuple[TechnicianState | None, engine.RoutingDecision | None]:
    """Pick the best available technician and lock their row (SKIP LOCKED: a racing claim takes another).

    CH-VIR (engine.routing.may_take): a call goes to a technician holding no chat; a chat to one
    holding fewer than their capacity. Chats leave the technician "available", so the lock on their
    state row is what keeps two chats routed at once from both taking their last slot: the count is
    read again once the row is locked (the other offer committed by then, or it holds the lock).
    """
    config = queue_config(queue)
    tiers = open_tiers(contact, config, policy, now=now())  # only tiers that may take it now (PO-2, CT-ENT)
    chat = concurrent(contact.channel)
    # The engine picks the longest idle among those who fit: read the technicians in
    # that order (candidates.page: hand-written, with the team and chat rules above), a
    # page at a time, until a page holds someone who fits. Who turned this call down is
    # left out by the engine (pick_technician, routing.turned_down).
    candidates: dict[int, TechnicianState] = {}
    pool: list[engine.Technician] = []
    decision = None
    for start in itertools.count(0, CANDIDATES_PAGE):
        rows = available_page(tiers=tiers, team_id=queue.team_id, chat=chat, max_chats=policy.max_chats,
                              start=start, size=CANDIDATES_PAGE)
        fitting = [t for t in rows if _serves(t, queue, team_checked=True)]
        candidates.update((t.user_id, t) for t in fitting)
        pool += [engine_technician(t) for t in fitting]
        if len(rows) < CANDIDATES_PAGE or pick_technician(contact, pool, config, policy, now=now()).technician:
            break
    # If racing calls take every fitting technician of the pages read, this call waits
    # in the queue and the worker's next routing pass (dispatch) rings the next one.
    for _attempt in range(8):
        decision = pick_technician(contact, pool, config, policy, now=now())
        if decision.technician is None:
            return None, decision
        if claim_technician(decision.technician):
            chosen = next(t for t in pool if t.id == decision.technician)
            chosen.chats = held_now(decision.technician)  # exact now that their row is locked
            if may_take(chosen, contact, policy):
                return candidates[decision.technician], decision
        pool = [t for t in pool if t.id != decision.technician]  # someone else got them first
    return None, decision


def routable(contacts: Any) -> Any:
    """Leave out the outbound contacts that are not to be routed now: a campaign's call belongs to the
    technician who previewed and dialled it (CH-PRO, atiende/campaigns/), from the dial to its outcome; a
    call-back is held until its window opens or its next retry (``Callback.not_before``), keeping its place
    (arrival order) until then. Inbound calls have neither."""
    return (contacts.exclude(direction="outbound", campaign_attempts__isnull=False)
            .exclude(direction="outbound", callback__not_before__gt=now()))


@single_writer
def route_contact(*, contact_id: int) -> Routed:
    """Ring the best available technician for this waiting contact, if any (longest idle first...)."""
    with tx():
        row = lock_contact(contact_id)
        if row.state != ContactState.WAITING or not pushed(row.channel):  # CH-PRE: visitors are called, not rung
            return Routed(row, row.offered_to or row.assignee, None)
        if row.direction == "outbound" and not routable(Contact.objects.filter(pk=row.pk)).exists():
            return Routed(row, None, None)  # a campaign's call (its technician's), a call-back not due yet
        loaded = load(row)  # once: routing reads it, then the engine decides the offer on it
        chosen, decision = _choose_technician(row.queue, loaded.contact, loaded.policy)
        if chosen is None:
            return Routed(row, None, decision)
        # A call-back with no phone system to dial it (no PBX webhook) is dialled by hand: no dial timeout.
        by_hand = row.direction == "outbound" and not webhooks.webhook_url()
        run(loaded, lambda c, p: c.offer(chosen.user_id, now=now(), by_hand=by_hand))
        return Routed(row, chosen.user, decision)


def _team_members(team_id: int, user: Any) -> Any:
    """Membership rows of the team ``team_id`` for ``user`` (an id, or OuterRef for a subquery)."""
    return User.teams.through.objects.filter(team_id=team_id, user_id=user)


def _serves(row: TechnicianState, queue: Queue, *, team_checked: bool = False) -> bool:
    """:func:`serves_queue` for a stored state row. ``team_checked``: the row comes from routing's read
    (candidates.page, which keeps a team's queue to its members and to people with a list), so with no list they
    are a member already; else membership is looked up here,
    only when it matters."""
    team = queue.team_id
    member = not row.queues and team is not None and (team_checked or _team_members(team, row.user_id).exists())
    return serves_queue(queue, queues_served=row.queues, team_ids={team} if member and team is not None else ())


@single_writer
def dispatch(*, limit: int = 50) -> int:
    """Route waiting contacts, oldest first, while technicians are free. Returns how many were offered."""
    # Nobody waiting is the usual answer (the worker asks several times a second): then it is the one statement.
    waiting_ids = list(routable(Contact.objects.filter(state=ContactState.WAITING))
                       .exclude(channel__in=PULLED_ONLY).order_by("created_at", "id")
                       .values_list("pk", flat=True)[:limit])
    if not waiting_ids:
        return 0
    free = TechnicianState.objects.filter(status=TechnicianStatus.AVAILABLE).count()
    if not free:
        return 0
    offered = misses = 0
    for contact_id in waiting_ids:
        routed = route_contact(contact_id=contact_id)
        if routed.technician is not None:
            offered += 1
            if offered >= free:
                break
        elif routed.decision is None or not routed.decision.turned_down:
            # Skills or tiers may suit a later contact, but a long run of misses means nobody is free.
            # (A call only its decliners could take says nothing of the next: someone free fits it.)
            misses += 1
            if misses >= 5:
                break
    return offered


# Pull mode reads waiting contacts this many at a time, oldest first, and looks at most this far.
CLAIM_PAGE = 50


CLAIM_SCAN = 1000


@single_writer
def claim_next_contact(*, user: User, queue: str | None = None, channel: str | None = None,
                       among: Iterable[int] | None = None) -> Contact | None:
    """Pull mode: an available technician takes the oldest waiting contact they may serve.

    The same rules as pushed routing: the technician's queues (``TechnicianState.queues``;
    with none, the shared queues and their own teams', as ``_serves``), not a call they
    declined or let ring out (routing.turned_down), the skills the queue and the call need,
    and the tiers open for that call now
    (the first tier; one more as the wait nears the PO-2 maximum; tier 2 up for a
    customer who asked for level 2, CT-ENT); a supervisor who steps in to take
    calls is held to the skills, not the tiers. Waiting contacts are read without
    a lock, oldest first, and the first that fits is locked with ``SKIP LOCKED``
    (PostgreSQL): racing technicians each get a different contact, and a contact
    is never offered twice.

    ``channel``: only contacts of that channel; None: calls, never a visitor at the desk (CH-PRE, whom the
    walk-in desk's call-next takes with ``channel`` presencial). ``among``: only these contacts (the desk's
    booked visitors whose slot has come, engine.routing.serving_order), oldest first.

    None: nobody is waiting (in ``queue``, when given), or the calls this technician
    could take were all taken meanwhile. Calls waiting of which none is theirs to take
    (another queue, a tier not open to them yet, a skill they lack) is a different
    answer: ``InputError`` ``none_you_can_take`` (404), so they are not told the
    queue is empty while callers wait (PO-2: it may open to their tier later).
    """
    require_staff(user)
    with tx():
        me = TechnicianState.objects.select_for_update().select_related("user").get(pk=technician_state(user).pk)
        if me.status != TechnicianStatus.AVAILABLE:
            raise InputError("not_available", _("Become available before taking a call."), status=409,
                             rule="CH-TEL")
        mine = engine_technician(me)  # with the chats they hold, exact under the lock of their row
        if mine.chats and not (channel and concurrent(channel)):
            # CH-VIR: a call or a visitor is full occupancy; nobody takes one in the middle of chats.
            raise InputError("chats_in_progress", _("Finish your chats before taking a call or a visitor."),
                             status=409, rule="CH-VIR")
        waiting = routable(Contact.objects.filter(state=ContactState.WAITING))
        if queue:
            waiting = waiting.filter(queue__name=queue)
        if among is not None:
            waiting = waiting.filter(pk__in=list(among))
        # CH-PRE: visitors are taken by the desk's call-next (atiende/walkin/), which asks for that channel only.
        waiting = waiting.filter(channel=channel) if channel else waiting.exclude(channel__in=PULLED_ONLY)
        if is_manager(user) and not is_admin(user):
            # ET-4: a supervisor answering calls takes them only from queues they may see, or named in
            # their own queues (a deliberate assignment; push routing rings them with those too), and
            # hears nothing of the others': they do not count as calls waiting below.
            waiting = waiting.filter(Q(queue__in=selectors.supervised_queues(user).values("pk"))
                                     | Q(queue__name__in=list(me.queues)))
        elif not is_admin(user):
            # ET-4, the same for a technician (issue 22, item 10): another team's queue not named in their list
            # is not theirs to hear of, so its callers are not "calls waiting" either (queue_empty, not
            # none_you_can_take); a shared queue or one of their teams' outside their list still counts.
            waiting = waiting.filter(Q(queue__team__isnull=True) | Q(queue__team__in=user.teams.values("pk"))
                                     | Q(queue__name__in=list(me.queues)))
        qs = waiting.filter(waiting_for(user, me.queues))  # as pushed routing: serves_queue
        # A supervisor who steps in to take calls may take any call of their queues, whatever its tier.
        row, fitting_seen = _first_claimable(qs.select_related("queue", "customer").order_by("created_at", "id"),
                                             mine, any_tier=is_manager(user))
        if row is None:
            if not fitting_seen and waiting.exists():
                raise InputError("none_you_can_take",
                                 _("Calls are waiting, but none you can take now (queue, tier or skills)."),
                                 status=404, rule="PO-2")
            return None
        by_hand = row.direction == "outbound" and not webhooks.webhook_url()
        apply_action(row, lambda c, p: c.offer(user.pk, now=now(), by_hand=by_hand), actor=user)
        return row


def _first_claimable(waiting: Any, me: engine.Technician, *, any_tier: bool = False) -> tuple[Contact | None, bool]:
    """The oldest of ``waiting`` that this technician may serve now, locked; None if none is free.

    Also whether any of those read would have fitted them (and was taken by someone else meanwhile).
    """
    policies: dict[tuple[int, int | None], engine.Policy] = {}
    moment = now()
    last: Contact | None = None
    fitting_seen = False
    for _page in range(CLAIM_SCAN // CLAIM_PAGE):
        page_qs = waiting
        if last is not None:  # keyset paging: rows leaving the queue meanwhile shift nothing
            page_qs = page_qs.filter(Q(created_at__gt=last.created_at) | Q(created_at=last.created_at,
                                                                             id__gt=last.pk))
        rows = list(page_qs[:CLAIM_PAGE])
        for row in rows:
            organisation = organisation_id_of(row)
            key = (row.queue_id, organisation)
            if key not in policies:
                policies[key] = policy_for(row.queue, organisation)
            contact, config = engine_contact(row), queue_config(row.queue)
            # The same test as pushed routing (pick_technician): the skills, and a tier open now (PO-2, CT-ENT).
            if not set(config.skills) | set(contact.required_skills) <= me.skills:
                continue
            if not any_tier and me.tier not in open_tiers(contact, config, policies[key], now=moment):
                continue
            if contact.declined_by and turned_down(contact, me.id, policies[key], now=moment):
                continue  # they declined it or let it ring out: it waits for someone else, as in push routing
            if not may_take(me, contact, policies[key]):
                continue  # CH-VIR: a chat past their capacity (the queue's policy may differ from another's)
            fitting_seen = True
            locked = (Contact.objects.select_for_update(skip_locked=True)
                      .filter(pk=row.pk, state=ContactState.WAITING).values_list("pk", flat=True).first())
            if locked is not None:
                return Contact.objects.select_related("queue", "customer").get(pk=locked), True
        if len(rows) < CLAIM_PAGE:
            return None, fitting_seen
        last = rows[-1]
    return None, fitting_seen

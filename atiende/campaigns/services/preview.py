"""Preview mode: a technician takes the next person of a campaign, reads their card, dials, records the outcome.

**Next** (:func:`next_person`). The person is chosen among those still to call whose time
has come (a retry, a call-back, or not tried yet), oldest due first; a call-back goes to
the technician who agreed it for its first quarter of an hour, then to anyone. At that
moment, whatever the list said when it was imported, two rules are checked again:

- **do not call**: a number on the do-not-call list, or a customer flagged
  ``do_not_call``, is never dialled: the person leaves the list as *do not call*;
- **calling hours**: the campaign's window on the person's own clock (their zones,
  :mod:`atiende.campaigns.core.hours`); outside it, their next try moves to when the
  window opens there, and the next person is looked at.

The person is then held by the technician (nobody else previews them) until an outcome
is recorded or they let them go (:func:`release`). One person at a time per technician.

**Dial** (:func:`dial`). The same two rules once more (the card may have been open a
while), then an outbound contact of the campaign's queue is stored for the call
(direction outbound, the customer, the number) and the PBX is asked to dial: the
technician's extension first, then the number (:func:`_ask_the_pbx`). Only a technician
free for a call dials (available, no chat); the contact is theirs from the dial
(``engine.Contact.dial``: offered to them, so they are busy and routing passes them by),
with no dial timeout when they dial by hand (no PBX).

**Outcome** (:func:`record_outcome`). Someone answered (reached, refused, wrong number,
call back later): the contact is answered by the technician if the PBX has not said so
already, so PO-3 counts the call, and it ends (the console's wrap-up follows as after
any call). Nobody answered: the contact ends unanswered (cause ``no_answer``), counted
in no technician's calls, and the person is tried again later (:mod:`..core.outcomes`).
A reached person's call leaves a trace on a work order: the one named, else a new one,
direction proactive (CH-PRO), with the technician's note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from atiende.campaigns import live, selectors
from atiende.campaigns.core import (
    TO_CALL,
    Outcome,
    RetryPlan,
    after_outcome,
    local_hour,
    opening_line,
)
from atiende.campaigns.core import TargetStatus as Status
from atiende.campaigns.models import Attempt, Campaign, DoNotCall, Target
from atiende.campaigns.services.campaigns import hours_of
from atiende.campaigns.services.checks import require_staff, seen_campaign, seen_target
from atiende.contact.clock import now
from atiende.contact.models import (
    HUNG_UP,
    IN_CONVERSATION,
    UNANSWERED,
    Contact,
    TechnicianState,
    TechnicianStatus,
)
from atiende.contact.services import calls, routing
from atiende.contact.services.apply import apply_action
from atiende.contact.services.technicians import chats_held
from atiende.db import single_writer
from atiende.desk.messages import post_message
from atiende.desk.models import ContactPoint, Customer, WorkOrder
from atiende.desk.selectors import visible_work_orders
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.errors import InputError
from atiende.people.models import User
from atiende.telephony import dial as dial_service
from atiende.telephony import webhooks

CALL_BACK_KEPT_FOR = timedelta(minutes=15)  # a call-back waits this long for who agreed it, then anyone takes it
PAGE = 100  # people read at a time when looking for the next one
LOOK_AT_MOST = 2000
NO_ANSWER = "no_answer"


@dataclass
class Card:
    """What the technician sees before dialling: who, how to ask for them (PH-5), their history, the script."""

    target: Target
    opening: str
    local_time: str
    zones: list[str]
    history: list[dict[str, Any]]
    tries: list[dict[str, Any]]


def blocked(target: Target) -> bool:
    """The do-not-call rules, now: the list holds the number, or the customer asked not to be called."""
    if DoNotCall.objects.filter(number=target.number).exists():
        return True
    return bool(target.customer_id and Customer.objects.filter(pk=target.customer_id, do_not_call=True).exists())


@single_writer
def next_person(*, user: User, campaign_id: int | None = None) -> Target | None:
    """The next person this technician calls (see the module); None: nobody is due now."""
    require_staff(user)
    held = selectors.held_by(user)
    if held is not None and (campaign_id is None or held.campaign_id == campaign_id):
        return held
    campaigns = selectors.workable_campaigns(user)
    if campaign_id is not None:
        seen_campaign(user, campaign_id)
        campaigns = campaigns.filter(pk=campaign_id)
    moment = now()
    with transaction.atomic():
        if held is not None:
            release(user=user, target_id=held.pk)
        due = (Target.objects.filter(campaign__in=campaigns.values("pk"), status__in=list(TO_CALL),
                                     held_by__isnull=True)
               .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=moment))
               .filter(Q(call_back_with__isnull=True) | Q(call_back_with=user)
                       | Q(next_attempt_at__lte=moment - CALL_BACK_KEPT_FOR))
               .order_by(F("next_attempt_at").asc(nulls_last=True), "id"))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        for _page in range(LOOK_AT_MOST // PAGE):
            # Whoever is set aside leaves the query (a new status, or a next try later): the same query
            # read again is the next page.
            page = list(due.select_related("campaign")[:PAGE])
            if not page:
                return None
            for target in page:
                if _may_call_now(target, moment):
                    Target.objects.filter(pk=target.pk).update(held_by=user, held_at=moment)
                    live.changed(target.campaign_id)  # one fewer to call: the other panels show it
                    return Target.objects.select_related("campaign", "customer").get(pk=target.pk)
    return None


def _may_call_now(target: Target, moment: datetime) -> bool:
    """Checks the two rules for one person; one who fails them is set aside (status or next try)."""
    if blocked(target):
        Target.objects.filter(pk=target.pk).update(status=Status.DO_NOT_CALL, updated_at=moment)
        return False
    hours = hours_of(target.campaign)
    if hours.allows(moment, target.zone_list):
        return True
    opening = hours.next_opening(moment, target.zone_list)
    Target.objects.filter(pk=target.pk).update(
        next_attempt_at=opening or moment + timedelta(days=14), updated_at=moment)
    return False


def card(target: Target, *, user: User, language: str = "es") -> Card:
    """The customer card shown first in preview mode (PH-5 opening, history, past tries)."""
    moment = now()
    zone = target.zone_list[0] if target.zone_list else settings.TIME_ZONE
    history: list[dict[str, Any]] = []
    if target.customer_id:
        for order in (visible_work_orders(user).filter(customer_id=target.customer_id)
                      .order_by("-created_at")[:5]):
            history.append({"number": order.number, "title": order.title, "phase": order.get_phase_display(),
                            "created_at": order.created_at, "closed_at": order.closed_at})
    tries = [{"at": a.dialled_at, "outcome": a.outcome, "outcome_label": a.get_outcome_display() if a.outcome else "",
              "technician": a.technician.display_name if a.technician else "", "note": a.note}
             for a in target.tries.select_related("technician").order_by("-dialled_at")[:10]]
    return Card(target=target, zones=target.zone_list,
                opening=opening_line(name=target.name, address_as=target.address_as,
                                     local_hour=local_hour(moment, zone), language=language),
                local_time=" · ".join(f"{_local(moment, z)} {z.split('/')[-1].replace('_', ' ')}"
                                      for z in target.zone_list) if len(target.zone_list) > 1 else _local(moment, zone),
                history=history, tries=tries)


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _held(user: User, target_id: int, *, lock: bool = True) -> Target:
    target = seen_target(user, target_id)
    qs = Target.objects.select_related("campaign", "customer").filter(pk=target.pk)
    row = (qs.select_for_update(of=("self",)) if lock else qs).get()
    if row.held_by_id != user.pk:
        raise InputError("not_yours_to_call",
                         _("%(name)s is not on your screen: take the next person of the campaign first.")
                         % {"name": row.name}, status=409, rule="CH-PRO")
    return row


@single_writer
def release(*, user: User, target_id: int) -> Target:
    """Let the person go without calling (they stay on the list, for anyone, as they were)."""
    with transaction.atomic():
        target = _held(user, target_id)
        open_attempt = target.tries.filter(outcome="").first()
        if open_attempt is not None:
            raise InputError("outcome_required", _("The call was dialled: record its outcome first."), status=409,
                             rule="CH-PRO")
        Target.objects.filter(pk=target.pk).update(held_by=None, held_at=None, updated_at=now())
        live.changed(target.campaign_id)
    target.refresh_from_db()
    return target


@single_writer
def dial(*, user: User, target_id: int) -> Attempt:
    """Call the person on screen (see the module): the rules checked once more, the contact, the PBX asked, and
    the call the technician's from this moment (busy: routing offers them nothing else until it ends)."""
    moment = now()
    set_aside: InputError | None = None
    with transaction.atomic():
        target = _held(user, target_id)
        if target.tries.filter(outcome="").exists():
            raise InputError("already_dialled", _("This call is already dialled: record its outcome."), status=409,
                             rule="CH-PRO")
        if target.campaign.status != Campaign.Status.ACTIVE:
            raise InputError("campaign_not_active", _("The campaign is not active: a supervisor has paused or "
                                                      "finished it."), status=409, rule="CH-PRO")
        if blocked(target):
            # The person leaves the list for good (committed below), and the dial is refused.
            Target.objects.filter(pk=target.pk).update(status=Status.DO_NOT_CALL, held_by=None, held_at=None,
                                                       updated_at=moment)
            live.changed(target.campaign_id)
            set_aside = InputError("do_not_call", _("%(name)s must not be called: the number is on the "
                                                    "do-not-call list or the customer asked not to be called.")
                                   % {"name": target.name}, status=409, rule="CH-PRO")
        else:
            attempt = _dial_now(target, user, moment)
    if set_aside is not None:
        raise set_aside
    return attempt


def _dial_now(target: Target, user: User, moment: datetime) -> Attempt:
    """The dial itself, inside :func:`dial`'s transaction, once the person may be called."""
    hours = hours_of(target.campaign)
    if not hours.allows(moment, target.zone_list):
        opening = hours.next_opening(moment, target.zone_list)
        raise InputError("outside_calling_hours",
                         _("It is %(time)s for %(name)s: outside the campaign's calling hours there. Next "
                           "opening: %(opening)s.")
                         % {"time": _local(moment, target.zone_list[0]), "name": target.name,
                            "opening": _local(opening, target.zone_list[0]) if opening else "-"},
                         status=409, rule="CH-PRO")
    _require_free(user)
    routed = routing.create_contact(queue=target.campaign.queue, direction="outbound",
                                    caller=user.extension or "", callee=target.number,
                                    customer_id=target.customer_id, route=False)
    attempt = Attempt.objects.create(target=target, campaign=target.campaign, technician=user,
                                     dialled_at=moment, contact=routed.contact)
    Target.objects.filter(pk=target.pk).update(attempts=F("attempts") + 1, updated_at=moment)
    request = _ask_the_pbx(routed.contact, target, user, attempt_number=target.attempts + 1, moment=moment)
    # The technician is on this call from the dial: as an offer rings at them, so routing passes them by
    # (no inbound call, visitor or chat) until the call is answered and ends, or ends unanswered.
    apply_action(routed.contact, lambda c, p: c.dial(user.pk, by_hand=request is None, now=moment), actor=user)
    live.changed(target.campaign_id)
    return attempt


def _require_free(user: User) -> None:
    """Only a technician free for a call dials one: available (not on a call, ringing, in a wrap-up or a pause)
    and holding no chat (CH-VIR: a call takes the whole technician). Their state row stays locked until the
    dial commits, so routing cannot offer them a call meanwhile."""
    state = TechnicianState.objects.select_for_update().filter(user=user).values_list("status", flat=True).first()
    if state != TechnicianStatus.AVAILABLE:
        raise InputError("not_available", _("Become available before dialling: finish your call or wrap-up, or "
                                            "end your pause, first."), status=409, rule="CH-TEL")
    if chats_held(user.pk):
        raise InputError("chats_in_progress", _("Finish your chats before dialling a call."), status=409,
                         rule="CH-VIR")


def _ask_the_pbx(row: Contact, target: Target, user: User, *, attempt_number: int,
                 moment: datetime) -> dial_service.DialRequest | None:
    """The PBX dials: the technician's extension, then the person's number (webhook ``dial``), never after the
    campaign's calling hours close where the person is (``not_after``).

    The PBX reports the call on the dial's call id (native CTI events): ``answered``, the person picked up (the
    contact is answered by this technician, PO-3 counts it); ``hangup`` before that, nobody answered (the
    contact ends unanswered with the PBX's cause). Either way the technician records the outcome
    (:func:`record_outcome`). Without a PBX (no webhook configured) the technician dials by hand: None.
    A technician without an extension is refused (``dial_needs_extension``, CH-TEL) and nothing is stored.
    """
    if not webhooks.webhook_url():
        return None
    return dial_service.request_dial(row, number=target.number, technician=user,
                                     purpose=dial_service.Purpose.CAMPAIGN, attempt=attempt_number,
                                     not_after=hours_of(target.campaign).closing(moment, target.zone_list),
                                     at=moment)


@single_writer
def record_outcome(*, user: User, target_id: int, outcome: Any, note: Any = "", call_back_at: datetime | None = None,
                   work_order: int | None = None, add_to_do_not_call: bool = False) -> Attempt:
    """What came of the call (see the module); returns the attempt with its outcome."""
    try:
        result = Outcome(outcome)
    except ValueError:
        raise InputError("invalid_outcome", _("The outcome is one of: %(values)s.")
                         % {"values": ", ".join(o.value for o in Outcome)}, field="outcome", rule="CH-PRO") from None
    clean_note = _note(note)
    moment = now()
    with transaction.atomic():
        target = _held(user, target_id)
        attempt = target.tries.select_for_update().filter(outcome="").first()
        if attempt is None:
            raise InputError("not_dialled", _("Dial first: there is no call to record an outcome for."), status=409,
                             rule="CH-PRO")
        plan = RetryPlan(max_attempts=target.campaign.max_attempts, retry_minutes=target.campaign.retry_minutes)
        # A call-back time that makes no sense is refused by the core (Refusal, CH-PRO), before any change.
        step = after_outcome(result, attempts=target.attempts, plan=plan, now=moment, call_back_at=call_back_at)
        _require_possible(attempt, result)
        order = _work_order_for(user, target, work_order) if result is Outcome.REACHED else None
        _end_the_call(attempt, user, answered=result is not Outcome.NO_ANSWER)
        if order is not None:
            post_message(work_order=order, body=clean_note or _("Campaign call: %(campaign)s.")
                         % {"campaign": target.campaign.name}, visibility="internal", channel="telefonico",
                         direction="out", author=user)
        attempt.outcome, attempt.outcome_at, attempt.note = result.value, moment, clean_note
        attempt.call_back_at = step.next_attempt_at if result is Outcome.CALL_BACK else None
        attempt.save(update_fields=["outcome", "outcome_at", "note", "call_back_at"])
        status = step.status
        if add_to_do_not_call and result in (Outcome.REFUSED, Outcome.REACHED):
            DoNotCall.objects.get_or_create(number=target.number, defaults={
                "reason": _("Asked on a campaign call (%(campaign)s)") % {"campaign": target.campaign.name},
                "added_by": user})
            if target.customer_id:
                Customer.objects.filter(pk=target.customer_id).update(do_not_call=True)
        Target.objects.filter(pk=target.pk).update(
            status=status, next_attempt_at=step.next_attempt_at, last_outcome=result.value, held_by=None,
            held_at=None, updated_at=moment, work_order=order or target.work_order,
            call_back_with=user if result is Outcome.CALL_BACK else None)
        live.changed(target.campaign_id)
    attempt.refresh_from_db()
    return attempt


def _require_possible(attempt: Attempt, result: Outcome) -> None:
    """The PBX said nobody answered (the call ended before an answer): only *no answer* can be recorded."""
    if result is Outcome.NO_ANSWER or attempt.contact_id is None:
        return
    state, answered_at = Contact.objects.filter(pk=attempt.contact_id).values_list("state", "answered_at").get()
    if state in HUNG_UP and answered_at is None:
        raise InputError("nobody_answered", _("The telephone system reports that nobody answered this call: "
                                              "record it as no answer."), status=409, field="outcome",
                         rule="CH-PRO")


def _note(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 5000:
        raise InputError("invalid_note", _("The note is text of at most 5,000 characters."), field="note",
                         rule="CH-PRO")
    return value.strip()


def _end_the_call(attempt: Attempt, user: User, *, answered: bool) -> None:
    """The contact of the call: answered by the technician if someone picked up (PO-3 counts it), then ended."""
    if attempt.contact_id is None:
        return
    row = Contact.objects.get(pk=attempt.contact_id)
    if answered and row.state in UNANSWERED:
        calls.answer(contact_id=row.pk, user=user)
        row.refresh_from_db()
    if row.state in UNANSWERED:
        calls.hang_up(contact_id=row.pk, cause=NO_ANSWER)
    elif row.state in IN_CONVERSATION:
        calls.hang_up(contact_id=row.pk, user=user)
    # A call that was answered is now in its wrap-up: the console's wrap-up follows, as after any call.


def _work_order_for(user: User, target: Target, number: int | None) -> WorkOrder:
    """The work order a reached call goes on: the one named (visible to the technician), else a new proactive one."""
    if number is not None:
        found = visible_work_orders(user).filter(number=number).first()
        if found is None:
            raise InputError("not_found", _("No such work order."), status=404, field="work_order")
        return found
    customer = target.customer or _customer_for(user, target)
    if target.customer_id is None:
        Target.objects.filter(pk=target.pk).update(customer=customer)
    title = target.campaign.purpose or target.campaign.name
    return create_work_order(actor=user, customer=customer, title=title[:200], channel="telefonico",
                             direction="proactivo")


def _customer_for(user: User, target: Target) -> Customer:
    """A person reached who was no customer yet becomes one, with the number called (and the form of address)."""
    found = ContactPoint.objects.filter(number=target.number).values_list("customer_id", flat=True).first()
    if found is not None:
        return Customer.objects.get(pk=found)
    customer = create_customer(actor=user, name=target.name, contact_points=[("telefono", target.number)])
    if target.address_as:
        Customer.objects.filter(pk=customer.pk).update(address_as=target.address_as)
        customer.address_as = target.address_as
    return customer

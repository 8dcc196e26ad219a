"""Actions on work orders: open, edit, move through the phases, record the closing contact.

Decisions worth knowing (documented in docs/desk.md as well):

- Work orders move SP-1 phases one step forward: identificación → satisfacción
  → cierre. Moving to satisfacción needs the problem story (AL-1), the
  paraphrase (AL-4) and an answer to every closed question asked (AL-5); the
  rule cited is AL-6 ("use everything gathered to complete the work order").
  Closing needs a resolution and a recorded closing contact (SP-1), and no
  commitment still pending (PT-2: a promise is tracked until it is kept,
  missed or cancelled; closing would silently drop it). Reopening goes from
  cierre back to satisfacción only, with a note; it clears the closing contact
  so the next close needs a new one.
- A closed work order is read-only (409 ``work_order_closed``) until reopened.
- Optimistic concurrency: edits name the ``version`` they read; the write is a
  conditional ``UPDATE ... WHERE version = <read version>``, so of two edits of
  the same version exactly one wins and the other gets 409 ``stale_version``.
- Assignment (ET-4): technicians may assign work orders of their teams to
  themselves or teammates, but not move them to another team; supervisors may
  move work orders between their own teams; administrators anywhere. An
  assignee must be an active staff member of the work order's team.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende import db
from atiende.desk import credentials, rows
from atiende.desk.models import (
    Channel,
    Commitment,
    Customer,
    Direction,
    KnowledgeLevel,
    Organisation,
    Phase,
    Priority,
    WorkOrder,
)
from atiende.desk.selectors import visible_customers
from atiende.desk.services.checks import (
    TEXT_LIMIT,
    clean_choice,
    clean_moment,
    clean_text,
    clean_version,
    forbidden,
    is_id,
    require_open,
    require_staff,
    require_visible_work_order,
    resolve_staff,
)
from atiende.desk.services.history import record_event
from atiende.desk.services.numbering import next_work_order_number
from atiende.desk.services.surveys import send_survey
from atiende.errors import InputError
from atiende.knowledge import index
from atiende.people.models import Team, User
from atiende.people.roles import is_admin, is_customer, is_manager, is_staff

PHASE_ORDER: list[str] = [str(Phase.IDENTIFICATION), str(Phase.SATISFACTION), str(Phase.CLOSURE)]


# Fields update_work_order may change; phase, closing contact and version have their own actions.
EDITABLE_FIELDS = (
    "title", "customer", "requester", "decision_maker", "channel", "direction", "equipment_type",
    "os_name", "os_version", "knowledge_level", "problem_story", "paraphrase", "priority",
    "assignee", "team", "resolution",
)


CLOCK_SKEW = timedelta(minutes=5)


def _resolve_customer(actor: User, value: Any, field: str, *, optional: bool = False,
                      default_team: bool = False) -> Customer | None:
    """The customer ``value`` names, if the actor may see it. ``default_team``: the same statement reads the team a
    new work order for it gets when none is given (:func:`_default_team` takes it from the customer)."""
    if value is None or value == "":
        if optional:
            return None
        raise InputError("required", _("%(field)s is required.") % {"field": field}, field=field)
    pk = value.pk if isinstance(value, Customer) else value
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise InputError("invalid_input", _("%(field)s must be a customer id.") % {"field": field}, field=field)
    found = None
    if is_id(pk):
        found = _customer_by_key(pk, team_for=actor if default_team else None)
        # Staff see every customer without an organisation or whose organisation no team
        # serves (selectors.visible_customers): for those, a plain lookup by key gives the
        # same answer without building the visibility subqueries over all work orders.
        # Anyone else, or any other customer, goes through the full visibility filter.
        if found is not None and not _plainly_visible(actor, found):
            found = visible_customers(actor).filter(pk=pk).first()
    if found is None:
        raise InputError("unknown_customer", _("No such customer: %(id)s.") % {"id": pk}, field=field, status=404)
    return found


def _customer_by_key(pk: int, *, team_for: User | None = None) -> Customer | None:
    """``Customer.objects.select_related("organisation").filter(pk=pk).first()`` as one hand-written statement
    (issue 25: building that query cost more CPU than running it, on every work order opened).

    ``team_for``: the same statement also reads what :func:`_default_team` needs for that user (the team serving
    the organisation and whether the user is in it, the user's first team by name), kept on the customer: one
    statement before the creation's transaction instead of two (issue 25)."""
    own, organisation = rows.shape(Customer, "c"), rows.shape(Organisation, "o")
    params: list[Any] = [pk]
    teams = ""
    if team_for is not None:
        served, first, memberships = rows.shape(Team, "st"), rows.shape(Team, "ft"), rows.table(User.teams.through)
        teams = (f", {served.columns}, EXISTS (SELECT 1 FROM {memberships} m WHERE m.user_id = %s "
                 f"AND m.team_id = o.team_id), {first.columns}")
        joins = (f" LEFT JOIN {rows.table(Team)} st ON st.id = o.team_id LEFT JOIN {rows.table(Team)} ft ON ft.id = "
                 f"(SELECT t.id FROM {rows.table(Team)} t JOIN {memberships} m ON m.team_id = t.id "
                 "WHERE m.user_id = %s ORDER BY t.name LIMIT 1)")
        params = [team_for.pk, team_for.pk, pk]
    else:
        joins = ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {own.columns}, {organisation.columns}{teams} FROM {rows.table(Customer)} c "
                       f"LEFT JOIN {rows.table(Organisation)} o ON o.id = c.organisation_id{joins} WHERE c.id = %s",
                       params)
        row = cursor.fetchone()
    if row is None:
        return None
    customer = own.build(row, 0)
    customer._state.fields_cache["organisation"] = organisation.build(row, own.width)
    if team_for is not None:
        at = own.width + organisation.width
        served_team, member = served.build(row, at), bool(row[at + served.width])
        first_team = first.build(row, at + served.width + 1)
        if served_team is not None and (member or is_admin(team_for)):
            chosen = served_team
        else:
            chosen = first_team
        customer._default_team_of = (team_for.pk, chosen)  # type: ignore[attr-defined]
    return customer


def _plainly_visible(actor: User, customer: Customer) -> bool:
    if not is_staff(actor):
        return False
    organisation = customer.organisation
    return organisation is None or organisation.team_id is None


def _resolve_team(value: Any) -> Team | None:
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, Team) else value
    if isinstance(pk, bool) or not isinstance(pk, int):
        raise InputError("invalid_input", _("team must be a team id."), field="team")
    team = Team.objects.filter(pk=pk).first() if is_id(pk) else None
    if team is None:
        raise InputError("unknown_team", _("No such team: %(id)s.") % {"id": pk}, field="team", status=404)
    return team


def _check_team_change(actor: User, team: Team | None) -> None:
    """ET-4: who may put a work order in which team."""
    if is_admin(actor) or team is None:
        return
    if not actor.teams.filter(pk=team.pk).exists():
        raise forbidden(_("You can only place work orders in your own teams."))


def _check_assignee(actor: User, team: Team | None, assignee: User | None) -> None:
    if assignee is None:
        return
    if team is not None:
        if not assignee.teams.filter(pk=team.pk).exists():
            raise InputError(
                "assignee_not_in_team",
                _("%(name)s is not a member of team %(team)s.") % {"name": assignee.display_name, "team": team.name},
                field="assignee",
            )
    elif not is_manager(actor) and assignee.pk != actor.pk:
        raise forbidden(_("A work order without a team can only be assigned to yourself."))


def _conditional_update(work_order: WorkOrder, version: int, values: dict[str, Any]) -> WorkOrder:
    """Write ``values`` only if the row is still at ``version``; 409 otherwise."""
    now = timezone.now()
    rows = WorkOrder.objects.filter(pk=work_order.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if rows == 0:
        raise _stale(work_order)
    return WorkOrder.objects.select_related("customer", "assignee", "team").get(pk=work_order.pk)


def _stale(work_order: WorkOrder) -> InputError:
    return InputError(
        "stale_version",
        _("Work order #%(number)s was changed by someone else; reload it and try again.")
        % {"number": work_order.number},
        status=409, field="version",
    )


def _default_team(actor: User, customer: Customer) -> Team | None:
    """The team serving the customer's organisation if the actor may place work there (an administrator, or one
    of its members), else the actor's first team by name: one hand-written statement (issue 25), or none when
    the customer was read with it (``_customer_by_key``'s ``team_for``)."""
    held = getattr(customer, "_default_team_of", None)
    if held is not None and held[0] == actor.pk:
        return held[1]  # type: ignore[no-any-return]
    organisation = customer.organisation if customer.organisation_id else None
    served = organisation.team_id if organisation is not None else None
    team, memberships = rows.shape(Team, "t"), rows.table(User.teams.through)
    if served is not None:
        sql = (f"SELECT {team.columns}, EXISTS (SELECT 1 FROM {memberships} m WHERE m.user_id = %s "
               f"AND m.team_id = t.id) FROM {rows.table(Team)} t WHERE t.id = %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [actor.pk, served])
            row = cursor.fetchone()
        if row is not None and (is_admin(actor) or row[team.width]):
            return team.build(row, 0)  # type: ignore[return-value]
    sql = (f"SELECT {team.columns} FROM {rows.table(Team)} t JOIN {memberships} m ON m.team_id = t.id "
           "WHERE m.user_id = %s ORDER BY t.name LIMIT 1")
    with connection.cursor() as cursor:
        cursor.execute(sql, [actor.pk])
        row = cursor.fetchone()
    return None if row is None else team.build(row, 0)  # type: ignore[return-value]


def create_work_order(
    *,
    actor: User,
    customer: Customer | int,
    title: str,
    channel: str = "telefonico",
    direction: str = "reactivo",
    requester: Customer | int | None = None,
    decision_maker: Customer | int | None = None,
    equipment_type: str = "",
    os_name: str = "",
    os_version: str = "",
    knowledge_level: str = "",
    problem_story: str = "",
    priority: str = "normal",
    assignee: User | int | None = None,
    team: Team | int | None = None,
    paraphrase: str = "",
) -> WorkOrder:
    """Open a work order in the identification phase (SP-1) with the next number.

    The team defaults to the one serving the customer's organisation (if the
    actor belongs to it), else the actor's first team. The knowledge level
    defaults to the customer's (CO-3).
    """
    require_staff(actor)
    the_customer = _resolve_customer(actor, customer, "customer", default_team=team is None)
    assert the_customer is not None
    values: dict[str, Any] = {
        "title": clean_text(title, "title", 200, required=True, label=_("title")),
        "channel": clean_choice(channel, "channel", Channel),
        "direction": clean_choice(direction, "direction", Direction),
        "requester": _resolve_customer(actor, requester, "requester", optional=True),
        "decision_maker": _resolve_customer(actor, decision_maker, "decision_maker", optional=True),
        "equipment_type": clean_text(equipment_type, "equipment_type", 100),
        "os_name": clean_text(os_name, "os_name", 100),
        "os_version": clean_text(os_version, "os_version", 50),
        "knowledge_level": clean_choice(knowledge_level, "knowledge_level", KnowledgeLevel, blank=True)
        or the_customer.knowledge_level,
        "problem_story": clean_text(problem_story, "problem_story", TEXT_LIMIT),
        "paraphrase": clean_text(paraphrase, "paraphrase", TEXT_LIMIT),
        "priority": clean_choice(priority, "priority", Priority),
    }
    the_team = _resolve_team(team) if team is not None else _default_team(actor, the_customer)
    if team is not None:
        _check_team_change(actor, the_team)
    the_assignee = resolve_staff(assignee, "assignee")
    _check_assignee(actor, the_team, the_assignee)
    dictated = credentials.take_from_fields(values)  # ET-3: never kept in the text
    # Everything above only reads; the write transaction below is kept short because on
    # SQLite it holds the single write lock from its first statement. The derived writes (search entry,
    # SLA clocks) run once at its end, in it: one transaction, one turn at SQLite's lock (issue 25).
    # db.sent_together: on PostgreSQL the writes whose answer nobody reads (the audit entry and the chain's head,
    # the search entry, the SLA clocks) go with the next statement or the COMMIT, fewer round trips while the
    # counter's row is locked; on SQLite it is transaction.atomic().
    with db.sent_together(), db.coalesced():
        # Reads the writes below need, done before the counter: on PostgreSQL its row stays locked from
        # next_work_order_number() to the commit, so every statement after it makes the other creators wait.
        # With the settings' version (the SLA clocks' policies and calendars), in one statement.
        index.read_customer_scopes_early([the_customer.pk, values["requester"] and values["requester"].pk,
                                          values["decision_maker"] and values["decision_maker"].pk],
                                         settings_version=True)
        now = timezone.now()
        work_order = WorkOrder(
            number=next_work_order_number(), customer=the_customer, team=the_team, assignee=the_assignee,
            created_by=actor, created_at=now, updated_at=now, **values,
        )
        rows.insert(work_order)  # hand-written, receivers told as by save() (issue 25)
        credentials.store_in_vault(work_order=work_order, actor=actor, found=dictated)
        initial = {"customer": the_customer, "team": the_team, "assignee": the_assignee, **values}
        record_event(work_order, actor, "created",
                     {k: (None, v) for k, v in initial.items() if v not in ("", None)}, at=now)
    return work_order


def portal_team(customer: Customer, *, new_customer: bool = False) -> Team | None:
    """Where a portal request lands: the team serving the customer's organisation, else the team
    of the customer's latest work order (a customer recorded a moment ago has none), else the
    first team (by name)."""
    if customer.organisation_id and customer.organisation and customer.organisation.team_id:
        return customer.organisation.team
    latest = None if new_customer else (WorkOrder.objects.filter(customer=customer, team__isnull=False)
                                        .select_related("team").order_by("-created_at").first())
    if latest is not None:
        return latest.team
    # Once per coalesced block (a batch of mail opens many work orders for new customers).
    return db.memo("desk.first_team", lambda: Team.objects.order_by("name").first())


@transaction.atomic
def open_portal_request(
    *,
    actor: User,
    title: str,
    problem_story: str,
    equipment_type: str = "",
    os_name: str = "",
    os_version: str = "",
) -> WorkOrder:
    """A customer opens a request from the portal, in their own words (AL-1).

    The work order starts in identification; a technician paraphrases it and
    asks the closed questions. Only a signed-in customer with a customer record
    may do this, and only for themselves.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise forbidden(_("Sign in to open a request."))
    customer = Customer.objects.select_related("organisation").filter(user=actor).first()
    if not is_customer(actor) or customer is None:
        raise forbidden(_("Only customers with a portal account open requests here."))
    values = {
        "title": clean_text(title, "title", 200, required=True, label=_("title")),
        "problem_story": clean_text(problem_story, "problem_story", TEXT_LIMIT, required=True, label=_("problem story")),
        "equipment_type": clean_text(equipment_type, "equipment_type", 100),
        "os_name": clean_text(os_name, "os_name", 100),
        "os_version": clean_text(os_version, "os_version", 50),
    }
    now = timezone.now()
    work_order = WorkOrder.objects.create(
        number=next_work_order_number(), customer=customer, team=portal_team(customer), channel=Channel.PORTAL,
        direction=Direction.REACTIVE, knowledge_level=customer.knowledge_level, created_by=actor,
        created_at=now, updated_at=now, **values,
    )
    initial = {"customer": customer, "team": work_order.team, "channel": Channel.PORTAL, **values}
    record_event(work_order, actor, "created", {k: (None, v) for k, v in initial.items() if v not in ("", None)}, at=now)
    return work_order


def _clean_work_order_changes(actor: User, current: WorkOrder, changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InputError("unknown_field", _("These fields cannot be changed here: %(fields)s.")
                         % {"fields": ", ".join(unknown)}, field=unknown[0])
    clean: dict[str, Any] = {}
    limits = {"title": 200, "equipment_type": 100, "os_name": 100, "os_version": 50}
    for key, value in changes.items():
        if key in limits:
            clean[key] = clean_text(value, key, limits[key], required=key == "title", label=key)
        elif key in ("problem_story", "paraphrase", "resolution"):
            clean[key] = clean_text(value, key, TEXT_LIMIT)
        elif key == "channel":
            clean[key] = clean_choice(value, key, Channel)
        elif key == "direction":
            clean[key] = clean_choice(value, key, Direction)
        elif key == "priority":
            clean[key] = clean_choice(value, key, Priority)
        elif key == "knowledge_level":
            clean[key] = clean_choice(value, key, KnowledgeLevel, blank=True)
        elif key == "customer":
            clean[key] = _resolve_customer(actor, value, key)
        elif key in ("requester", "decision_maker"):
            clean[key] = _resolve_customer(actor, value, key, optional=True)
        elif key == "assignee":
            clean[key] = resolve_staff(value, key)
        elif key == "team":
            clean[key] = _resolve_team(value)
    return clean


def update_work_order(*, actor: User, work_order: WorkOrder, version: int, **changes: Any) -> WorkOrder:
    """Change editable fields, only if nobody changed the work order since ``version``.

    Reads and checks come first; the write transaction holds only the conditional
    UPDATE and the history line. The version guard makes that safe: if anyone wrote
    in between, the UPDATE matches no row and the caller gets 409.
    """
    require_staff(actor)
    version = clean_version(version)
    current = require_visible_work_order(actor, work_order)
    if current.version != version:
        raise _stale(current)
    require_open(current)
    clean = _clean_work_order_changes(actor, current, changes)
    dictated = credentials.take_from_fields(clean)  # ET-3: never kept in the text
    diff: dict[str, tuple[Any, Any]] = {}
    for key, value in clean.items():
        old = getattr(current, key)
        if old != value:
            diff[key] = (old, value)
    if "team" in diff:
        _check_team_change(actor, clean["team"])
    if "team" in diff or "assignee" in diff:
        if not is_manager(actor) and current.team_id is not None and "team" in diff:
            raise forbidden(_("Only supervisors and administrators may move a work order to another team."))
        _check_assignee(actor, clean.get("team", current.team), clean.get("assignee", current.assignee))
    if not diff:
        return current
    with transaction.atomic():
        updated = _conditional_update(current, version, {k: new for k, (_old, new) in diff.items()})
        record_event(updated, actor, "changed", diff)
        credentials.store_in_vault(work_order=updated, actor=actor, found=dictated)
    return updated


def _missing_for(work_order: WorkOrder, target: str) -> InputError | None:
    if target == Phase.SATISFACTION:
        if not work_order.problem_story.strip():
            return InputError("problem_story_required", _(
                "Let the customer tell the whole story and write it down before moving on (AL-1)."
            ), rule="AL-6", status=409, field="problem_story")
        if not work_order.paraphrase.strip():
            return InputError("paraphrase_required", _(
                'Paraphrase the story ("Déjeme ver si comprendo...") and record it before moving on (AL-4).'
            ), rule="AL-6", status=409, field="paraphrase")
        if work_order.closed_questions.filter(answer="").exists():
            return InputError("closed_question_unanswered", _(
                "Every closed question asked needs its answer before moving on (AL-5)."
            ), rule="AL-6", status=409, field="closed_questions")
    if target == Phase.CLOSURE:
        if not work_order.resolution.strip():
            return InputError("resolution_required", _("A work order cannot be closed without a resolution."),
                              rule="SP-1", status=409, field="resolution")
        if work_order.closing_contact_at is None:
            return InputError("closing_contact_required", _(
                "Record the closing contact in which the customer confirmed the outcome before closing."
            ), rule="SP-1", status=409, field="closing_contact")
        if work_order.commitments.filter(status=Commitment.Status.PENDING).exists():
            return InputError("pending_commitments", _(
                "Keep, cancel or mark as missed every pending commitment before closing."
            ), rule="PT-2", status=409, field="commitments")
    return None


@transaction.atomic
def change_phase(*, actor: User, work_order: WorkOrder, version: int, phase: str, note: str = "") -> WorkOrder:
    """SP-1: move one step forward, or reopen a closed work order (with a note)."""
    require_staff(actor)
    version = clean_version(version)
    target = clean_choice(phase, "phase", Phase)
    note = clean_text(note, "note", TEXT_LIMIT)
    note, dictated = credentials.take_credentials(note)  # ET-3: never kept in the history
    current = require_visible_work_order(actor, work_order, lock=True)
    if current.version != version:
        raise _stale(current)
    source = current.phase
    if target == source:
        raise InputError("same_phase", _("The work order is already in that phase."), rule="SP-1", status=409)
    now = timezone.now()
    values: dict[str, Any] = {"phase": target}
    reopening = source == Phase.CLOSURE and target == Phase.SATISFACTION
    if reopening:
        if not note:
            raise InputError("note_required", _("Say why the work order is reopened."), field="note")
        values.update(closed_at=None, closing_contact_at=None, closing_contact_channel="",
                      closing_contact_note="")
    elif PHASE_ORDER.index(target) != PHASE_ORDER.index(source) + 1:
        raise InputError("phase_order", _(
            "Phases go one step at a time: identification, satisfaction, closure. "
            "A closed work order can only be reopened to satisfaction."
        ), rule="SP-1", status=409, field="phase")
    else:
        missing = _missing_for(current, target)
        if missing is not None:
            raise missing
        if target == Phase.CLOSURE:
            values["closed_at"] = now
    updated = _conditional_update(current, version, values)
    diff = {k: (getattr(current, k), v) for k, v in values.items() if getattr(current, k) != v}
    record_event(updated, actor, "reopened" if reopening else "phase", diff, note=note, at=now)
    # Open at this point (reopened, or not closed yet): the vault takes nothing on a closed work order.
    credentials.store_in_vault(work_order=current if target == Phase.CLOSURE else updated, actor=actor,
                               found=[("note", secret) for secret in dictated])
    if target == Phase.CLOSURE:
        send_survey(updated, actor, now)
    return updated


def record_closing_contact(
    *, actor: User, work_order: WorkOrder, version: int, channel: str, note: str, at: datetime | None = None
) -> WorkOrder:
    """SP-1 / SP-4: the contact where the outcome was summarised and the customer confirmed it."""
    require_staff(actor)
    version = clean_version(version)
    channel = clean_choice(channel, "channel", Channel)
    note = clean_text(note, "note", TEXT_LIMIT, required=True, label=_("note"))
    now = timezone.now()
    when = now if at is None else clean_moment(at, "at")
    current = require_visible_work_order(actor, work_order)
    if current.version != version:
        raise _stale(current)
    require_open(current)
    if current.phase != Phase.SATISFACTION:
        raise InputError("wrong_phase", _(
            "The closing contact is recorded once the need is being satisfied (satisfaction phase)."
        ), rule="SP-1", status=409)
    if when > now + CLOCK_SKEW:
        raise InputError("future_time", _("The closing contact cannot be in the future."), field="at")
    if when < current.created_at - CLOCK_SKEW:
        raise InputError("before_creation", _("The closing contact cannot be before the work order was opened."),
                         field="at")
    values = {"closing_contact_at": when, "closing_contact_channel": channel, "closing_contact_note": note}
    dictated = credentials.take_from_fields(values)  # ET-3: never kept in the text
    with transaction.atomic():  # short: the version guard covers the reads above
        updated = _conditional_update(current, version, values)
        record_event(updated, actor, "closing_contact", {k: (getattr(current, k), v) for k, v in values.items()})
        credentials.store_in_vault(work_order=updated, actor=actor, found=dictated)
    return updated


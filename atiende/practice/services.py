"""The practice room's actions: start a practice call, say a line, assign a scenario, set a pass mark.

The call's logic is the pure core's (``atiende.training``); here it is loaded from its row, given the
line, and stored again in one transaction, with the row locked so that two lines sent at once are taken
one after the other (never one lost). Who may: any member of the desk practises for themselves; a
supervisor assigns scenarios to the technicians of their teams and sets pass marks; only the trainee
speaks in their own call (ET-4: another team's session is a 404, as if it did not exist).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.db import single_writer
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_manager, is_staff
from atiende.practice.models import (
    Assignment,
    PassMark,
    PracticeSession,
    PracticeTurn,
    SessionStatus,
    Speaker,
)
from atiende.practice.scenarios import library, pass_mark_for
from atiende.practice.selectors import get_session, team_members
from atiende.training import Notice, Scenario, Session, Step

MAX_SEED = 2_000_000_000


def _scenario_or_error(scenario_id: str) -> Scenario:
    scenario = library().get(scenario_id)
    if scenario is None:
        raise InputError("unknown_scenario", _("There is no scenario %(id)s.") % {"id": scenario_id},
                         status=404, field="scenario")
    return scenario


def start_session(*, user: User, customer_type: str | None = None, scenario_id: str | None = None,
                  seed: int | None = None, assignment_id: int | None = None,
                  channel: str = "telefonico") -> PracticeSession:
    """A new practice call for ``user``, of the type or scenario asked for, or of their assignment.

    ``channel="chat"`` makes it a practice chat (the console's chat composer): scored as a written contact,
    so the netiquette (NT) applies."""
    if not is_staff(user):
        raise InputError("forbidden", _("Only the help desk's staff can practise."), status=403, rule="ET-4")
    assignment = None
    if assignment_id is not None:
        assignment = Assignment.objects.filter(pk=assignment_id, technician=user).first()
        if assignment is None:
            raise InputError("unknown_assignment", _("You have no assignment %(id)s.") % {"id": assignment_id},
                             status=404, field="assignment")
        scenario_id = assignment.scenario_id
    if scenario_id and not customer_type:
        customer_type = _scenario_or_error(scenario_id).type
    if not customer_type:
        raise InputError("type_required", _("Say which type of customer to practise with, or which scenario."),
                         field="type")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InputError("invalid_seed", _("The seed must be between 0 and %(max)d.") % {"max": MAX_SEED},
                         field="seed")
    seed = secrets.randbelow(1_000_000) if seed is None else seed
    lib = library()
    # choose_scenario names an unknown type or scenario (a Refusal with status 400)
    session = Session.start(lib, customer_type=customer_type, scenario_id=scenario_id or None, seed=seed,
                            started_at=timezone.now(), technician=user.display_name, tier=user.tier,
                            channel=channel)
    session.pass_mark = pass_mark_for(session.scenario)
    with transaction.atomic():
        row = PracticeSession.objects.create(
            trainee=user, assignment=assignment, scenario_id=session.scenario.id, customer_type=session.scenario.type,
            seed=seed, state=session.to_dict(), pass_mark=session.pass_mark, started_at=session.started_at,
        )
        _store_notices(row, [session.opening()], 0, at=0.0)
    return row


@single_writer  # SQLite: two lines of one call sent at once queue here instead of failing on the lock
def take_turn(*, user: User, session_id: int, text: str,
              checked_findings: list[dict[str, Any]] | None = None) -> tuple[PracticeSession, list[PracticeTurn]]:
    """The trainee's line (something said, a /command, or nothing to end the call); returns the new turns.

    ``checked_findings``: the language assistant's findings the trainee saw and sent the line anyway with
    (the console's chat composer), kept with the trainee's line."""
    with transaction.atomic():
        row = get_session(user, session_id)
        row = PracticeSession.objects.select_for_update().get(pk=row.pk)
        if row.trainee_id != user.pk:
            raise InputError("not_your_session", _("Only the trainee speaks in a practice call."), status=403,
                             rule="ET-4")
        if row.status == SessionStatus.FINISHED:
            raise InputError("session_ended", _("This practice call has already ended."), status=409)
        session = Session.from_dict(library(), row.state)
        before = len(session.events)
        step = session.say(text)
        new = _store_step(row, session, step, before, checked_findings or [])
        row.state = session.to_dict()
        if step.ended:
            _finish(row, session)
        row.save()
    return row, new


def _next_index(row: PracticeSession) -> int:
    last = row.turns.order_by("-index").values_list("index", flat=True).first()
    return 0 if last is None else last + 1


def _store_step(row: PracticeSession, session: Session, step: Step, before: int,
                checked_findings: list[dict[str, Any]]) -> list[PracticeTurn]:
    index = _next_index(row)
    turns = [PracticeTurn(session=row, index=index + i, speaker=e["speaker"], text=e["text"], at=e["t"])
             for i, e in enumerate(e for e in session.events[before:] if "speaker" in e)]
    for turn in turns:
        if turn.speaker == Speaker.TRAINEE:
            turn.checked_findings = checked_findings
            break
    PracticeTurn.objects.bulk_create(turns)
    return turns + _store_notices(row, step.notices, index + len(turns), at=session.elapsed)


def _store_notices(row: PracticeSession, notices: list[Notice], index: int, *, at: float) -> list[PracticeTurn]:
    turns = [PracticeTurn(session=row, index=index + i, speaker=Speaker.NOTICE, text=n.es, text_en=n.en,
                          rule=n.rule or "", at=at) for i, n in enumerate(notices)]
    PracticeTurn.objects.bulk_create(turns)
    return turns


def _finish(row: PracticeSession, session: Session) -> None:
    result = session.result()
    row.status = SessionStatus.FINISHED
    row.finished_at = timezone.now()
    row.score = result.card.score
    row.passed = result.passed
    row.outcome = result.outcome
    row.items = [{**item.as_dict(), "coaching_es": item.coaching("es"), "coaching_en": item.coaching("en")}
                 for item in result.card.items]


def set_pass_mark(*, user: User, scenario_id: str, pass_mark: int) -> PassMark:
    """A supervisor's pass mark for a scenario; new sessions use it."""
    if not is_manager(user):
        raise InputError("forbidden", _("Only supervisors and administrators set pass marks."), status=403,
                         rule="ET-4")
    _scenario_or_error(scenario_id)
    if not 0 <= pass_mark <= 100:
        raise InputError("invalid_pass_mark", _("The pass mark must be between 0 and 100."), field="pass_mark")
    mark, _created = PassMark.objects.update_or_create(
        scenario_id=scenario_id, defaults={"pass_mark": pass_mark, "set_by": user, "updated_at": timezone.now()})
    return mark


def assign_scenario(*, user: User, technician_id: int, scenario_id: str, note: str = "") -> Assignment:
    """A supervisor asks a technician of their teams to practise a scenario."""
    if not is_manager(user):
        raise InputError("forbidden", _("Only supervisors and administrators assign scenarios."), status=403,
                         rule="ET-4")
    _scenario_or_error(scenario_id)
    technician = team_members(user).filter(pk=technician_id).first()
    if technician is None:
        raise InputError("unknown_technician", _("There is no such technician in your teams."), status=404,
                         rule="ET-4", field="technician")
    if len(note) > 300:
        raise InputError("note_too_long", _("The note can be 300 characters at most."), field="note")
    return Assignment.objects.create(technician=technician, scenario_id=scenario_id, assigned_by=user,
                                     note=note.strip())

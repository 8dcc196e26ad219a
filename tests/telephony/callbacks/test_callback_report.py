"""The call-backs report (issue 18): offered, accepted, kept (dialled within the window), failed; the pure
figures, and the same from the database through ``atiende report callbacks``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from atiende.cli import main
from atiende.contact.services import availability, deadlines, queues
from atiende.people.models import User
from atiende.reports.core.figures import callbacks as callback_figures
from atiende.reports.core.rows import CallbackRow, Period, Rows
from atiende.reports.services import build
from tests.telephony.conftest import make_technician

DAY = "2026-01-05"  # the test clock's Monday
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def values(sections, key="summary"):
    found = next(s for s in sections if s.key == key)
    return {row.get("key", row.get("origin", row.get("queue"))): row.get("value", row) for row in found.rows}


def test_the_pure_figures_count_offers_acceptances_kept_and_failures():
    rows = Rows(callbacks=[
        CallbackRow(T0, "telefono", "soporte", accepted=False),
        CallbackRow(T0, "telefono", "soporte", status="conectada", attempts=2, kept=True, window_over=True),
        CallbackRow(T0, "telefono", "soporte", status="fallida", attempts=3, kept=True, window_over=True,
                    failure="no_answer"),
        CallbackRow(T0, "portal", "soporte", status="fallida", window_over=True, failure="window_closed"),
        CallbackRow(T0, "chat", "ventas", status="pendiente"),  # its window is still open: not settled
        CallbackRow(T0 - timedelta(days=3), "portal", "soporte", status="conectada", kept=True),  # before
    ])
    period = Period(T0.date(), T0.date())
    summary = values(callback_figures(rows, period))
    assert (summary["offered"], summary["accepted"], summary["acceptance"]) == (3, 2, 2 / 3)
    assert (summary["asked"], summary["callbacks"], summary["kept"]) == (2, 4, 2)
    assert summary["kept_share"] == 2 / 3  # of the three settled, two were dialled in their window
    assert (summary["connected"], summary["failed"], summary["failed_no_answer"], summary["failed_window"]) == (
        1, 2, 1, 1)
    assert summary["mean_attempts"] == 2.5
    by_origin = values(callback_figures(rows, period), "by_origin")
    assert by_origin["telefono"]["callbacks"] == 2 and by_origin["portal"]["failed"] == 1
    assert values(callback_figures(Rows(), period))["kept_share"] is None  # nothing: no share, not 0


@pytest.mark.django_db
def test_the_report_from_the_database_and_the_command(native, webhook_pbx, clock, capsys):
    queues.save_queue(name="soporte", label="Soporte", tiers=[1], policy={
        "max_wait_seconds": 60, "callback_max_attempts": 1, "callback_retry_minutes": 5})
    make_technician("lucia", extension="201", available=False)
    for n in (1, 2, 3):
        native(f"n{n}", "new_call", f"pbx-{n}", **{"from": f"+3460011122{n}"})
    clock.advance(48)
    deadlines.run_due_deadlines(worker="t")  # all three are offered a call-back
    native("a1", "callback", "pbx-1")
    native("a2", "callback", "pbx-2")
    native("h3", "hangup", "pbx-3", cause="cancel")  # the third caller hung up without taking it
    availability.make_available(user=User.objects.get(username="lucia"))  # dials pbx-1's call-back
    from atiende.contact.models import Contact

    first = Contact.objects.get(callback__phone_call_id="pbx-1").external_id
    native("ans", "answered", first, technician="201")
    report = build(name="callbacks", first=DAY, last=DAY)
    summary = values(report.sections)
    assert (summary["offered"], summary["accepted"], summary["callbacks"]) == (3, 2, 2)
    assert (summary["kept"], summary["connected"], summary["failed"]) == (1, 1, 0)
    assert main(["report", "callbacks", "--from", DAY, "--to", DAY, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {row["figure"]: row["value"] for row in data["sections"][0]["rows"]}["Aceptadas en espera"] == 2


@pytest.mark.django_db
def test_the_wallboard_card_shows_todays_call_backs_to_supervisors(client, native, clock, monkeypatch):
    monkeypatch.setenv("ATIENDE_CALLBACK_WINDOW_MINUTES", "30")
    from atiende.people.models import Team

    team = Team.objects.create(name="Soporte")
    queues.save_queue(name="soporte", label="Soporte", tiers=[1], team_id=team.pk, policy={
        "max_wait_seconds": 60, "callback_max_attempts": 2})
    native("n1", "new_call", "pbx-1", **{"from": "+34600111221"})
    native("n2", "new_call", "pbx-2", **{"from": "+34600111222"})
    clock.advance(48)
    deadlines.run_due_deadlines(worker="t")
    native("a1", "callback", "pbx-1")
    native("a2", "callback", "pbx-2")
    clock.advance(31 * 60)
    from atiende.telephony import callbacks

    callbacks.expire_due()  # both windows closed undialled (nobody was free)
    boss = User.objects.create_user("marta", role="supervisor")
    boss.teams.add(team)  # ET-4: a supervisor sees their teams' queues
    client.force_login(boss)
    page = client.get("/panel/")
    assert page.status_code == 200 and b"board-callbacks" in page.content
    card = client.get("/panel/devoluciones/")
    assert card.status_code == 200
    text = card.content.decode()
    assert 'id="callbacks-failed">2<' in text and 'id="callbacks-kept">0<' in text
    technician = make_technician("pepe", extension="209")
    client.force_login(technician)
    assert client.get("/panel/devoluciones/").status_code in (302, 403)  # ET-4: managers only

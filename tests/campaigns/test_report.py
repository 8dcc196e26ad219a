"""The campaigns report (atiende report campaigns; /informes/campaigns/; the wallboard card): tries and outcomes
added up in SQL, reached rate and refusals by campaign and by technician; another team's campaign is not in it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from atiende.campaigns.services import campaigns, lists, preview
from atiende.cli import main as cli
from atiende.contact.services import calls
from atiende.reports import services as reports
from atiende.reports.core import export

pytestmark = pytest.mark.django_db

LIST = ("nombre;telefono\n" + "".join(f"Persona {n};+3460011{n:04d}\n" for n in range(4))).encode()


@pytest.fixture
def worked(campaign, boss, lucia, jorge, morning, team):
    campaign.queue.team = team
    campaign.queue.save()
    for technician in (lucia, jorge):
        technician.teams.add(team)
    lists.import_csv(actor=boss, campaign_id=campaign.pk, data=LIST)
    campaigns.update_campaign(actor=boss, campaign_id=campaign.pk, status="active")
    for who, outcome in ((lucia, "reached"), (lucia, "refused"), (jorge, "no_answer"), (jorge, "reached")):
        person = preview.next_person(user=who)
        attempt = preview.dial(user=who, target_id=person.pk)
        preview.record_outcome(user=who, target_id=person.pk, outcome=outcome)
        if outcome != "no_answer":  # someone answered: the wrap-up, as after any call, before the next dial
            calls.finish_wrap_up(contact_id=attempt.contact_id, user=who)
    return campaign


def _today(morning) -> str:
    return morning.now().date().isoformat()


def test_the_report_counts_tries_reached_and_refusals_per_campaign_and_technician(worked, boss, morning):
    report = reports.build(name="campaigns", first=_today(morning), last=_today(morning), user=boss)
    summary = {row["key"]: row["value"] for row in report.sections[0].rows}
    assert (summary["tries"], summary["reached"], summary["refused"], summary["no_answer"], summary["answered"]) == (
        4, 2, 1, 1, 3)
    assert summary["reached_rate"] == 0.5 and summary["refusal_rate"] == pytest.approx(1 / 3)
    by_technician = {row["technician"]: row for row in report.sections[2].rows}
    assert (by_technician["lucia"]["reached"], by_technician["lucia"]["refused"]) == (1, 1)
    assert by_technician["jorge"]["reached_rate"] == 0.5
    assert [row["campaign"] for row in report.sections[1].rows] == ["Seguimiento de reparaciones"]
    for fmt in ("csv", "xlsx", "pdf", "json"):
        assert export.render(report, fmt, language="es")  # every format renders


def test_another_teams_supervisor_sees_none_of_it(worked, morning):
    from atiende.people.models import Team, User

    stranger = User.objects.create_user("sup_otro", role="supervisor")
    stranger.teams.add(Team.objects.create(name="Otro"))
    report = reports.build(name="campaigns", first=_today(morning), last=_today(morning), user=stranger)
    assert {row["key"]: row["value"] for row in report.sections[0].rows}["tries"] == 0


def test_the_command_line_lists_and_writes_the_report(worked, morning, capsys, tmp_path):
    assert cli(["report", "--list"]) == 0
    assert "campaigns" in capsys.readouterr().out
    out = tmp_path / "c.json"
    cli(["report", "campaigns", "--from", _today(morning), "--to", _today(morning), "--format", "json",
         "--output", str(out)])
    data = json.loads(out.read_text())
    assert data["report"] == "campaigns"
    by_campaign = next(s for s in data["sections"] if s["key"] == "by_campaign")
    assert by_campaign["rows"][0]["tries"] == 4


def test_the_wallboard_card_shows_todays_campaigns(worked, boss, morning):
    client = Client()
    client.force_login(boss)
    page = client.get("/campanas/cifras/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Seguimiento de reparaciones" in text and "50" in text  # reached rate 50 %

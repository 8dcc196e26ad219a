import json

import pytest

from atiende.cli import main
from atiende.contact.models import Contact
from atiende.contact.simulate import Scenario, run

pytestmark = pytest.mark.django_db


def test_simulation_drives_the_engine_and_reports_waits_breaches_holds_transfers_and_abandonment():
    report = run(Scenario(minutes=15, calls_per_hour=80, technicians=3, difficult_share=0.5, seed=7))
    assert report["calls"] == Contact.objects.filter(queue__name="simulacion").count() > 0
    assert report["answered"] + report["abandoned"] <= report["calls"]
    assert {"wait_breaches_PO2", "call_breaches_PO1"} <= set(report["breaches"])
    assert report["holds"]["count"] >= 0 and "timed_out_TR5" in report["transfers"]
    json.dumps(report)  # the CLI prints it as JSON
    # Nobody is lost: every simulated call ended, was abandoned, or is still being handled by someone.
    for contact in Contact.objects.filter(queue__name="simulacion"):
        assert contact.state in ("ended", "abandoned", "wrap_up") or contact.assignee_id or contact.state in (
            "waiting", "offered")


def test_same_seed_gives_the_same_traffic():
    first = run(Scenario(minutes=5, calls_per_hour=60, technicians=2, seed=11))
    Contact.objects.all().delete()
    second = run(Scenario(minutes=5, calls_per_hour=60, technicians=2, seed=11))
    assert first["calls"] == second["calls"]


def test_simulate_rejects_a_share_outside_zero_to_one(capsys):
    assert main(["simulate", "--difficult", "1.5"]) == 2
    assert "--difficult" in capsys.readouterr().err

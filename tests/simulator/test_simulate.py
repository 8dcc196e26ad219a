"""`atiende simulate` (atiende/simulator/): traffic that goes through the API (CTI events and consoles), and a report that
matches what was stored."""

import json
import os
import statistics
import time

import pytest

from atiende import simulator
from atiende.cli import main
from atiende.contact.models import Alert, Contact, ContactEvent
from atiende.people.models import ApiToken
from atiende.simulator import Scenario
from atiende.simulator.in_process import run
from atiende.telephony.models import CtiEvent

pytestmark = pytest.mark.django_db

BUSY = Scenario(minutes=15, calls_per_hour=80, technicians=3, difficult_share=0.5, seed=7)
DIFFICULT = Scenario(minutes=30, calls_per_hour=60, technicians=4, difficult_share=1.0, seed=3)


def _without_run(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in ("run", "wall_seconds")}


def test_the_pbx_and_the_consoles_reach_the_engine_through_the_api():
    report = run(BUSY)
    run_id = report["run"]
    calls = Contact.objects.filter(external_id__startswith=f"{run_id}-")
    # Every call was created by a CTI new_call carrying the simulated PBX's call id.
    assert report["calls"] == calls.count() > 0
    events = CtiEvent.objects.filter(event_id__startswith=f"{run_id}-")
    assert events.count() == report["api"]["cti_events"]
    assert {"new_call", "answered", "hangup"} <= set(events.values_list("kind", flat=True))
    assert events.filter(kind="new_call").count() == report["calls"]
    # Technicians acted with their own tokens: the wrap-ups they finished carry them as the actor.
    tokens = ApiToken.objects.filter(name=run_id)
    technicians = set(tokens.filter(user__username__startswith="sim-tec-").values_list("user_id", flat=True))
    assert len(technicians) == BUSY.technicians
    enders = set(ContactEvent.objects.filter(contact__in=calls, kind="ended").values_list("actor_id", flat=True))
    assert enders & technicians
    used = set(tokens.filter(last_used_at__isnull=False).values_list("user__username", flat=True))
    assert used >= {"sim-centralita", *(f"sim-tec-{i:02d}" for i in (1, 2, 3))}  # every console and the PBX...
    assert all(t.revoked_at is not None for t in tokens)  # ...and revoked when the run ended
    assert tokens.get(user__username="sim-centralita").kind == ApiToken.Kind.CTI
    a = report["api"]
    assert a["by_side"]["pbx"]["200"] > 0 and a["by_side"]["technicians"]["200"] > 0
    assert a["requests"] == sum(a["by_status"].values())
    assert a["retries"]["sent"] == a["retries"]["same_answer"]  # a retried event gets the stored answer
    json.dumps(report)  # the CLI prints it as JSON
    # Nobody is lost: every call ended, was abandoned, or is still with someone.
    for contact in calls:
        assert contact.state in ("ended", "abandoned") or contact.assignee_id or contact.state == "waiting"


def test_the_report_is_what_was_stored():
    report = run(BUSY)
    calls = Contact.objects.filter(external_id__startswith=f"{report['run']}-")
    events = ContactEvent.objects.filter(contact__in=calls)
    waits = [d["waited_seconds"] for d in events.filter(kind="answered").values_list("data", flat=True)]
    assert report["answered"] == len(waits) > 0
    assert report["wait_seconds"]["mean"] == round(statistics.fmean(waits), 1)
    assert report["wait_seconds"]["max"] == round(max(waits), 1)
    assert report["abandoned"] == calls.filter(state="abandoned").count() == events.filter(kind="abandoned").count()
    alerts = Alert.objects.filter(contact__in=calls)
    assert report["breaches"]["wait_breaches_PO2"] == alerts.filter(rule="PO-2", level="breach").count()
    assert report["breaches"]["call_breaches_PO1"] == alerts.filter(rule="PO-1", level="breach").count()
    assert report["holds"]["count"] == events.filter(kind="hold").count()
    assert report["holds"]["reminders_HO5"] == alerts.filter(rule="HO-5").count()
    assert report["transfers"]["requested"] == events.filter(kind="transfer_requested").count()
    assert report["escalations_PO5"] == events.filter(kind="escalated").count()
    assert sum(report["calls_per_technician"].values()) == report["answered"]
    # Refusals the PBX got are stored with the event, as the CTI endpoint promises.
    refused = CtiEvent.objects.filter(event_id__startswith=f"{report['run']}-", status__gte=400).count()
    assert refused == report["api"]["cti_refused"]


def test_same_seed_gives_the_same_report_even_in_a_database_that_already_had_a_run():
    first = run(Scenario(minutes=10, calls_per_hour=90, technicians=3, difficult_share=0.4, seed=11))
    second = run(Scenario(minutes=10, calls_per_hour=90, technicians=3, difficult_share=0.4, seed=11))
    assert first["run"] != second["run"]
    assert _without_run(first) == _without_run(second)
    other = run(Scenario(minutes=10, calls_per_hour=90, technicians=3, difficult_share=0.4, seed=12))
    assert _without_run(other) != _without_run(first)


def test_refused_and_failing_requests_are_counted_and_the_simulation_carries_on(monkeypatch):
    real_call = simulator.InProcessApi.call

    def call(self, method, path, token, body=None):
        if body and "customer_consent" in body and "expected_minutes" in body:
            body = {**body, "customer_consent": False}  # every hold without consent: HO-3 refuses it
        if path.endswith("/escalate"):
            token = "atk_not-a-real-token"  # a console whose session expired: 401
        return real_call(self, method, path, token, body)

    monkeypatch.setattr(simulator.InProcessApi, "call", call)
    report = run(DIFFICULT)
    assert report["holds"]["count"] == 0
    assert report["refusals"]["HO-3"] > 0
    assert report["escalations_PO5"] == 0
    errors = {(e["status"], e["code"], e["rule"]) for e in report["api"]["errors"]}
    assert (409, "hold_consent_required", "HO-3") in errors
    assert (401, "not_authenticated", None) in errors
    assert report["api"]["by_status"]["409"] >= report["refusals"]["HO-3"]
    assert report["answered"] > 0  # the calls went on after the refusals


def test_a_server_error_is_counted_not_fatal(monkeypatch):
    from atiende.contact.services import calls as contact_calls

    def broken(**kwargs):
        raise RuntimeError("simulated server fault")

    monkeypatch.setattr(contact_calls, "escalate", broken)
    report = run(DIFFICULT)
    assert report["api"]["by_status"].get("500", 0) > 0
    assert report["escalations_PO5"] == 0
    assert report["answered"] > 0


def test_simulate_prints_json_with_the_api_counts(capsys):
    assert main(["simulate", "--in-place", "--json", "--minutes", "5", "--calls-per-hour", "60",
                 "--technicians", "2", "--seed", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["api"]["requests"] > 0 and report["calls"] == Contact.objects.count()


def test_simulate_rejects_a_share_outside_zero_to_one(capsys):
    assert main(["simulate", "--difficult", "1.5"]) == 2
    assert "--difficult" in capsys.readouterr().err


def test_simulate_against_a_server_needs_both_url_and_token(capsys):
    assert main(["simulate", "--url", "http://127.0.0.1:1"]) == 2
    assert "--token" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_simulate_drives_a_running_server_as_its_pbx(live_server):
    """--url/--token: real HTTP, real time, the server's own technicians; only the PBX's events are sent."""
    import time

    from atiende.contact.services import availability, deadlines, queues
    from atiende.people.models import Role, User

    queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], policy={"wrap_up_seconds": 1})
    for name in ("lucia", "jorge"):
        availability.make_available(user=User.objects.create_user(name, role=Role.TECHNICIAN, tier=1))
    pbx = User.objects.create_user("centralita", role=Role.ADMINISTRATOR)
    _token, raw = ApiToken.issue(pbx)  # an administrator's API token: it sends events and reads the board

    def worker_sleep(seconds):  # the server's worker, between the simulator's naps
        deadlines.run_due_deadlines(worker="test")
        time.sleep(seconds)

    scenario = Scenario(minutes=0.05, calls_per_hour=3000, technicians=2, handle_seconds=1, patience_seconds=60,
                        difficult_share=0, seed=3, queue="soporte", retry_share=0.5)
    report = simulator.run_remote(scenario, url=live_server.url, token=raw, poll_seconds=0.3, settle_minutes=1,
                                 sleep=worker_sleep)
    calls = Contact.objects.filter(external_id__startswith=f"{report['run']}-")
    assert report["calls"] == calls.count() > 0
    assert report["answered"] == ContactEvent.objects.filter(contact__in=calls, kind="answered").count() > 0
    assert CtiEvent.objects.filter(event_id__startswith=f"{report['run']}-").count() == report["api"]["cti_events"]
    assert set(report["api"]["by_side"]) == {"pbx"}  # nothing but the PBX: the consoles are the people's own
    assert report["api"]["retries"]["sent"] == report["api"]["retries"]["same_answer"] > 0
    assert set(report["calls_per_technician"]) <= {"lucia", "jorge"}
    # It stops once every call has ended (the worker ended the wrap-ups), well before the minute allowed.
    assert {c.state for c in calls} <= {"ended", "abandoned"}
    assert report["wall_seconds"] < 45


def test_simulate_against_a_server_reports_a_refused_token(live_server, capsys):
    assert main(["simulate", "--url", live_server.url, "--token", "atk_wrong", "--minutes", "0.1"]) == 2
    assert "401" in capsys.readouterr().err


def test_other_technicians_in_the_database_are_not_rung_for_simulated_calls():
    from atiende.contact.services import availability, queues
    from atiende.people.models import Role, User

    queues.save_queue(name="soporte", label="Soporte")
    lucia = User.objects.create_user("lucia", role=Role.TECHNICIAN, tier=1)
    availability.make_available(user=lucia)  # free whenever the simulated technicians are busy
    report = run(Scenario(minutes=10, calls_per_hour=90, technicians=2, seed=4))
    calls = Contact.objects.filter(external_id__startswith=f"{report['run']}-")
    offered = {d.get("technician") for d in ContactEvent.objects.filter(contact__in=calls, kind="offered")
               .values_list("data", flat=True)}
    assert offered and lucia.pk not in offered


def test_simulated_calls_never_reach_the_real_pbx_through_the_webhook(monkeypatch):
    from atiende.telephony.models import WebhookDelivery

    monkeypatch.setenv("ATIENDE_WEBHOOK_URL", "http://127.0.0.1:9/pbx")  # nothing listens there
    monkeypatch.setenv("ATIENDE_WEBHOOK_FAST_PATH", "0")
    report = run(Scenario(minutes=5, calls_per_hour=60, technicians=2, seed=5))
    assert report["answered"] > 0
    assert not WebhookDelivery.objects.exists()
    assert os.environ["ATIENDE_WEBHOOK_URL"] == "http://127.0.0.1:9/pbx"  # restored afterwards


@pytest.mark.django_db(transaction=True)
def test_simulate_against_a_fresh_server_says_what_is_missing_and_stops(live_server, capsys, monkeypatch):
    """No queue and nobody available: said at the start with how to add them, nothing sent, non-zero exit."""
    from atiende.people.models import Role, User

    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    pbx = User.objects.create_user("centralita", role=Role.ADMINISTRATOR)
    _token, raw = ApiToken.issue(pbx)  # an administrator's API token: it sends events and reads the board
    started = time.monotonic()
    assert main(["simulate", "--url", live_server.url, "--token", raw, "--minutes", "5"]) == 2
    assert time.monotonic() - started < 60  # not the five minutes asked for (room for a loaded machine)
    err = capsys.readouterr().err
    assert "no queue" in err and "/api/v1/contacts/queues/soporte" in err
    assert "no technician is available" in err and "/consola/" in err
    assert Contact.objects.count() == 0 and CtiEvent.objects.count() == 0

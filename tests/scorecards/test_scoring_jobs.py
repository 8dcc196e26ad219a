"""Scoring as a stored job: ending a call never waits for the scorer, and no ended call loses its card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from atiende.cli import main
from atiende.cli.i18n import _
from atiende.contact.models import Alert
from atiende.contact.services import alerts as contact_alerts
from atiende.contact.services import availability, routing
from atiende.contact.services import calls as contact_calls
from atiende.scorecards import jobs, scoring, services
from atiende.scorecards.models import Scorecard, ScoringJob

from .conftest import GOOD_TURNS, bearer, run_call

pytestmark = pytest.mark.django_db


def broken(*args, **kwargs):
    raise RuntimeError("scorer exploded")


def test_ending_a_call_stores_its_job_and_scores_nothing_itself(people, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # whatever runs after the ending's commit, runs
        call = run_call(people, clock, turns=GOOD_TURNS)
    job = ScoringJob.objects.get(contact=call)
    assert (job.attempts, job.gave_up_at, job.created_at) == (0, None, clock.now())
    assert not Scorecard.objects.exists()  # the technician's "wrap-up done" did not pay for the scorer


@pytest.mark.django_db(transaction=True)
def test_a_job_stored_before_a_crash_is_scored_by_the_next_worker(people, clock, capsys):
    # The ending commits and the process dies at once: nothing after the commit ever ran (no worker
    # either). The job is in the database, so the next `atiende worker` scores the call.
    call = run_call(people, clock, turns=GOOD_TURNS)
    connection.close()  # the dead process's connection is gone
    assert ScoringJob.objects.filter(contact=call).exists() and not Scorecard.objects.exists()
    assert main(["worker", "--once", "--name", "after-restart"]) == 0
    assert _("%(count)s calls scored.") % {"count": 1} in capsys.readouterr().out
    assert Scorecard.objects.get(contact=call).technician == people.lucia
    assert not ScoringJob.objects.exists()


def test_a_dead_workers_claim_is_taken_over_when_its_lease_runs_out(people, clock):
    call = run_call(people, clock, turns=GOOD_TURNS)
    assert jobs.claim_due(worker="dead") == [ScoringJob.objects.get().pk]  # then it dies without scoring
    assert jobs.run_pending_scoring(worker="alive") == 0  # still leased to the dead one
    clock.advance(jobs.LEASE_SECONDS + 1)
    assert jobs.run_pending_scoring(worker="alive") == 1
    assert Scorecard.objects.filter(contact=call).count() == 1 and not ScoringJob.objects.exists()


def test_a_worker_whose_lease_ran_out_does_not_score_the_call_again(people, clock):
    call = run_call(people, clock, turns=GOOD_TURNS)
    [job_id] = jobs.claim_due(worker="slow")
    clock.advance(jobs.LEASE_SECONDS + 1)
    assert jobs.run_pending_scoring(worker="fast") == 1
    assert jobs.score_job(job_id, worker="slow") is None  # its claim is gone with the job
    assert Scorecard.objects.filter(contact=call).count() == 1


def test_a_failing_call_is_tried_a_few_times_then_left_visible_with_its_error(people, clock, monkeypatch,
                                                                              client, capsys):
    monkeypatch.setattr(scoring, "score_transcript", broken)
    call = run_call(people, clock, turns=GOOD_TURNS)
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        assert jobs.run_pending_scoring() == 0
        job = ScoringJob.objects.get(contact=call)
        assert job.attempts == attempt and "RuntimeError: scorer exploded" in job.last_error
        assert jobs.run_pending_scoring() == 0 and ScoringJob.objects.get().attempts == attempt  # not due yet
        if attempt < jobs.MAX_ATTEMPTS:
            assert job.gave_up_at is None
            clock.advance(jobs.retry_delay(attempt))
    assert job.gave_up_at == clock.now()
    clock.advance(3600)
    assert jobs.run_pending_scoring() == 0 and ScoringJob.objects.get().attempts == jobs.MAX_ATTEMPTS  # bounded
    # Visible: the worker says so, and the admin lists it with its error.
    from atiende.people.models import User

    assert main(["worker", "--once"]) == 0
    assert _("%(count)s calls could not be scored after every attempt: see Scoring jobs in the admin.") % {
        "count": 1} in capsys.readouterr().out
    client.force_login(User.objects.create_superuser("root", role="administrador"))
    listing = client.get("/admin/scorecards/scoringjob/?status=failed")
    assert listing.status_code == 200 and f">{job.pk}<" in listing.content.decode()
    detail = client.get(f"/admin/scorecards/scoringjob/{job.pk}/change/").content.decode()
    assert "scorer exploded" in detail
    # The scorer is fixed; an administrator queues it again and the worker scores it.
    monkeypatch.undo()
    response = client.post("/admin/scorecards/scoringjob/", {"action": "score_again",
                                                                    "_selected_action": [job.pk]})
    assert response.status_code == 302
    assert jobs.run_pending_scoring() == 1
    assert Scorecard.objects.filter(contact=call).exists() and not ScoringJob.objects.exists()


def test_a_call_that_kills_the_worker_every_time_gives_up_too(people, clock):
    # Each claim counts as an attempt, so a worker dying on the same call cannot loop for ever.
    call = run_call(people, clock, turns=GOOD_TURNS)
    for n in range(jobs.MAX_ATTEMPTS):
        assert jobs.claim_due(worker=f"doomed-{n}") != []
        clock.advance(jobs.LEASE_SECONDS + 1)
    assert jobs.claim_due(worker="next") == []
    job = ScoringJob.objects.get(contact=call)
    assert job.gave_up_at is not None and job.last_error == jobs.STOPPED_MID_ATTEMPT
    assert jobs.given_up() == 1
    alert = Alert.objects.get(kind=jobs.ALERT_KIND)  # this give-up reaches the supervisors too
    assert alert.contact_id == call.pk
    assert "el worker se detuvo" in alert.message_es and jobs.STOPPED_MID_ATTEMPT in alert.message_en


def test_turns_arriving_later_score_the_call_and_clear_its_job(client, people, clock, monkeypatch):
    monkeypatch.setattr(scoring, "score_transcript", broken)
    call = run_call(people, clock, turns=GOOD_TURNS)
    jobs.run_pending_scoring()
    monkeypatch.undo()
    services.attach_transcript(contact_id=call.pk, user=people.lucia,
                               turns=[{"t": 135, "speaker": "tecnico", "text": "Adiós, Ana."}])
    assert Scorecard.objects.filter(contact=call).count() == 1
    assert not ScoringJob.objects.exists()  # nothing left for the worker to retry


def _fail_every_attempt(clock, call) -> ScoringJob:
    """Run the worker through the job's remaining attempts (the scorer is broken); it gives up."""
    while (job := ScoringJob.objects.get(contact=call)).gave_up_at is None:
        clock.advance(max(0.0, (job.next_attempt_at - clock.now()).total_seconds()))
        assert jobs.run_pending_scoring() == 0
    return job


def _board(user, language: str = "es") -> list[dict]:
    from tests.consoles.conftest import signed_in

    response = signed_in(user).get("/panel/estado/", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.json()["alerts"]


def test_a_job_that_gives_up_puts_one_alert_on_the_supervisors_wallboard(people, clock, monkeypatch):
    monkeypatch.setattr(scoring, "score_transcript", broken)
    call = run_call(people, clock, turns=GOOD_TURNS)
    for _attempt in range(jobs.MAX_ATTEMPTS - 1):
        assert jobs.run_pending_scoring() == 0
        clock.advance(3600)
    assert not Alert.objects.exists()  # retries on the way are no news for a supervisor
    job = _fail_every_attempt(clock, call)
    alert = Alert.objects.get()
    assert (alert.kind, alert.rule, alert.level, alert.contact_id, alert.technician_id) == (
        jobs.ALERT_KIND, "CH-TEL", "warning", call.pk, None)
    assert f"llamada {call.pk}" in alert.message_es and "Evaluar de nuevo" in alert.message_es
    assert "RuntimeError: scorer exploded" in alert.message_es and f"trabajo {job.pk}" in alert.message_es
    assert f"Call {call.pk} could not be scored" in alert.message_en and "Score again" in alert.message_en
    # On the wallboard of the call's supervisors, in their language, like the webhook's give-up alert.
    [shown] = _board(people.marta)
    assert (shown["id"], shown["rule"], shown["contact"]) == (alert.pk, "CH-TEL", call.pk)
    assert shown["message"] == alert.message_es
    assert _board(people.admin, "en")[0]["message"] == alert.message_en
    # The given-up job is never tried again, so it never alerts twice.
    clock.advance(86400)
    jobs.run_pending_scoring()
    assert Alert.objects.count() == 1


def test_score_again_that_fails_again_keeps_one_open_alert_and_alerts_anew_once_it_was_seen(people, clock,
                                                                                             monkeypatch):
    monkeypatch.setattr(scoring, "score_transcript", broken)
    call = run_call(people, clock, turns=GOOD_TURNS)
    job = _fail_every_attempt(clock, call)
    first = Alert.objects.get()
    # "Score again" before the scorer was fixed: a second give-up while the first alert is still open on
    # the wallboard adds nothing (the open alert says it already).
    assert jobs.requeue([job.pk]) == 1
    _fail_every_attempt(clock, call)
    assert list(Alert.objects.all()) == [first]
    # A supervisor acknowledges it; the next give-up is news: a new alert.
    contact_alerts.acknowledge_alert(alert_id=first.pk, user=people.marta)
    assert _board(people.marta) == []
    jobs.requeue([job.pk])
    _fail_every_attempt(clock, call)
    assert Alert.objects.count() == 2
    [shown] = _board(people.marta)
    assert shown["id"] != first.pk and shown["contact"] == call.pk
    # Fixed at last: the call gets its card.
    monkeypatch.undo()
    jobs.requeue([job.pk])
    assert jobs.run_pending_scoring() == 1
    assert Scorecard.objects.filter(contact=call).exists() and not ScoringJob.objects.exists()


def test_turns_whose_scoring_fails_leave_a_job_that_the_worker_retries(client, people, clock, monkeypatch):
    call = run_call(people, clock, turns=None)  # ended without words: scored on its events (issue 22, item 19)
    assert jobs.run_pending_scoring() == 1 and not ScoringJob.objects.exists()
    events_only = Scorecard.objects.get(contact=call)
    assert events_only.items[[i["rule"] for i in events_only.items].index("AL-4")]["status"] == "n/a"
    monkeypatch.setattr(scoring, "score_transcript", broken)
    response = client.post(f"/api/v1/scorecards/contacts/{call.pk}/transcript",
                           {"turns": GOOD_TURNS, "customer": {"name": "Ana Pérez"}},
                           content_type="application/json", headers=bearer(people.admin, kind="cti"))
    # The telephony side's request succeeds: the words are stored; the card comes later.
    assert response.status_code == 200, response.content
    assert response.json() == {"contact": call.pk, "turns": len(GOOD_TURNS), "scorecard": None}
    job = ScoringJob.objects.get(contact=call)
    assert (job.attempts, job.gave_up_at) == (1, None)  # that try was the first attempt
    assert "RuntimeError: scorer exploded" in job.last_error
    assert job.next_attempt_at == clock.now() + timedelta(seconds=jobs.retry_delay(1))
    assert jobs.run_pending_scoring() == 0 and ScoringJob.objects.get().attempts == 1  # the usual back-off
    monkeypatch.undo()  # the scorer recovers
    clock.advance(jobs.retry_delay(1))
    assert jobs.run_pending_scoring() == 1
    card = Scorecard.objects.get(contact=call)
    assert card.technician == people.lucia and not ScoringJob.objects.exists()
    # The worker scored the words, not kept the card it had made on the events alone.
    assert card.pk == events_only.pk and card.items[[i["rule"] for i in card.items].index("AL-4")]["status"] == "met"


def test_turns_whose_scoring_keeps_failing_give_up_after_the_same_attempts_and_alert(people, clock,
                                                                                     monkeypatch):
    call = run_call(people, clock, turns=None)
    assert jobs.run_pending_scoring() == 1  # the card on the events alone
    monkeypatch.setattr(scoring, "score_transcript", broken)
    stored, card = services.attach_transcript(contact_id=call.pk, user=people.lucia, turns=GOOD_TURNS)
    assert len(stored.turns) == len(GOOD_TURNS) and card is None
    job = _fail_every_attempt(clock, call)
    assert job.attempts == jobs.MAX_ATTEMPTS  # the turns' own try and four by the worker
    assert Alert.objects.get(kind=jobs.ALERT_KIND).contact_id == call.pk
    # More turns, still failing: the given-up job stays listed with the newer error; no second alert.
    services.attach_transcript(contact_id=call.pk, user=people.lucia,
                               turns=[{"t": 135, "speaker": "tecnico", "text": "Adiós, Ana."}])
    job.refresh_from_db()
    assert job.gave_up_at is not None and job.attempts == jobs.MAX_ATTEMPTS and "scorer exploded" in job.last_error
    assert Alert.objects.count() == 1


def test_an_abandoned_call_stores_no_job(people, clock):
    routed = routing.create_contact(queue="soporte", caller="+34600000009")
    contact_calls.hang_up(contact_id=routed.contact.pk)
    assert not ScoringJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_store_one_card_per_call(people, clock):
    from tests.desk.test_concurrent_edit import _run_in_threads

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent workers are exercised on PostgreSQL; SQLite has a single writer")
    calls = []
    for n in range(4):
        availability.make_available(user=people.lucia)
        calls.append(run_call(people, clock, turns=GOOD_TURNS))
        clock.advance(5)
        assert n + 1 == ScoringJob.objects.count()
    results = _run_in_threads(3, lambda i: jobs.run_pending_scoring(worker=f"w{i}", limit=1))
    assert sum(results) == 4, results  # type: ignore[arg-type]
    assert sorted(Scorecard.objects.values_list("contact_id", flat=True)) == sorted(c.pk for c in calls)
    assert not ScoringJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_turns_arriving_while_a_worker_holds_the_calls_job_neither_wait_for_the_other(people, clock, monkeypatch):
    # A worker holds the job row and waits for the contact's lock; the turns' request holds the contact
    # and scores it. If that request then waited for the job row to delete it, each would wait for the
    # other (PostgreSQL would kill one as a deadlock). It leaves the held job: the worker finds the card.
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL; SQLite has a single writer")
    call = run_call(people, clock, turns=GOOD_TURNS[:-1])
    [job_id] = jobs.claim_due(worker="w")
    job_locked, contact_locked = threading.Event(), threading.Event()
    original_score, original_score_contact = jobs._score, services.score_contact
    main = threading.get_ident()

    def worker_score(contact_id):
        job_locked.set()
        assert contact_locked.wait(10)
        return original_score(contact_id)  # waits here for the turns' transaction

    def waiting_for_a_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            return cursor.fetchone()[0] > 0

    def turns_score_contact(**kwargs):
        if threading.get_ident() == main:
            contact_locked.set()
            for _look in range(1000):  # until the worker waits for this contact's lock
                if waiting_for_a_lock():
                    break
                threading.Event().wait(0.01)
            else:
                pytest.fail("the worker never waited for the contact")
        return original_score_contact(**kwargs)

    monkeypatch.setattr(jobs, "_score", worker_score)
    monkeypatch.setattr(services, "score_contact", turns_score_contact)
    outcome: list[object] = []

    def run_worker() -> None:
        try:
            outcome.append(jobs.score_job(job_id, worker="w"))
        except Exception as exc:  # asserted below
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run_worker)
    thread.start()
    assert job_locked.wait(10)
    _stored, card = services.attach_transcript(contact_id=call.pk, user=people.lucia, turns=GOOD_TURNS[-1:])
    thread.join(30)
    assert card is not None and outcome == [jobs.SCORED]
    assert list(Scorecard.objects.values_list("pk", flat=True)) == [card.pk] and not ScoringJob.objects.exists()


CRASH = """
import os
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import transaction
from django.db.models.signals import post_save
from atiende.contact.services import alerts as contact_alerts
from atiende.contact.services import availability
from atiende.contact.services import calls as contact_calls
from atiende.contact.services import queues as contact_queues
from atiende.contact.services import routing
from atiende.contact.models import Contact, ContactState
from atiende.people.models import User
from atiende.scorecards.services import attach_transcript
from tests.scorecards.conftest import GOOD_TURNS

lucia = User.objects.create_user("lucia", role="tecnico", tier=1, first_name="Lucía")
contact_queues.save_queue(name="soporte", tiers=[1])
availability.make_available(user=lucia)
call = routing.create_contact(queue="soporte", caller="+34600000001").contact
contact_calls.answer(contact_id=call.pk, user=lucia)
contact_calls.hang_up(contact_id=call.pk)
attach_transcript(contact_id=call.pk, user=lucia, turns=GOOD_TURNS, customer={"name": "Ana Pérez"})

def die_after_the_commit(sender, instance, **kwargs):
    if instance.state == ContactState.ENDED:
        transaction.on_commit(lambda: os._exit(3))  # the power goes the instant the ending is committed

# Ours first, the app's receiver after it: nothing queued for after the commit would get to run.
post_save.disconnect(sender=Contact, dispatch_uid="scorecards.score_ended_contact")
post_save.connect(die_after_the_commit, sender=Contact)
from atiende.scorecards import signals
signals.connect()
contact_calls.finish_wrap_up(contact_id=call.pk, user=lucia)
"""

STATE = """
import django, json
django.setup()
from atiende.scorecards.models import Scorecard, ScoringJob
print(json.dumps([ScoringJob.objects.count(), Scorecard.objects.count()]))
"""


def test_a_process_that_dies_right_after_ending_a_call_loses_no_scorecard(tmp_path):
    # Real processes on their own SQLite file: one ends a call and dies the moment it commits;
    # the next `atiende worker --once` finds the stored job and scores the call.
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ATIENDE_TEST_DATABASE")}
    env.update({"ATIENDE_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "atiende.settings", "LANG": "en_US.UTF-8",
                "PYTHONPATH": str(root)})

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], env=env, cwd=root, timeout=120, capture_output=True, text=True)

    crashed = run("-c", CRASH)
    assert crashed.returncode == 3, crashed.stderr
    assert json.loads(run("-c", STATE).stdout) == [1, 0]  # the job survived; no card yet
    worker = run("-m", "atiende.cli", "worker", "--once", "--name", "after-restart")
    assert worker.returncode == 0, worker.stderr
    assert "1 calls scored." in worker.stdout
    assert json.loads(run("-c", STATE).stdout) == [0, 1]

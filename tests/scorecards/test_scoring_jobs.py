"""Scoring as a stored job: ending a call never waits for the scorer, and no ended call loses its card."""

from __future__ import annotations

import pytest
from django.db import connection

from atiende.cli import main
from atiende.cli.i18n import _
from atiende.scorecards import jobs, services
from atiende.scorecards.models import Scorecard, ScoringJob

from .conftest import GOOD_TURNS, run_call

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
    monkeypatch.setattr(services, "score_transcript", broken)
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


def test_turns_arriving_later_score_the_call_and_clear_its_job(client, people, clock, monkeypatch):
    monkeypatch.setattr(services, "score_transcript", broken)
    call = run_call(people, clock, turns=GOOD_TURNS)
    jobs.run_pending_scoring()
    monkeypatch.undo()
    services.attach_transcript(contact_id=call.pk, user=people.lucia,
                               turns=[{"t": 135, "speaker": "tecnico", "text": "Adiós, Ana."}])
    assert Scorecard.objects.filter(contact=call).count() == 1
    assert not ScoringJob.objects.exists()  # nothing left for the worker to retry


def test_an_abandoned_call_stores_no_job(people, clock):
    from atiende.contact import services as contact

    routed = contact.create_contact(queue="soporte", caller="+34600000009")
    contact.hang_up(contact_id=routed.contact.pk)
    assert not ScoringJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_store_one_card_per_call(people, clock):
    from tests.desk.test_concurrent_edit import _run_in_threads

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent workers are exercised on PostgreSQL; SQLite has a single writer")
    calls = []
    for n in range(4):
        from atiende.contact import services as contact

        contact.make_available(user=people.lucia)
        calls.append(run_call(people, clock, turns=GOOD_TURNS))
        clock.advance(5)
        assert n + 1 == ScoringJob.objects.count()
    results = _run_in_threads(3, lambda i: jobs.run_pending_scoring(worker=f"w{i}", limit=1))
    assert sum(results) == 4, results  # type: ignore[arg-type]
    assert sorted(Scorecard.objects.values_list("contact_id", flat=True)) == sorted(c.pk for c in calls)
    assert not ScoringJob.objects.exists()


CRASH = """
import os
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import transaction
from django.db.models.signals import post_save
from atiende.contact import services
from atiende.contact.models import Contact, ContactState
from atiende.people.models import User
from atiende.scorecards.services import attach_transcript
from tests.scorecards.conftest import GOOD_TURNS

lucia = User.objects.create_user("lucia", role="tecnico", tier=1, first_name="Lucía")
services.save_queue(name="soporte", tiers=[1])
services.make_available(user=lucia)
call = services.create_contact(queue="soporte", caller="+34600000001").contact
services.answer(contact_id=call.pk, user=lucia)
services.hang_up(contact_id=call.pk)
attach_transcript(contact_id=call.pk, user=lucia, turns=GOOD_TURNS, customer={"name": "Ana Pérez"})

def die_after_the_commit(sender, instance, **kwargs):
    if instance.state == ContactState.ENDED:
        transaction.on_commit(lambda: os._exit(3))  # the power goes the instant the ending is committed

# Ours first, the app's receiver after it: nothing queued for after the commit would get to run.
post_save.disconnect(sender=Contact, dispatch_uid="scorecards.score_ended_contact")
post_save.connect(die_after_the_commit, sender=Contact)
from atiende.scorecards import signals
signals.connect()
services.finish_wrap_up(contact_id=call.pk, user=lucia)
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

"""Scorecards: what scoring adds to ending a call, and what the worker spends scoring it (issue 5, Django side).

Run on its own with ``.venv/bin/python bench/bench_scorecards.py``. Uses a
throw-away SQLite database. The call is bench_quality's deterministic
15-minute call (its speech turns are attached to a real contact; its hold and
transfer come from the engine's log in real use, here the call has none).

Measured per call, wall and CPU milliseconds:

- the pure scorer alone on the same transcript (baseline);
- ``finish_wrap_up`` with this app's receiver disconnected (the ending alone);
- ``finish_wrap_up`` of a call **without** a transcript: what the receiver
  costs every call that ends (it stores no job: nothing to score yet);
- ``finish_wrap_up`` of a call **with** its ~150 turns: the ending plus the
  stored scoring job, in the same transaction (what the request pays);
- the worker scoring one such stored call (``run_pending_scoring``): claiming
  the job, building the transcript from the log, redacting nothing new (turns
  are redacted when attached), scoring, storing the card, deleting the job.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HOME = tempfile.mkdtemp(prefix="atiende-bench-scorecards-")
os.environ["ATIENDE_HOME"] = HOME
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402

django.setup()

from _benchlib import figure, percentile, table  # noqa: E402
from bench_quality import build_call  # noqa: E402
from django.core.management import call_command  # noqa: E402

RUNS = int(os.environ.get("BENCH_SCORECARD_RUNS", "40"))


def main() -> int:
    call_command("migrate", verbosity=0)
    from atiende.contact.services import availability, calls, queues, routing
    from atiende.people.models import User
    from atiende.quality import score_transcript
    from atiende.scorecards import services
    from atiende.scorecards.jobs import run_pending_scoring
    from atiende.scorecards.models import Scorecard

    tech = User.objects.create_user("luis", role="tecnico", tier=1, first_name="Luis")
    queues.save_queue(name="soporte", tiers=[1])
    transcript = build_call()
    turns = [e for e in transcript["events"] if "speaker" in e]

    def ended_call(with_turns: bool) -> int:
        availability.make_available(user=tech)
        routed = routing.create_contact(queue="soporte", caller="+34600000000")
        calls.answer(contact_id=routed.contact.pk, user=tech)
        calls.hang_up(contact_id=routed.contact.pk)
        if with_turns:
            services.attach_transcript(contact_id=routed.contact.pk, user=tech, turns=turns,
                                       customer={"name": "Marta Ruiz"})
        return routed.contact.pk

    def timed(function) -> tuple[float, float]:  # type: ignore[no-untyped-def]
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        return (time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000

    from django.db.models.signals import post_save

    from atiende.contact.models import Contact
    from atiende.scorecards import signals

    results: dict[str, tuple[list[float], list[float]]] = {}
    cases = (("end a call, scorecards receiver disconnected", False, False),
             ("end a call without a transcript", False, True), ("end a call with ~150 turns", True, True))
    for name, with_turns, connected in cases:
        if connected:
            signals.connect()
        else:
            post_save.disconnect(sender=Contact, dispatch_uid="scorecards.score_ended_contact")
        wall, cpu = [], []
        for n in range(RUNS + 3):
            pk = ended_call(with_turns)
            w, c = timed(lambda pk=pk: calls.finish_wrap_up(contact_id=pk, user=tech))
            if n >= 3:  # warm-up
                wall.append(w)
                cpu.append(c)
        results[name] = (wall, cpu)
        if with_turns:
            # The worker's part, one stored call at a time (each scored and its job deleted).
            wall, cpu = [], []
            for n in range(RUNS + 3):
                w, c = timed(lambda: run_pending_scoring(worker="bench", max_jobs=1))
                if n >= 3:
                    wall.append(w)
                    cpu.append(c)
            results["worker scores one stored call (~150 turns)"] = (wall, cpu)
    cards = Scorecard.objects.count()
    wall, cpu = [], []
    for n in range(RUNS + 3):
        w, c = timed(lambda: score_transcript(transcript))
        if n >= 3:
            wall.append(w)
            cpu.append(c)
    results["pure scorer only, same call (baseline)"] = (wall, cpu)

    base = percentile(results["pure scorer only, same call (baseline)"][1], 0.5)
    rows = []
    for name, (wall, cpu) in results.items():
        rows.append([name, f"{percentile(wall, 0.5):.2f}", f"{percentile(wall, 0.99):.2f}",
                     f"{percentile(cpu, 0.5):.2f}", f"{percentile(cpu, 0.99):.2f}",
                     f"{percentile(cpu, 0.5) / base:.2f}x"])
    print(f"{RUNS} runs each after 3 warm-up runs; {len(turns)} turns; cards stored: {cards}; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print(table(["what", "wall p50 ms", "wall p99 ms", "CPU p50 ms", "CPU p99 ms", "CPU p50 vs scorer"], rows))
    with_t = results["end a call with ~150 turns"]
    without = results["end a call without a transcript"]
    worker = results["worker scores one stored call (~150 turns)"]
    figure("End a call with ~150 turns (the request: ending + stored scoring job), CPU p50",
           round(percentile(with_t[1], 0.5), 2), "ms")
    figure("Worker scores one ended call (~150 turns) and stores its card, CPU p50",
           round(percentile(worker[1], 0.5), 2), "ms", note=f"scorer alone {base:.2f} ms")
    figure("End a call without a transcript (receiver cost included), CPU p50",
           round(percentile(without[1], 0.5), 2), "ms")
    return 0 if cards == RUNS + 3 else 1  # every call with turns got exactly one card


if __name__ == "__main__":
    sys.exit(main())

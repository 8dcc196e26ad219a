"""Where a work order's creation and read go, in process: CPU and statements per request, and a profile.

Run on its own with ``.venv/bin/python bench/bench_workorder_costs.py`` (``--profile create`` or ``--profile
read`` adds cProfile's top functions by cumulative time; ``--requests N``, default 300). It explains the
figures of bench_workorder_api.py without sockets or a server: a fresh SQLite home (or ``DATABASE_URL``, an
empty PostgreSQL database), the same technician, token, customer and bodies as that bench, and
``POST /api/v1/work-orders`` / ``GET /api/v1/work-orders/{number}`` through Django's test client (the whole
middleware chain, the token check, django-ninja). CPU is the process's (``time.process_time``), so it does
not depend on the machine's load as much as a rate does; still, note the load average beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_workorder_api import ATIENDE_SETUP, STORY  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=("create", "read"))
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="atiende-bench-wo-costs-")
    os.environ.update(ATIENDE_HOME=home, DJANGO_SETTINGS_MODULE="atiende.settings", ATIENDE_SSL_REDIRECT="0",
                      ATIENDE_SECRET_KEY="bench-only-secret-key-not-for-production-0123456789")
    subprocess.run([sys.executable, "-m", "atiende.cli", "migrate"], cwd=ROOT, env=os.environ, check=True,
                   capture_output=True)
    setup = subprocess.run([sys.executable, "-c", ATIENDE_SETUP], cwd=ROOT, env=os.environ, check=True,
                           capture_output=True, text=True).stdout
    ids = json.loads(setup.strip().splitlines()[-1])

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {ids['token']}", HTTP_ACCEPT="application/json")
    numbers: list[int] = []

    def create(i: int) -> None:
        body = json.dumps({"customer": ids["customer"], "title": f"Impresora no imprime {i}", "problem_story": STORY})
        answer = client.post("/api/v1/work-orders", body, content_type="application/json")
        assert answer.status_code == 201, answer.content[:300]
        numbers.append(json.loads(answer.content)["number"])

    def read(i: int) -> None:
        answer = client.get(f"/api/v1/work-orders/{numbers[i % len(numbers)]}")
        assert answer.status_code == 200, answer.content[:300]

    statements = [0]

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements[0] += 1
        return execute(sql, params, many, context)

    for i in range(30):  # warm up: caches, compiled statements, the first audit head
        create(i)
        read(i)
    print(f"# Work-order API costs in process ({connection.vendor}, {args.requests} requests each, "
          f"load average {os.getloadavg()[0]:.1f})\n")
    print("| request | CPU a request | statements a request |\n|---|---|---|")
    for name, work in (("POST /api/v1/work-orders", create), ("GET /api/v1/work-orders/{number}", read)):
        statements[0] = 0
        with connection.execute_wrapper(count):
            began = time.process_time()
            for i in range(args.requests):
                work(i)
            cpu = (time.process_time() - began) / args.requests * 1000
        print(f"| {name} | {cpu:.2f} ms | {statements[0] / args.requests:.1f} |")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    if args.profile:
        work = create if args.profile == "create" else read
        profile = cProfile.Profile()
        profile.enable()
        for i in range(args.requests):
            work(i)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())

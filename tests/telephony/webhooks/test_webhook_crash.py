"""A real worker process killed in the middle of a POST: the stored decision is sent again by another worker.

Its own SQLite file (not the suite's in-memory database), so that three
processes share it: one stores a call, a worker dies while the PBX holds its
request open, and a second worker sends the decision once the lease has run out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from atiende.contact.services import availability
from atiende.contact.services import queues
from atiende.contact.services import routing
from atiende.people.models import User
queues.save_queue(name="soporte", tiers=[1])
availability.make_available(user=User.objects.create_user("lucia", role="tecnico", tier=1))
routing.create_contact(queue="soporte", external_id="crash-1")
"""

STATE = """
import django, json
django.setup()
from atiende.telephony.models import WebhookDelivery
print(json.dumps([[r.status, r.attempts, str(r.decision_id), r.claimed_by] for r in WebhookDelivery.objects.all()]))
"""


def _env(home, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ATIENDE_TEST_DATABASE")}
    env.update({"ATIENDE_HOME": str(home), "DJANGO_SETTINGS_MODULE": "atiende.settings", "LANG": "en_US.UTF-8",
                "ATIENDE_WEBHOOK_URL": url, "ATIENDE_WEBHOOK_SECRET": "s3cr3t",
                "ATIENDE_WEBHOOK_FAST_PATH": "0",  # the worker sends, as after a crash of the web process
                "ATIENDE_WEBHOOK_TIMEOUT": "1", "ATIENDE_WEBHOOK_LEASE_SECONDS": "1"})
    return env


def _wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_worker_killed_mid_delivery_loses_nothing(tmp_path):
    received: list[dict[str, str]] = []
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            self.rfile.read(int(self.headers["Content-Length"]))
            received.append(dict(self.headers))
            if len(received) == 1:
                release.wait(30)  # the PBX hangs on the first request: the worker is killed meanwhile
            try:
                self.send_response(204)
                self.end_headers()
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = _env(tmp_path, f"http://127.0.0.1:{server.server_port}/pbx")
    python = sys.executable
    try:
        subprocess.run([python, "-c", SETUP], env=env, check=True, timeout=120)
        # A longer timeout for this worker's POST, so it is surely still waiting when it is killed.
        worker = subprocess.Popen([python, "-m", "atiende.cli", "worker", "--interval", "0.1", "--name", "doomed"],
                                  env={**env, "ATIENDE_WEBHOOK_TIMEOUT": "2"},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert _wait_for(lambda: len(received) == 1)
            # Claimed before this POST arrived: its lease (1 s) and the POST's timeout (2 s) are over by then.
            lease_over = time.monotonic() + 3.0
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
        release.set()
        state = json.loads(subprocess.run([python, "-c", STATE], env=env, check=True, timeout=60,
                                          capture_output=True, text=True).stdout)
        assert [s[:2] + s[3:] for s in state] == [["pending", 0, "doomed"]]  # survived, leased to the dead one
        ringing = state[0][2]  # the decision in flight when its worker died
        late_rounds_not_sent = 0
        for _round in range(20):  # the dead worker's lease (1 s + its 2 s timeout here) runs out
            late = time.monotonic() >= lease_over
            subprocess.run([python, "-m", "atiende.cli", "worker", "--once", "--name", "second"], env=env,
                           check=True, timeout=60, capture_output=True)
            state = json.loads(subprocess.run([python, "-c", STATE], env=env, check=True, timeout=60,
                                              capture_output=True, text=True).stdout)
            if [s[0] for s in state if s[2] == ringing] == ["delivered"]:
                break
            late_rounds_not_sent += late
            time.sleep(0.5)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
    # On a loaded machine the ring may time out meanwhile: the engine's stop_ringing is a later decision of its own.
    assert [s[:2] for s in state if s[2] == ringing] == [["delivered", 1]]
    # Sent at the latest by the first worker round that started once the lease was surely over, however slow the
    # machine is (a bound in seconds failed under load: each round is two Python processes starting Django).
    assert late_rounds_not_sent == 0
    # Sent twice with the same id (at least once): the PBX drops the repeat by X-Atiende-Delivery.
    assert [h["X-Atiende-Delivery"] for h in received][:2] == [ringing] * 2
    assert [h["X-Atiende-Attempt"] for h in received if h["X-Atiende-Delivery"] == ringing] == ["1", "1"]

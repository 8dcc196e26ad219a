"""The reference deployment, for real: Caddy (its internal CA, TLS) -> two app processes -> PostgreSQL and
Redis, two workers, a real SMTP server (aiosmtpd). Traffic goes through the proxy over TLS: CTI events from a
simulated PBX, supervisors' consoles on websockets, work orders with replies to the customer and their
assignees' email copies. In the middle of a burst of calls, one app process and one worker are killed with
SIGKILL: the worker killed is the one whose email the SMTP server holds unanswered at that moment.

Then: every event the PBX got an answer for is stored (0 acknowledged events lost), every due timer fired
(and the PO-1 alerts of long calls are there), no technician was rung while on another call (0 calls assigned
twice), a console cut off reconnects through the proxy and gets live updates again; the PBX got exactly the
stored webhook decisions (its receiver drops repeats by the delivery id: each processed once) and the SMTP
server exactly the stored mail (its receiver drops repeats by Message-ID), the mail cut off by the kill
included (sent again by the other worker).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_RUN
from tests.operations.installation import ROOT, atiende, environment, run_python, scratch_database

REDIS_URL = os.environ.get("ATIENDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/7"
TECHNICIANS = {"201": "t1", "202": "t2", "203": "t3"}
BURST = ("301", "302", "303", "304")  # technicians of the burst's queue (tier 3: never rung for «soporte»)

SETUP = """
import json
from atiende.cli.django_setup import setup_django
setup_django()
from django.contrib.sessions.backends.db import SessionStore
from atiende.contact.services import availability, queues
from atiende.desk.models import Customer
from atiende.people.models import ApiToken, User
from atiende.desk.models import ContactPoint
queues.save_queue(name="soporte", tiers=[1], policy={"max_call_seconds": 4, "wrap_up_seconds": 1})
queues.save_queue(name="ventas", tiers=[3], policy={"wrap_up_seconds": 1})
technicians = {}
for extension, name in TECHNICIANS.items():
    technicians[name] = User.objects.create_user(name, role="tecnico", tier=1, extension=extension,
                                                 email=name + "@example.com")
    availability.make_available(user=technicians[name])
for extension in BURST:
    availability.make_available(user=User.objects.create_user("v" + extension, role="tecnico", tier=3,
                                                              extension=extension))
admin = User.objects.create_user("centralita", role="administrador")
_t, cti = ApiToken.issue(admin, name="pbx", kind="cti")
_t, api = ApiToken.issue(admin, name="desk")
sessions = []
for name in ("marta", "sara"):
    user = User.objects.create_user(name, role="supervisor", tier=2)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "atiende.privacy.auth.ThrottledModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    sessions.append(session.session_key)
customer = Customer.objects.create(name="Pilar Gómez")
ContactPoint.objects.create(customer=customer, kind="email", value="pilar@example.org")
print(json.dumps({"cti": cti, "api": api, "sessions": sessions, "customer": customer.pk,
                  "technicians": {name: user.pk for name, user in technicians.items()}}))
""".replace("TECHNICIANS", repr(TECHNICIANS)).replace("BURST", repr(BURST))

# Who is on which call, as the wallboard reads it (consoles/selectors.board_snapshot): a technician's own call,
# else the call ringing at them.
ON_CALLS = """
import json
from atiende.cli.django_setup import setup_django
setup_django()
from atiende.consoles.selectors import MINE
from atiende.contact.models import Contact, ContactState
found = {}
for row in Contact.objects.filter(state__in=MINE).exclude(assignee=None).order_by("created_at"):
    found.setdefault(str(row.assignee_id), [row.pk, row.state])
for row in Contact.objects.filter(state=ContactState.OFFERED).exclude(offered_to=None):
    found.setdefault(str(row.offered_to_id), [row.pk, row.state])
print(json.dumps(found, sort_keys=True))
"""

HOLDER = """
from atiende.cli.django_setup import setup_django
setup_django()
from atiende.mail.models import OutboundMail
print(OutboundMail.objects.get(message_id=MESSAGE_ID).claimed_by)
"""

STATE = """
import json
from atiende.cli.django_setup import setup_django
setup_django()
from django.db.models import Count, Q
from django.utils import timezone
from datetime import timedelta
from atiende.contact.models import Alert, Contact, Deadline, IN_CONVERSATION
from atiende.desk.models import WorkOrder
from atiende.mail.models import OutboundMail
from atiende.telephony.models import CtiEvent, WebhookDelivery
late = timezone.now() - timedelta(seconds=2)
print(json.dumps({
    "events": sorted(CtiEvent.objects.values_list("event_id", flat=True)),
    "unfired": Deadline.objects.filter(fired_at__isnull=True, due_at__lt=late).count(),
    "fired": Deadline.objects.filter(fired_at__isnull=False).count(),
    "soon": Deadline.objects.filter(fired_at__isnull=True, due_at__lt=timezone.now() + timedelta(seconds=3)).count(),
    "po1_alerts": sorted(set(Alert.objects.filter(rule="PO-1").values_list("contact__external_id", flat=True))),
    "busy_twice": list(Contact.objects.filter(state__in=IN_CONVERSATION).values("assignee")
                       .annotate(n=Count("id")).filter(n__gt=1).values_list("assignee", flat=True)),
    "webhooks": sorted(str(d) for d in WebhookDelivery.objects.values_list("decision_id", flat=True)),
    "mail": sorted(OutboundMail.objects.values_list("message_id", "status", "kind")),
    "undelivered": WebhookDelivery.objects.filter(delivered_at__isnull=True).count(),
    "work_orders": WorkOrder.objects.count(),
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _wait(condition, seconds: float = 60.0, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return True
        time.sleep(step)
    return False


class Pbx(ThreadingHTTPServer):
    """The PBX's webhook receiver: it processes each delivery id once, whatever is sent twice. It keeps what
    each delivery said, so a delivery the outbox does not hold can be told apart (its call, action, time)."""

    daemon_threads = True

    def __init__(self) -> None:
        self.received: list[str] = []
        self.processed: dict[str, dict] = {}
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:  # noqa: N802, N805 - the http.server API
                body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
                delivery = handler.headers["X-Atiende-Delivery"]
                with lock:
                    self.received.append(delivery)
                    self.processed.setdefault(delivery, body)
                handler.send_response(204)
                handler.end_headers()

            def log_message(handler, *args: object) -> None:  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)


class Smtp:
    """The mail server (aiosmtpd): it processes each Message-ID once, whatever is sent twice. While ``hold`` is
    set it takes a message and keeps its answer back, so a worker can be killed with the message in flight."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[str] = []
        self.processed: set[str] = set()
        self.hold = threading.Event()
        self.held: list[str] = []
        smtp = self

        class Handler:
            async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
                message = email.message_from_bytes(envelope.content)  # type: ignore[attr-defined]
                message_id = message["Message-ID"].strip().strip("<>")
                smtp.received.append(message_id)
                smtp.processed.add(message_id)
                if smtp.hold.is_set():
                    smtp.held.append(message_id)
                    while smtp.hold.is_set():  # the sender waits for the answer to its DATA
                        await asyncio.sleep(0.05)
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        self.hold.clear()
        self.controller.stop()


class Proxy:
    """HTTPS through Caddy, trusting its internal CA; a request that finds no process is tried again, as a PBX
    or a browser would (the event's id makes the repeat harmless)."""

    def __init__(self, port: int, ca: Path) -> None:
        self.port = port
        self.context = ssl.create_default_context(cafile=str(ca))

    def request(self, method: str, path: str, body: dict | None = None, token: str = "",
                session: str = "") -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if session:
            headers["Cookie"] = f"sessionid={session}"
        for _attempt in range(40):
            try:
                conn = http.client.HTTPSConnection("localhost", self.port, context=self.context, timeout=30)
                conn.request(method, path, json.dumps(body) if body is not None else None, headers)
                response = conn.getresponse()
                data = response.read()
                if response.status in (502, 503, 504):
                    raise ConnectionError(response.status)
                return response.status, (json.loads(data) if data else {})
            except (OSError, http.client.HTTPException):
                time.sleep(0.25)
        raise AssertionError(f"{method} {path}: no answer through the proxy")


class Console:
    """A supervisor's console: a websocket through the proxy that reconnects when its process goes away."""

    def __init__(self, port: int, ca: Path, session: str, first_url: str | None = None) -> None:
        self.session = session
        self.url = f"wss://localhost:{port}/ws/consolas/"
        self.first_url = first_url  # the first connection straight to one app process, then through the proxy
        self.headers = {"Cookie": f"sessionid={session}", "Origin": f"https://localhost:{port}"}
        self.context = ssl.create_default_context(cafile=str(ca))
        self.messages: list[dict] = []
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from websockets.sync.client import connect

        while not self.stop.is_set():
            url, self.first_url = self.first_url or self.url, None
            try:
                with connect(url, ssl=self.context if url.startswith("wss:") else None,
                             additional_headers=self.headers, open_timeout=10) as ws:
                    self.connections += 1
                    while not self.stop.is_set():
                        with contextlib.suppress(TimeoutError):
                            self.messages.append(json.loads(ws.recv(timeout=0.5)))
            except Exception:
                time.sleep(0.3)  # the process went away: reconnect through the proxy

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)


@pytest.mark.django_db
@pytest.mark.skipif(os.environ.get("ATIENDE_TEST_TOPOLOGY") != "1",
                    reason="the topology test runs in `make test-deploy` (ATIENDE_TEST_TOPOLOGY=1), which .ci/run calls")
@pytest.mark.skipif(not POSTGRES_RUN, reason="the topology runs on PostgreSQL, in the PostgreSQL half")
@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed (scripts/ensure-caddy.sh)")
@pytest.mark.skipif(not _redis_up(), reason=f"Redis is not reachable at {REDIS_URL}")
def test_two_app_processes_and_two_workers_behind_caddy_lose_nothing_when_one_of_each_is_killed(tmp_path):
    import redis

    # Redis database 7 is this test's own: the channel groups of an earlier run's processes (killed ones stay
    # members for a day) would take part in this one.
    redis.Redis.from_url(REDIS_URL).flushdb()
    pbx = Pbx()
    threading.Thread(target=pbx.serve_forever, daemon=True).start()
    smtp = Smtp()
    smtp.hold.set()  # the first email is held: its worker is the one killed
    logs = tmp_path / "logs"  # each process's output, kept for a failure's post-mortem
    logs.mkdir()
    processes: list[subprocess.Popen] = []
    consoles: list[Console] = []
    with scratch_database("topology") as database_url:
        env = environment(tmp_path / "home", database_url, REDIS_URL=REDIS_URL,
                          ATIENDE_WEBHOOK_URL=f"http://127.0.0.1:{pbx.server_port}/pbx",
                          ATIENDE_WEBHOOK_SECRET="topology-secret", ATIENDE_WEBHOOK_LEASE_SECONDS="2",
                          ATIENDE_WEBHOOK_RETRY_SECONDS="0.5", ATIENDE_WEBHOOK_TIMEOUT="2",
                          ATIENDE_DB_POOL_SIZE="4", ATIENDE_SECRET_KEY="topology-test-" + "k" * 40,
                          ATIENDE_TRUSTED_PROXIES="127.0.0.1", ATIENDE_SSL_REDIRECT="0",
                          ATIENDE_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
                          ATIENDE_MAIL_FROM="Soporte <soporte@example.com>", ATIENDE_MAIL_LEASE_SECONDS="4",
                          ATIENDE_MAIL_RETRY_SECONDS="0.5", ATIENDE_LOG_LEVEL="INFO")
        try:
            assert atiende(env, "migrate").returncode == 0
            ids = json.loads(run_python(env, SETUP).strip().splitlines()[-1])
            ports = [_free_port(), _free_port()]
            https = _free_port()

            def start(name: str, *args: str) -> subprocess.Popen:
                with open(logs / f"{name}.log", "wb") as out:
                    proc = subprocess.Popen([sys.executable, "-m", "atiende.cli", *args], cwd=ROOT, env=env,
                                            stdout=out, stderr=subprocess.STDOUT)
                processes.append(proc)
                return proc

            apps = [start(f"app{n}", "serve", "--port", str(port)) for n, port in enumerate(ports)]
            workers = {name: start(name, "worker", "--interval", "0.2", "--name", name) for name in ("w1", "w2")}
            data = tmp_path / "caddy"
            caddyfile = tmp_path / "Caddyfile"
            caddyfile.write_text(f"""{{
	admin off
	local_certs
	skip_install_trust
	http_port {_free_port()}
	https_port {https}
	storage file_system {data}
}}
localhost:{https} {{
	tls internal
	reverse_proxy 127.0.0.1:{ports[0]} 127.0.0.1:{ports[1]} {{
		lb_policy round_robin
		lb_try_duration 10s
		lb_try_interval 100ms
		fail_duration 5s
		health_uri /healthz
		health_interval 1s
	}}
}}
""")
            processes.append(subprocess.Popen(["caddy", "run", "--adapter", "caddyfile", "--config", str(caddyfile)],
                                              env={**env, "HOME": str(tmp_path), "XDG_DATA_HOME": str(data),
                                                   "XDG_CONFIG_HOME": str(data)},
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            ca = data / "pki" / "authorities" / "local" / "root.crt"
            assert _wait(ca.exists, 60)
            proxy = Proxy(https, ca)
            for port in ports:  # both app processes answer, directly
                assert _wait(lambda p=port: http.client.HTTPConnection("127.0.0.1", p, timeout=2)
                             .request("GET", "/healthz") is None, 90)
            assert _wait(lambda: proxy.request("GET", "/readyz")[0] == 200, 60)
            # The first console starts on the app process that is killed below (straight to it, not through
            # Caddy, whose round robin may put every console on the other one): it is surely cut off and must
            # come back through the proxy.
            consoles = [Console(https, ca, session, f"ws://127.0.0.1:{ports[0]}/ws/consolas/" if n == 0 else None)
                        for n, session in enumerate(ids["sessions"])]
            assert _wait(lambda: all(c.connections == 1 for c in consoles), 30)

            acknowledged: list[str] = []
            busy: dict[str, str] = {}  # extension -> the call it is on (rung or answered)
            rung_twice: list[tuple[str, str]] = []
            waiting: list[str] = []

            def event(kind: str, call: str, **fields: str) -> dict:
                event_id = f"{call}-{kind}"
                status, answer = proxy.request("POST", "/api/v1/cti/events",
                                               {"id": event_id, "type": kind, "call_id": call, **fields},
                                               ids["cti"])
                assert status == 200, answer
                acknowledged.append(event_id)
                return answer

            def ring(call: str, answer: dict) -> None:
                if answer.get("action") != "ring":
                    waiting.append(call)
                    return
                extension = answer["technician"]["extension"]
                if extension in busy:
                    rung_twice.append((extension, call))
                busy[extension] = call
                event("answered", call, technician=extension)

            def hang_up(extension: str) -> None:
                call = busy.pop(extension)
                event("hangup", call, cause="caller_hangup")

            for n in range(1, 6):  # three technicians: three calls ring, two wait
                ring(f"c{n}", event("new_call", f"c{n}", queue="soporte", **{"from": f"+3460000000{n}"}))

            def work_order(title: str, technician: str) -> None:
                """Opened for a technician (their email copy of «assigned») with a reply to the customer."""
                status, opened = proxy.request("POST", "/api/v1/work-orders", {
                    "customer": ids["customer"], "title": title, "assignee": ids["technicians"][technician]},
                    ids["api"])
                assert status == 201, opened
                status, answer = proxy.request("POST", f"/api/v1/work-orders/{opened['number']}/messages", {
                    "body": f"Buenos días, Pilar:\n\nHemos recibido su aviso «{title}». Le llamamos hoy.",
                    "visibility": "public"}, ids["api"])
                assert status == 201, answer

            for n in (1, 2):
                work_order(f"Impresora {n}", f"t{n}")
            started = time.monotonic()
            assert _wait(lambda: smtp.held, 30)  # a worker sends the mail; the server keeps its answer back
            holder = run_python(env, HOLDER.replace("MESSAGE_ID", repr(smtp.held[0]))).strip().splitlines()[-1]
            time.sleep(max(0.0, 5 - (time.monotonic() - started)))  # the answered calls pass PO-1's 4 s

            burst_errors: list[str] = []

            def burst(first: int) -> None:
                """Calls of another queue, one after another: the kill falls in the middle of their requests."""
                try:
                    for n in range(first, first + 30, 2):
                        call = f"b{n}"
                        answer = event("new_call", call, queue="ventas", **{"from": f"+3461{n:07d}"})
                        if answer.get("action") == "ring":
                            event("answered", call, technician=answer["technician"]["extension"])
                        event("hangup", call, cause="caller_hangup")
                except Exception as exc:  # noqa: BLE001 - reported by the main thread
                    burst_errors.append(repr(exc))

            bursts = [threading.Thread(target=burst, args=(first,)) for first in (100, 101)]
            for thread in bursts:
                thread.start()
            time.sleep(1.0)
            apps[0].send_signal(signal.SIGKILL)
            workers[holder].send_signal(signal.SIGKILL)  # with an email in flight
            apps[0].wait(10)
            workers[holder].wait(10)
            smtp.hold.clear()  # the killed worker never hears its answer: the other one sends the email again
            for thread in bursts:
                thread.join(120)
            assert burst_errors == []

            for extension in sorted(busy):  # the calls end through the survivor; the waiting ones are rung
                hang_up(extension)
            time.sleep(1.5)  # wrap-up (1 s) ends: the worker gives the technicians the waiting calls
            for n in range(6, 9):
                ring(f"c{n}", event("new_call", f"c{n}", queue="soporte", **{"from": f"+3460000000{n}"}))
            work_order("Red caída", "t3")
            # Every console is connected again (a cut one through the surviving process) and hears the new calls.
            assert _wait(lambda: all(any(m.get("type") == "hello" for m in c.messages) for c in consoles), 30)
            heard_before = [len(c.messages) for c in consoles]
            ring("c9", event("new_call", "c9", queue="soporte", **{"from": "+34600000009"}))
            assert _wait(lambda: all(len(c.messages) > n for c, n in zip(consoles, heard_before, strict=True)), 30), (
                [(c.connections, len(c.messages), [m.get("type") for m in c.messages[-3:]]) for c in consoles],
                heard_before, f"logs: {logs}")

            def talking(calls: dict) -> dict:
                # The calls answered stay as they are until the PBX hangs up; a call ringing unanswered moves on
                # (its ring times out, the next technician is offered it) whenever a worker gets to it.
                return {technician: call for technician, call in calls.items() if call[1] == "talking"}

            def shown_and_stored() -> bool:
                """What a reconnected console reads on (re)connecting, through the proxy (the page's refresh():
                /panel/estado/), against the database."""
                status, board = proxy.request("GET", "/panel/estado/", session=cut_off.session)
                stored = json.loads(run_python(env, ON_CALLS).strip().splitlines()[-1])
                shown = {str(t["id"]): [t["contact"]["id"], t["contact"]["state"]]
                         for t in board["technicians"] if t["contact"]}
                boards.append((status, shown, stored))
                return status == 200 and talking(shown) == talking(stored) and len(talking(stored)) == len(busy)

            assert _wait(lambda: any(c.connections >= 2 for c in consoles), 30), [c.connections for c in consoles]
            cut_off = next(c for c in consoles if c.connections >= 2)  # its process was killed: it reconnected
            boards: list[tuple] = []
            assert _wait(shown_and_stored, 60, 0.5), boards[-3:]
            for extension in sorted(busy):
                hang_up(extension)

            state: dict = {}

            def settled() -> bool:
                state.update(json.loads(run_python(env, STATE).strip().splitlines()[-1]))
                # The last wrap-ups end after the last hang-up: their decisions are sent too, then all is still.
                return (state["unfired"] == 0 and state["soon"] == 0 and state["undelivered"] == 0
                        and sorted(pbx.processed) == state["webhooks"]
                        and all(status == "sent" for _id, status, _kind in state["mail"])
                        and smtp.processed == {message_id for message_id, _s, _k in state["mail"]})

            if not _wait(settled, 60, 1.0):
                stored = set(state.get("webhooks", []))
                extra = {d: body for d, body in pbx.processed.items() if d not in stored}
                # Each process logs a decision id when its transaction commits and when the PBX took it (INFO).
                trail = [line for path in sorted(logs.iterdir()) for line in path.read_text().splitlines()
                         if any(d in line for d in extra)]
                raise AssertionError(f"not settled: {state}\nthe PBX got deliveries the outbox does not hold: "
                                     f"{extra}\ntheir trail in the logs: {trail}\nstored, never received: "
                                     f"{sorted(stored - pbx.processed.keys())}\nmail received: {smtp.received}"
                                     f"\nlogs: {logs}")
        finally:
            for console in consoles:
                console.close()
            for proc in processes:
                if proc.poll() is None:
                    proc.terminate()
            for proc in processes:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(30)
                if proc.poll() is None:
                    proc.kill()
            pbx.shutdown()
            pbx.server_close()
            smtp.close()

    assert set(acknowledged) <= set(state["events"])  # 0 acknowledged events lost
    assert state["unfired"] == 0 and state["fired"] > 0  # 0 timers unfired
    assert {"c1", "c2", "c3"} <= set(state["po1_alerts"])  # the long calls' PO-1 timers fired their alerts
    assert rung_twice == [] and state["busy_twice"] == []  # 0 calls assigned twice
    assert any(c.connections >= 2 for c in consoles)  # a console was cut off, came back and read the stored state
    assert state["undelivered"] == 0  # the outbox is empty: every decision reached the PBX...
    # ...and the PBX processed exactly the stored decisions, each once (it drops repeats by X-Atiende-Delivery):
    # nothing it was told is missing from Atiende, nothing Atiende holds is missing from it.
    assert sorted(pbx.processed) == state["webhooks"] and len(state["webhooks"]) >= 15
    assert state["work_orders"] == 3
    # Mail: each work order's reply to the customer and its technician's copy, all sent, and the SMTP server
    # processed exactly the stored Message-IDs. The email in flight when its worker was killed arrived twice
    # (once from each worker) and was processed once.
    assert sorted(kind for _id, _status, kind in state["mail"]) == ["notification"] * 3 + ["reply"] * 3
    assert {status for _id, status, _kind in state["mail"]} == {"sent"}
    assert smtp.processed == {message_id for message_id, _s, _k in state["mail"]}
    assert smtp.received.count(smtp.held[0]) >= 2

"""What the chat's served tests share: the consoles' served contact center (tests.consoles.browser: a copy of a
seeded database per test, SQLite or PostgreSQL) with a chat widget for queue ``soporte``, a customer's site on
another origin that embeds it, servers (one, or two behind Redis), and the HTTP calls a widget and a console
make."""

from __future__ import annotations

import http.cookiejar
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.consoles.browser import PASSWORD, POSTGRES_RUN, Stored
from tests.consoles.live_server import ROOT, Server, _env, free_port


def add_widget(stored: Stored, *origins: str, key: str = "soporte") -> None:
    """The widget of queue ``soporte`` (the seeded center's), embeddable from ``origins``."""
    queue_id = stored.rows("SELECT id FROM contact_queue WHERE name = %s", "soporte")[0][0]
    cast = "::jsonb" if POSTGRES_RUN else ""
    sql = (f"INSERT INTO chat_chatwidget (key, name, queue_id, allowed_origins, enabled, offline_behaviour, hours, "
           f"created_at) VALUES (%s, %s, %s, %s{cast}, %s, %s, %s{cast}, %s)")
    params = (key, "Soporte técnico", queue_id, json.dumps(list(origins)), True, "message", "{}",
              datetime.now(UTC).isoformat())
    if stored.postgres_url:
        import psycopg

        with psycopg.connect(stored.postgres_url, autocommit=True) as conn:
            conn.execute(sql, params)  # type: ignore[arg-type]
        return
    assert stored.sqlite_path is not None
    conn = sqlite3.connect(stored.sqlite_path, timeout=30)
    try:
        conn.execute(sql.replace("%s", "?"), params)
        conn.commit()
    finally:
        conn.close()


HOST_PAGE = """<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' {desk};
  connect-src {desk} {socket}; style-src 'self'; img-src 'self'">
<title>Tienda del cliente</title>
<link rel="stylesheet" href="host.css">
</head>
<body>
<h1>Tienda del cliente</h1>
<p>Una página cualquiera que inserta el chat con una sola etiqueta.</p>
<script src="{desk}/chat/widget.js" data-queue="soporte" defer></script>
</body>
</html>
"""

# The host page's own styles try to reach into the widget: the shadow root keeps them out.
HOST_CSS = "button { background: red !important; font-size: 40px !important; } * { color: lime; }"


@contextmanager
def customer_site(desk_url: str, folder: Path) -> Iterator[str]:
    """A customer's site on another origin (``http://localhost:PORT``) whose page embeds the widget under a strict
    Content Security Policy of its own; yields the page's URL."""
    folder.mkdir(parents=True, exist_ok=True)
    socket = desk_url.replace("http://", "ws://")
    (folder / "index.html").write_text(HOST_PAGE.format(desk=desk_url, socket=socket), encoding="utf-8")
    (folder / "host.css").write_text(HOST_CSS, encoding="utf-8")
    handler = partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


def origin_of(url: str) -> str:
    return re.match(r"https?://[^/]+", url).group(0)  # type: ignore[union-attr]


@contextmanager
def servers(home: Path, count: int, *, database_url: str | None, extra: dict[str, str] | None = None,
            timeout: float = 120.0) -> Iterator[list[Server]]:
    """``count`` server processes on one database (``tests.consoles.serve``: uvicorn and the deadline worker),
    each with its own port and log, with ``extra`` in their environment (REDIS_URL for more than one)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**_env(home, database_url), **(extra or {})}
    procs: list[subprocess.Popen[bytes]] = []
    started: list[Server] = []
    try:
        for n in range(count):
            port = free_port()
            log = home / f"server-{n}.log"
            with log.open("w") as out:
                procs.append(subprocess.Popen([sys.executable, "-m", "tests.consoles.serve", str(port)], env=env,
                                              cwd=ROOT, stdout=out, stderr=subprocess.STDOUT))
            started.append(Server(f"http://127.0.0.1:{port}", port, env, "", log))
        deadline = time.monotonic() + timeout
        for server, proc in zip(started, procs, strict=True):
            while True:
                try:
                    with urllib.request.urlopen(f"{server.url}/entrar/", timeout=5):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"server did not start: {server.log.read_text()[-2000:]}") from None
                    time.sleep(0.05)  # polling for the port to open
        yield started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def call(url: str, method: str = "GET", body: Any = None, *, origin: str | None = None,
         headers: dict[str, str] | None = None, opener: Any = None) -> tuple[int, dict[str, Any]]:
    """An HTTP call with a JSON body: (status, JSON answer); errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Accept": "application/json", **({"Origin": origin} if origin else {}),
        **(headers or {})})
    try:
        with (opener.open if opener else urllib.request.urlopen)(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Console:
    """A technician signed in through the sign-in form (the session cookie a console's socket sends)."""

    def __init__(self, server: Server, username: str) -> None:
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        with self.opener.open(f"{server.url}/entrar/", timeout=60) as page:
            form = page.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        data = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(f"{server.url}/entrar/", data=data, headers={"Referer": f"{server.url}/entrar/"})
        with self.opener.open(request, timeout=60):
            pass
        assert self.cookie("sessionid"), "the sign-in did not give a session"

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        return call(f"{self.server.url}{path}", method, body, opener=self.opener, origin=self.server.url,
                    headers={"X-CSRFToken": self.cookie("csrftoken"), "Referer": f"{self.server.url}/consola/"})

    def socket_headers(self) -> dict[str, str]:
        return {"Cookie": f"sessionid={self.cookie('sessionid')}"}


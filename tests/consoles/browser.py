"""What the consoles' browser tests share: a served contact center (tests.consoles.seed) on its own database, a
headless system Chromium, signing in, a call arriving from the PBX, and a look at what the server stored.

The server runs in a subprocess (uvicorn: pytest-django's live server has no websockets), so it cannot see the
test's database. It gets its own: a SQLite file, or on the PostgreSQL run (``ATIENDE_TEST_DATABASE=postgres``)
a fresh PostgreSQL database named after ``ATIENDE_TEST_DB_NAME``, dropped afterwards. :class:`Stored` reads it
directly, so a test checks what was kept, not only what the page says.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.consoles.live_server import Server, running
from tests.consoles.seed import CALLER

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "clave-de-prueba-2026"
TIMEOUT_MS = 60_000  # a shared 2-core machine: slow is not broken
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
POSTGRES_RUN = os.environ.get("ATIENDE_TEST_DATABASE") == "postgres"


def new_call(server: Server, call_id: str, *, caller: str = CALLER, queue: str = "soporte") -> None:
    """A call arrives as a PBX reports it: the generic CTI endpoint's newCall."""
    body = urllib.parse.urlencode({"event": "newCall", "callId": call_id, "direction": "in", "from": caller,
                                   "to": "+34910000000", "queue": queue}).encode()
    request = urllib.request.Request(f"{server.url}/api/v1/cti/generic/{server.cti_token}", data=body,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


def sign_in(browser: Any, server: Server, username: str) -> Any:
    """A page of its own (own cookies) signed in as ``username`` through the sign-in form."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="es-ES")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server.url}/entrar/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/entrar/" not in url)
    return page


def live(page: Any, path: str, server: Server) -> None:
    """Open a console and wait until its websocket is connected (updates arrive without reloading)."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}{path}")
    expect(page.locator("#live-status")).to_have_attribute("data-live", "true")


class Stored:
    """Reads the served contact center's database: what the server kept, not what a page shows."""

    def __init__(self, *, sqlite_path: Path | None = None, postgres_url: str | None = None) -> None:
        self.sqlite_path = sqlite_path
        self.postgres_url = postgres_url

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """``sql`` with %s placeholders."""
        if self.postgres_url:
            import psycopg

            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]
        assert self.sqlite_path is not None
        conn = sqlite3.connect(self.sqlite_path, timeout=30)
        try:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            conn.close()

    def user_id(self, username: str) -> int:
        return self.rows("SELECT id FROM people_user WHERE username = %s", username)[0][0]

    def contact(self, call_id: str) -> dict[str, Any]:
        """The stored call the PBX knows as ``call_id``: state, who has it, where it rings."""
        (pk, state, assignee, offered_to), = self.rows(
            "SELECT id, state, assignee_id, offered_to_id FROM contact_contact WHERE external_id = %s", call_id)
        return {"id": pk, "state": state, "assignee": assignee, "offered_to": offered_to}

    def events(self, call_id: str) -> list[str]:
        """The call's history, oldest first (kinds only)."""
        return [kind for (kind,) in self.rows(
            "SELECT e.kind FROM contact_contactevent e JOIN contact_contact c ON c.id = e.contact_id "
            "WHERE c.external_id = %s ORDER BY e.at, e.id", call_id)]

    def technician(self, username: str) -> tuple[str, str]:
        """A technician's (or supervisor's) stored state: status and pause reason; no row: desconectado."""
        found = self.rows("SELECT s.status, s.pause_reason FROM contact_technicianstate s "
                          "JOIN people_user u ON u.id = s.user_id WHERE u.username = %s", username)
        return (found[0][0], found[0][1]) if found else ("desconectado", "")


@contextmanager
def _database(home: Path) -> Iterator[tuple[str | None, Stored]]:
    if not POSTGRES_RUN:
        yield None, Stored(sqlite_path=home / "atiende.sqlite3")
        return
    import psycopg

    base = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = os.environ.get("ATIENDE_TEST_DB_NAME", "test_atiende") + "_browser"
    admin = urllib.parse.urlunsplit(base._replace(path="/postgres"))
    url = urllib.parse.urlunsplit(base._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url, Stored(postgres_url=url)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Center:
    """A served contact center (lucia and jorge technicians, marta supervisor) and a browser to drive it."""

    server: Server
    browser: Any
    stored: Stored


@contextmanager
def served_center(home: Path) -> Iterator[Center]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with _database(home) as (database_url, stored), \
            running(home, PASSWORD, database_url=database_url) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield Center(server, browser, stored)
        finally:
            browser.close()

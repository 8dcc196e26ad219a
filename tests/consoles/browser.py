"""What the consoles' browser tests share: a served contact center (tests.consoles.seed) on its own database, a
headless system Chromium, signing in, a call arriving from the PBX, and a look at what the server stored.

The server runs in a subprocess (uvicorn: pytest-django's live server has no websockets), so it cannot see the
test's database. It gets its own: the center is migrated and seeded once per run (:func:`center_template`: a
SQLite file, or on the PostgreSQL run (``ATIENDE_TEST_DATABASE=postgres``) a PostgreSQL database named after
``ATIENDE_TEST_DB_NAME``), and each test serves a fresh copy of it (a copied file, or ``CREATE DATABASE ...
TEMPLATE``), dropped afterwards. :class:`Stored` reads it directly, so a test checks what was kept, not only
what the page says.

A module's tests share one Chromium. Playwright's sync API marks its event loop as running between its calls, and
Django refuses ORM calls then (pytest-django's database set-up between two tests of the module) unless told the
test knows what it does: tests.browser, imported here, says so.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.browser import close_async_side_connections
from tests.consoles.live_server import ROOT, Server, prepare, serving
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


def run_in_center(server: Server, code: str, **names: Any) -> None:
    """Django code run against the served center's database (what another person, a supervisor or an administrator
    does meanwhile), with ``names`` bound to the values given."""
    bound = "".join(f"{name} = {value!r}\n" for name, value in names.items())
    subprocess.run([sys.executable, "-c", "from atiende.cli.django_setup import setup_django; setup_django()\n"
                    + bound + code], env=server.env, cwd=ROOT, check=True, timeout=120, capture_output=True)


REPAIR_CAMPAIGN = """
from datetime import time
from atiende.campaigns.models import Campaign, Target
from atiende.contact.models import Queue
from atiende.contact.services import queues
from atiende.desk.models import Customer
queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2], policy=POLICY)
campaign = Campaign.objects.create(
    name="Seguimiento de reparaciones", queue=Queue.objects.get(name="soporte"), status="active",
    script="Le llamamos para saber si su equipo funciona bien.", calling_from=time(0, 0),
    calling_until=time(23, 59), calling_days=[0, 1, 2, 3, 4, 5, 6])
carmen = Customer.objects.get(name="Carmen Ruiz")
Target.objects.create(campaign=campaign, customer=carmen, name="Carmen Ruiz", address_as="Doña", phone=CALLER,
                      number=CALLER, zones="Europe/Madrid", zone_source="customer")
"""


def start_repair_campaign(server: Server, *, policy: dict[str, Any] | None = None, then: str = "") -> None:
    """An active campaign on the «soporte» queue (with its ``policy``), callable at any hour, whose first person
    is Doña Carmen Ruiz at :data:`CALLER`; ``then``: code run after it, with ``campaign`` and ``carmen`` bound
    (more people to call, Carmen's portal account)."""
    run_in_center(server, REPAIR_CAMPAIGN + then, CALLER=CALLER, PASSWORD=PASSWORD, POLICY=policy)


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


@dataclass
class Template:
    """A migrated and seeded contact center that each test's database is copied from (a SQLite file, or a
    PostgreSQL template database), and its PBX's CTI token."""

    token: str
    home: Path
    sqlite_path: Path | None = None
    postgres_name: str | None = None


def _postgres_admin() -> tuple[urllib.parse.SplitResult, str, str]:
    base = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    prefix = os.environ.get("ATIENDE_TEST_DB_NAME", "test_atiende")
    return base, urllib.parse.urlunsplit(base._replace(path="/postgres")), prefix


def _drop(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_TEMPLATES = itertools.count()


@contextmanager
def center_template(home: Path) -> Iterator[Template]:
    """Migrate and seed the contact center once (a run's worth of browser tests copies it): a SQLite file under
    ``home``, or on the PostgreSQL run a database named after ``ATIENDE_TEST_DB_NAME``, dropped afterwards."""
    if not POSTGRES_RUN:
        yield Template(prepare(home, PASSWORD), home, sqlite_path=home / "atiende.sqlite3")
        return
    import psycopg

    base, admin, prefix = _postgres_admin()
    # A name of its own each time: a second template (a module making one beside the run's) never drops the first.
    name = f"{prefix}_browser_template_{next(_TEMPLATES)}"
    _drop(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = urllib.parse.urlunsplit(base._replace(path=f"/{name}"))
        yield Template(prepare(home, PASSWORD, database_url=url), home, postgres_name=name)
    finally:
        _drop(admin, name)


@contextmanager
def _database(home: Path, template: Template) -> Iterator[tuple[str | None, Stored]]:
    """A fresh copy of the template for one test: nothing another test did is in it."""
    home.mkdir(parents=True, exist_ok=True)
    if (template.home / "vault.keys").exists():  # what the seed encrypted stays readable
        shutil.copy2(template.home / "vault.keys", home / "vault.keys")
    if template.sqlite_path is not None:
        path = home / "atiende.sqlite3"
        source, copy = sqlite3.connect(template.sqlite_path), sqlite3.connect(path)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        yield None, Stored(sqlite_path=path)
        return
    import psycopg

    base, admin, prefix = _postgres_admin()
    name = f"{prefix}_browser"
    url = urllib.parse.urlunsplit(base._replace(path=f"/{name}"))
    _drop(admin, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.postgres_name}"')
    try:
        yield url, Stored(postgres_url=url)
    finally:
        _drop(admin, name)


@dataclass
class Center:
    """A served contact center (lucia and jorge technicians, marta supervisor) and a browser to drive it."""

    server: Server
    browser: Any
    stored: Stored


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless system Chromium, closed afterwards (a module's browser tests share one: each test's pages live
    in browser contexts of their own, closed after the test)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            close_async_side_connections()  # pytest-django's set-up between the module's tests opens them


@contextmanager
def served_center(home: Path, template: Template, browser: Any) -> Iterator[Center]:
    """A copy of ``template`` served for one test; the browser contexts the test opened are closed afterwards."""
    with _database(home, template) as (database_url, stored), \
            serving(home, template.token, database_url=database_url) as server:
        try:
            yield Center(server, browser, stored)
        finally:
            for context in browser.contexts:
                context.close()

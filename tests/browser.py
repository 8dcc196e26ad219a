"""Real-browser tests against the in-process live server: the system Chromium (never a downloaded one).

Playwright's sync API runs an event loop in the test's thread; Django refuses ORM
calls from such a thread unless told the test knows what it does, so importing
this module says so.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
# The machine is shared: give a slow page time before calling it a failure.
TIMEOUT_MS = 60_000

BROWSER = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
]


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium, closed afterwards."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
            close_async_side_connections()


def close_async_side_connections() -> None:
    """Close the database connections the test opened while Playwright was running; call it before Playwright stops.

    Between its calls Playwright's sync API marks its event loop as running in this thread. Django keeps one
    connection per thread, but per async context while a loop runs: the ORM calls a test makes then (between two
    browser steps) open a connection of their own, which nothing else closes. Left open, it kept the PostgreSQL
    test database busy at the end of the run ("is being accessed by other users": the database was not dropped).
    """
    from django.db import connections

    connections.close_all()


def new_page(browser: Any, **options: Any) -> tuple[Any, list[str]]:
    """A Spanish page (1366 px wide unless ``options`` say otherwise) and the list its Content Security
    Policy violations are collected in."""
    page = browser.new_page(**{"viewport": {"width": 1366, "height": 768}, "locale": "es-ES", **options})
    page.set_default_timeout(TIMEOUT_MS)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return page, violations


def sign_in(page: Any, base_url: str, username: str, password: str, *, landing: str = "Mis solicitudes") -> None:
    """Through the sign-in form, as a person does; waits for the page it lands on."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/entrar/")
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("heading", name=landing)).to_be_visible()

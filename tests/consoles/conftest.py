from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from tests.consoles.seed import Center, build

MADRID = ZoneInfo("Europe/Madrid")  # the desk's time zone in the chart tests' settings


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """The pages are checked in Spanish: make sure the .mo files exist even without `make`."""
    from atiende.i18n import compile_catalogues

    compile_catalogues()


@pytest.fixture
def center(db) -> Center:
    return build()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(scope="module")
def console_browser():
    """One headless Chromium for a module's browser tests (Playwright's sync API marks an event loop as running
    while it is open, so it must not outlive the browser tests' modules)."""
    from tests.consoles.browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture
def served(tmp_path, center_template, console_browser):
    """A contact center served over HTTP and websockets on its own database (a fresh copy of the seeded one), and
    a Chromium to drive it."""
    from tests.consoles.browser import served_center

    with served_center(tmp_path / "home", center_template, console_browser) as served_center_:
        yield served_center_


@pytest.fixture
def clock(settings):
    """The desk in Madrid, the services' clock by hand, from Monday 5 January 2026, 09:00 (the chart tests)."""
    from atiende.contact import clock as contact_clock
    from atiende.engine import ManualClock

    settings.TIME_ZONE = "Europe/Madrid"
    manual = ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=MADRID))
    previous = contact_clock.set_clock(manual)
    yield manual
    contact_clock.set_clock(previous)


def arrives(queue: str = "soporte", **extra):
    """An inbound call from the known caller arrives now in ``queue``; its stored row."""
    from atiende.contact.services import routing

    return routing.create_contact(queue=queue, caller="+34600000009", **extra).contact

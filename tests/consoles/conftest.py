from __future__ import annotations

import pytest
from django.test import Client

from tests.consoles.seed import Center, build


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


@pytest.fixture
def served(tmp_path):
    """A contact center served over HTTP and websockets on its own database, and a Chromium to drive it."""
    from tests.consoles.browser import served_center

    with served_center(tmp_path / "home") as served_center_:
        yield served_center_

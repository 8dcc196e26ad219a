from __future__ import annotations

import pytest

from atiende.people.models import User
from atiende.walkin.services.catalogue import save_service
from tests.contact.conftest import bearer, clock, jorge, lucia, make_technician  # noqa: F401  (fixtures)

PHONE = "+34600123456"


@pytest.fixture
def repairs(db):
    """The desk's repair service: queue «mostrador», tickets A-..."""
    return save_service(queue="mostrador", letter="A", label="Reparaciones")


@pytest.fixture
def pickups(db):
    return save_service(queue="recogidas", letter="R", label="Recogida de equipos", position=1)


@pytest.fixture
def reception(db):
    """The staff account the reception kiosk acts for."""
    return User.objects.create_user("recepcion", role="tecnico", first_name="Recepción")


# The browser test serves a contact center of its own (tests/consoles/browser.py): the same fixtures.
from tests.consoles.conftest import console_browser, served  # noqa: E402, F401

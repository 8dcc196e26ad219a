from __future__ import annotations

import pytest

from atiende.chat import guards
from atiende.chat.models import ChatWidget
from atiende.contact.models import TechnicianState
from tests.contact.conftest import clock, jorge, lucia, queue, supervisor  # noqa: F401 - the contact tests' fixtures
from tests.contact.conftest import make_technician as make_contact_technician


@pytest.fixture(autouse=True)
def fresh_limits():
    """Every chat test starts and ends with the widget's rate limits untouched (they live in the process)."""
    guards.LIMITS.reset()
    yield
    guards.LIMITS.reset()


@pytest.fixture
def widget(queue):  # noqa: F811 - the fixture imported above
    return ChatWidget.objects.create(key="soporte", name="Soporte", queue=queue,
                                     allowed_origins=["https://cliente.example"])


def make_technician(username: str, *, max_chats: int | None = None, **kwargs):
    """A technician as the contact tests make them, with their own chat capacity when given (CH-VIR)."""
    user = make_contact_technician(username, **kwargs)
    if max_chats is not None:
        TechnicianState.objects.filter(user=user).update(max_chats=max_chats)
    return user

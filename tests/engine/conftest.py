from __future__ import annotations

import pytest

from atiende.engine import Contact, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def talking(clock: ManualClock) -> Contact:
    """A call answered by technician 1 a few seconds after it arrived."""
    contact = Contact(id="c1", queue="soporte", created_at=clock.now())
    contact.offer(1, now=clock.advance(5))
    contact.answer(now=clock.advance(3))
    return contact

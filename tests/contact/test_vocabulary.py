"""The call vocabulary has one source, the engine (issue 15): the models' choices are its enums' values, the lists
of states by meaning are its own, and the engine's events carry its EventKind."""

from __future__ import annotations

from datetime import UTC, datetime

from atiende import engine
from atiende.contact import models, selectors


def test_model_choices_are_the_engines_enums_with_labels():
    assert [value for value, _label in models.ContactState.choices] == [s.value for s in engine.ContactState]
    assert [value for value, _label in models.TechnicianStatus.choices] == [
        s.value for s in engine.TechnicianStatus]
    assert models.ContactState.TALKING == engine.ContactState.TALKING
    assert models.Contact._meta.get_field("state").choices == models.ContactState.choices
    assert str(models.TechnicianStatus("en_pausa").label) in ("Paused", "En pausa")


def test_the_lists_of_states_are_the_engines():
    assert models.IN_CONVERSATION is engine.IN_CONVERSATION
    assert models.HUNG_UP is engine.HUNG_UP
    assert list(engine.OPEN_STATES) == selectors.LIVE
    everything = set(engine.OPEN_STATES) | set(engine.FINAL_STATES)
    assert everything == set(engine.ContactState)


def test_engine_events_carry_their_kind():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    contact = engine.Contact(id="1", queue="soporte", created_at=now)
    events = contact.offer(7, now=now)
    assert [e.kind for e in events] == [engine.EventKind.OFFERED] and events[0].kind == "offered"

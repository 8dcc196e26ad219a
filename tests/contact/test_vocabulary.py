"""The call vocabulary has one source, the engine (issue 15): the models' choices are its enums' values, the lists
of states by meaning are its own, and the engine's events carry its EventKind."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

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


# ---- no bare call vocabulary outside the engine ------------------------------------------------------------

ATIENDE = Path(__file__).resolve().parents[2] / "atiende"
# "created" is also the first event of a work order and of a customer (desk/): not only a call's.
EVENT_KINDS = {k.value for k in engine.EventKind} - {"created"}
VOCABULARY = EVENT_KINDS | {s.value for s in engine.ContactState} | {s.value for s in engine.TechnicianStatus}
NAMES = re.compile(r"\b(kind|state|status)\b")
KEYWORDS = {"kind", "kind__in", "state", "state__in", "status", "status__in"}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for element in node.elts for s in _strings(element)]
    return []


def _bare_vocabulary(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(NAMES.search(ast.unparse(o)) for o in operands):
                found += [(node.lineno, s) for o in operands for s in _strings(o) if s in VOCABULARY]
        elif isinstance(node, ast.keyword) and node.arg in KEYWORDS:
            found += [(node.value.lineno, s) for s in _strings(node.value) if s in VOCABULARY]
    return sorted(found)


def test_no_bare_event_kind_state_or_status_string_outside_the_engine():
    """A call's event kinds, states and technicians' statuses are compared and filtered through the engine's
    enums (EventKind, ContactState, TechnicianStatus), never as bare strings: a renamed value then breaks at
    import, not silently in a query that matches nothing."""
    offenders = []
    for path in sorted(ATIENDE.rglob("*.py")):
        relative = path.relative_to(ATIENDE.parent)
        if relative.parts[1] == "engine" or "migrations" in relative.parts:
            continue
        for line, text in _bare_vocabulary(ast.parse(path.read_text(), str(path))):
            offenders.append(f"{relative}:{line}: {text!r}")
    assert not offenders, "use engine.EventKind / ContactState / TechnicianStatus:\n" + "\n".join(offenders)


def test_the_vocabulary_check_sees_a_bare_string():
    sample = 'rows.filter(kind="answered")\nif row.state == "talking": pass\nok = event.type == "hangup"\n'
    assert _bare_vocabulary(ast.parse(sample)) == [(1, "answered"), (2, "talking")]

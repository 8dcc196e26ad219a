"""The SPEC transcript of a contact: its call events from the engine's log plus the supplied turns.

Times are seconds since the technician answered (the telephony recording
starts there); the queue wait before it goes in the ``start`` event's
``wait_seconds`` (PO-2). Every text is redacted before it is stored or scored
(ET-3, NT-3): a password said on the phone never reaches the database, and the
evidence quotes the scorer takes from the text cannot carry it either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from atiende.engine import EventKind
from atiende.language.redact import redact

# Engine log kinds (atiende/engine/contact.py) -> SPEC event types, with the fields the scorer reads.
_HOLD_FIELDS = ("reason", "customer_consent", "expected_minutes")
_TRANSFER_FIELDS = ("purpose", "customer_consent")


def redact_text(text: str) -> str:
    """The text with every credential and personal number replaced by its label (ET-3)."""
    return redact(text).text if text else text


def redact_transcript(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a SPEC transcript with every spoken or written text and free-text field redacted."""
    out = dict(data)
    events = data.get("events")
    if isinstance(events, list):
        cleaned: list[Any] = []
        for event in events:
            if isinstance(event, dict):
                event = dict(event)
                for key in ("text", "reason", "purpose"):
                    if isinstance(event.get(key), str):
                        event[key] = redact_text(event[key])
            cleaned.append(event)
        out["events"] = cleaned
    return out


def _seconds(moment: datetime, base: datetime) -> float:
    return round(max(0.0, (moment - base).total_seconds()), 1)


def call_events(log: list[tuple[str, datetime, dict[str, Any]]], answered_at: datetime) -> list[dict[str, Any]]:
    """SPEC events from the engine's log ``(kind, at, data)``, in order, from the answer on."""
    out: list[dict[str, Any]] = []
    for kind, at, data in log:
        if at < answered_at and kind != EventKind.ANSWERED:
            continue
        t = _seconds(at, answered_at)
        if kind == EventKind.ANSWERED:
            waited = data.get("waited_seconds")
            start: dict[str, Any] = {"t": 0.0, "type": "start"}
            if isinstance(waited, int | float) and waited >= 0:
                start["wait_seconds"] = round(float(waited), 1)
            out.append(start)
        elif kind == EventKind.HOLD:
            out.append({"t": t, "type": "hold", **{k: data[k] for k in _HOLD_FIELDS if k in data}})
        elif kind == EventKind.RESUMED:
            out.append({"t": t, "type": "resume"})
        elif kind == EventKind.TRANSFER_REQUESTED:
            event = {"t": t, "type": "transfer_request", **{k: data[k] for k in _TRANSFER_FIELDS if k in data}}
            target = data.get("to_queue") or data.get("to_technician")
            if target is not None:
                event["to"] = str(target)
            out.append(event)
        elif kind == EventKind.TRANSFER_ACCEPTED:
            out.append({"t": t, "type": "transfer_accepted"})
        elif kind == EventKind.TRANSFER_RETURNED and data.get("cause") != "hangup":
            # TR-5: declined, cancelled or timed out, the call came back to the first technician.
            out.append({"t": t, "type": "transfer_declined"})
        elif kind == EventKind.ESCALATED:
            out.append({"t": t, "type": "escalation", "reason": data.get("reason") or ""})
        elif kind == EventKind.HANGUP:
            out.append({"t": t, "type": "end"})
    return out


def merge(events: list[dict[str, Any]], turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Call events and turns in time order; the end goes last even if a turn's clock ran past it."""
    ends = [e for e in events if e.get("type") == "end"]
    rest = [e for e in events if e.get("type") != "end"]
    # Stable sort: at the same second the call event (a hold) comes before the words after it.
    timeline = sorted(rest + list(turns), key=lambda e: float(e["t"]))
    if ends:
        last = max([float(ends[-1]["t"])] + [float(e.get("end", e["t"])) for e in timeline])
        timeline.append({**ends[-1], "t": last})
    return timeline

"""The transcript of a finished contact (SPEC, "Public contracts"), parsed and checked.

A transcript is JSON::

    {"channel": "telefonico"|"presencial"|"email"|"chat",
     "customer": {"name", "address_as"?}, "technician": {"name", "tier"},
     "events": [{"t", "speaker": "tecnico"|"cliente", "text", "end"?} |
                {"t", "type": "start"|"end"|"hold"|"resume"|"transfer_request"|
                 "transfer_accepted"|"transfer_declined"|"escalation", ...}]}

``t`` is seconds since the contact began. A speech event may carry ``end``
(seconds) when the telephony side knows when the turn ended; otherwise its
length is estimated from its words (:data:`WORDS_PER_SECOND`), which is what
the interruption checks (AL-3, DN-8, HO-1) need.

Anything malformed raises :class:`TranscriptError` naming the field, so the
command line and the API can say exactly what to fix.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

CHANNELS = ("telefonico", "presencial", "email", "chat")
SPEAKERS = ("tecnico", "cliente")
EVENT_TYPES = (
    "start", "end", "hold", "resume", "transfer_request", "transfer_accepted",
    "transfer_declined", "escalation",
)
# Conversational Spanish runs at roughly 150-180 words a minute; the lower end
# keeps the estimate of a turn's end conservative (fewer false interruptions).
WORDS_PER_SECOND = 2.5
MIN_TURN_SECONDS = 0.8

_WORD = re.compile(r"\w+", re.UNICODE)


class TranscriptError(ValueError):
    """A transcript that does not follow the format; ``field`` names the culprit."""

    def __init__(self, field_path: str, es: str, en: str) -> None:
        super().__init__(f"{field_path}: {en}")
        self.field = field_path
        self.es = es
        self.en = en

    def message(self, language: str = "es") -> str:
        text = self.en if language.startswith("en") else self.es
        return f"{self.field}: {text}"


_FOLD = str.maketrans("áéíóúüñàèìòùâêîôûäëïöç", "aeiouunaeiouaeiouaeioc")


def fold(text: str) -> str:
    """Lower case without accents, so «Déjeme» and «dejeme» match the same pattern.

    Spanish letters go through a translation table (fast: this runs on every
    turn); anything else that still carries a mark is decomposed and stripped.
    The length never changes, so offsets stay valid.
    """
    folded = text.lower().translate(_FOLD)
    if folded.isascii():
        return folded
    return "".join(
        "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn")[:1] or ch
        if ord(ch) > 127 else ch
        for ch in folded
    )


@dataclass(slots=True)
class Turn:
    """One thing someone said or wrote."""

    index: int  # position among all events
    t: float
    speaker: str
    text: str
    end: float  # given, or estimated from the words
    end_given: bool
    folded: str = field(repr=False, default="")
    words: int = 0

    @property
    def is_technician(self) -> bool:
        return self.speaker == "tecnico"


@dataclass(slots=True)
class Event:
    """A call event (hold, transfer, ...) with its own fields."""

    index: int
    t: float
    type: str
    data: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass(slots=True)
class Transcript:
    channel: str
    customer_name: str
    address_as: str | None
    technician_name: str
    technician_tier: int
    turns: list[Turn]
    events: list[Event]
    # speech and events in order, as they happened
    timeline: list[Turn | Event]

    @property
    def is_voice(self) -> bool:
        return self.channel in ("telefonico", "presencial")

    @property
    def is_written(self) -> bool:
        return self.channel in ("email", "chat")

    def technician_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == "tecnico"]

    def customer_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == "cliente"]

    def events_of(self, *types: str) -> list[Event]:
        return [e for e in self.events if e.type in types]

    @property
    def started_at(self) -> float:
        starts = self.events_of("start")
        return starts[0].t if starts else (self.timeline[0].t if self.timeline else 0.0)

    @property
    def ended_at(self) -> float:
        ends = self.events_of("end")
        if ends:
            return ends[-1].t
        last = self.timeline[-1] if self.timeline else None
        if isinstance(last, Turn):
            return last.end
        return last.t if last else 0.0


def _number(value: Any) -> TypeGuard[int | float]:
    """A real, finite number (JSON has no NaN, but Python's decoder accepts it)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _require_text(obj: Mapping[str, Any], key: str, path: str, *, optional: bool = False) -> str | None:
    if key not in obj or obj[key] is None:
        if optional:
            return None
        raise TranscriptError(f"{path}.{key}", "falta el campo", "the field is missing")
    value = obj[key]
    if not isinstance(value, str) or (not optional and not value.strip()):
        raise TranscriptError(f"{path}.{key}", "debe ser un texto no vacío", "must be a non-empty string")
    return value


def _check_event_fields(raw: Mapping[str, Any], kind: str, path: str) -> None:
    for key in ("customer_consent",):
        if key in raw and not isinstance(raw[key], bool):
            raise TranscriptError(f"{path}.{key}", "debe ser true o false", "must be true or false")
    minutes = raw.get("expected_minutes")
    if minutes is not None and (not _number(minutes) or minutes <= 0):
        raise TranscriptError(
            f"{path}.expected_minutes", "debe ser un número mayor que cero",
            "must be a number greater than zero",
        )
    for key in ("reason", "purpose", "to"):
        if key in raw and raw[key] is not None and not isinstance(raw[key], str):
            raise TranscriptError(f"{path}.{key}", "debe ser un texto", "must be a string")
    wait = raw.get("wait_seconds")
    if kind == "start" and "wait_seconds" in raw and (not _number(wait) or wait < 0):
        raise TranscriptError(
            f"{path}.wait_seconds", "debe ser un número de segundos (0 o más)",
            "must be a number of seconds (0 or more)",
        )


def parse_transcript(data: Any) -> Transcript:
    """Check ``data`` (already decoded JSON) and build a :class:`Transcript`."""
    if not isinstance(data, Mapping):
        raise TranscriptError("(transcript)", "el transcript debe ser un objeto JSON",
                              "the transcript must be a JSON object")
    channel = data.get("channel")
    if channel is None:
        raise TranscriptError("channel", "falta el campo", "the field is missing")
    if channel not in CHANNELS:
        raise TranscriptError(
            "channel", f"debe ser uno de {', '.join(CHANNELS)}", f"must be one of {', '.join(CHANNELS)}",
        )
    customer = data.get("customer")
    if not isinstance(customer, Mapping):
        raise TranscriptError("customer", "debe ser un objeto con «name»", "must be an object with 'name'")
    customer_name = _require_text(customer, "name", "customer") or ""
    address_as = _require_text(customer, "address_as", "customer", optional=True)
    technician = data.get("technician")
    if not isinstance(technician, Mapping):
        raise TranscriptError("technician", "debe ser un objeto con «name» y «tier»",
                              "must be an object with 'name' and 'tier'")
    technician_name = _require_text(technician, "name", "technician") or ""
    tier = technician.get("tier", 1)
    if not isinstance(tier, int) or isinstance(tier, bool) or tier < 1:
        raise TranscriptError("technician.tier", "debe ser un entero de 1 en adelante",
                              "must be an integer, 1 or more")
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        raise TranscriptError("events", "debe ser una lista de eventos", "must be a list of events")
    if not raw_events:
        raise TranscriptError("events", "la lista está vacía", "the list is empty")

    turns: list[Turn] = []
    events: list[Event] = []
    timeline: list[Turn | Event] = []
    previous_t = float("-inf")
    for i, raw in enumerate(raw_events):
        path = f"events[{i}]"
        if not isinstance(raw, Mapping):
            raise TranscriptError(path, "debe ser un objeto", "must be an object")
        t = raw.get("t")
        if not _number(t) or t < 0:
            raise TranscriptError(f"{path}.t", "debe ser un número de segundos (0 o más)",
                                  "must be a number of seconds (0 or more)")
        if t < previous_t:
            raise TranscriptError(f"{path}.t", "va hacia atrás en el tiempo: los eventos deben estar en orden",
                                  "goes back in time: events must be in order")
        previous_t = float(t)
        if "speaker" in raw:
            speaker = raw["speaker"]
            if speaker not in SPEAKERS:
                raise TranscriptError(f"{path}.speaker", "debe ser «tecnico» o «cliente»",
                                      "must be 'tecnico' or 'cliente'")
            text = raw.get("text")
            if not isinstance(text, str):
                raise TranscriptError(f"{path}.text", "debe ser un texto", "must be a string")
            words = len(_WORD.findall(text))
            end_raw = raw.get("end")
            if end_raw is not None:
                if not _number(end_raw) or end_raw < t:
                    raise TranscriptError(f"{path}.end", "debe ser un número de segundos no anterior a «t»",
                                          "must be a number of seconds not before 't'")
                end, given = float(end_raw), True
            else:
                end, given = float(t) + max(MIN_TURN_SECONDS, words / WORDS_PER_SECOND), False
            turn = Turn(i, float(t), speaker, text, end, given, fold(text), words)
            turns.append(turn)
            timeline.append(turn)
        elif "type" in raw:
            kind = raw["type"]
            if kind not in EVENT_TYPES:
                raise TranscriptError(f"{path}.type", f"debe ser uno de {', '.join(EVENT_TYPES)}",
                                      f"must be one of {', '.join(EVENT_TYPES)}")
            _check_event_fields(raw, kind, path)
            event = Event(i, float(t), kind, raw)
            events.append(event)
            timeline.append(event)
        else:
            raise TranscriptError(path, "necesita «speaker» (lo que se dijo) o «type» (un evento)",
                                  "needs 'speaker' (something said) or 'type' (an event)")
    return Transcript(
        channel=channel, customer_name=customer_name.strip(), address_as=address_as,
        technician_name=technician_name.strip(), technician_tier=tier,
        turns=turns, events=events, timeline=timeline,
    )

"""The frames a chat websocket accepts, checked before anything else reads them.

A frame is one JSON object of at most :data:`FRAME_LIMIT` bytes with a ``type``; a message's text
is at most :data:`TEXT_LIMIT` characters once trimmed. Anything else is refused with a
:class:`FrameError` whose code the client can act on (docs/chat.md lists them) and a message in
Spanish and English; the socket stays open, nothing is stored.

The customer's widget speaks ``join`` (first, with the session's token), ``message``, ``typing``,
``read``, ``resume``, ``consent`` (yes or no to a transfer the technician proposed, TR-3), ``end``
and ``ping``; a technician's console speaks ``subscribe``/``unsubscribe`` to a
chat and the same ``message``, ``typing`` and ``read`` naming the chat, plus a message's visibility
(``internal`` is a note the customer never receives).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from atiende.practices import Refusal

FRAME_LIMIT = 16 * 1024  # bytes of one websocket text frame (a full message in any script fits)
TEXT_LIMIT = 4000  # characters of one message, as a long e-mail paragraph; longer is refused, never cut
CLIENT_ID_LIMIT = 64
TOKEN_LIMIT = 200
SEQ_LIMIT = 2**53 - 1  # what a browser's Number holds exactly

CUSTOMER_TYPES = frozenset({"join", "message", "typing", "read", "resume", "consent", "end", "ping"})
TECHNICIAN_TYPES = frozenset({"subscribe", "unsubscribe", "message", "typing", "read", "ping"})
VISIBILITIES = ("public", "internal")

_CLIENT_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{CLIENT_ID_LIMIT}}}")
_TOKEN = re.compile(rf"[A-Za-z0-9_.-]{{16,{TOKEN_LIMIT}}}")
_KEPT_CONTROLS = {"\n", "\t"}


class FrameError(Refusal):
    """A frame the socket cannot act on: ``code`` for the client, messages in both languages."""

    def __init__(self, code: str, *, es: str, en: str, rule: str | None = None) -> None:
        super().__init__(code, rule=rule, es=es, en=en, status=400)


@dataclass(frozen=True, slots=True)
class Frame:
    """One checked frame. Only the fields of its type are set."""

    type: str
    chat: int | None = None
    token: str = ""
    client_id: str = ""
    text: str = ""
    visibility: str = "public"
    active: bool = False
    seq: int = 0
    last_seq: int = 0
    t: Any = None


def _decode(data: str | bytes | None, allowed: frozenset[str]) -> dict[str, Any]:
    if data is None:
        raise FrameError("bad_frame", es="Se esperaba un mensaje de texto JSON.", en="A JSON text frame was expected.")
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > FRAME_LIMIT:
        raise FrameError("frame_too_large",
                         es=f"El mensaje ocupa {size} bytes; el máximo es {FRAME_LIMIT}.",
                         en=f"The frame is {size} bytes; the most is {FRAME_LIMIT}.")
    try:
        content = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise FrameError("bad_frame", es="El mensaje no es JSON válido.", en="The frame is not valid JSON.") from None
    if not isinstance(content, dict) or not isinstance(content.get("type"), str):
        raise FrameError("bad_frame", es="El mensaje debe ser un objeto JSON con «type».",
                         en="The frame must be a JSON object with a «type».")
    if content["type"] not in allowed:
        kinds = ", ".join(sorted(allowed))
        raise FrameError("unknown_type", es=f"Tipo de mensaje desconocido; se aceptan: {kinds}.",
                         en=f"Unknown frame type; accepted: {kinds}.")
    return content


def clean_text(value: Any) -> str:
    """A message's text: trimmed, line ends as ``\\n``, no control characters but newline and tab; never empty,
    never longer than :data:`TEXT_LIMIT` (refused, not cut: the writer decides what to drop)."""
    if not isinstance(value, str):
        raise FrameError("bad_text", es="«text» debe ser texto.", en="«text» must be a string.")
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs"))
    text = text.strip()
    if not text:
        raise FrameError("empty_text", es="El mensaje está vacío.", en="The message is empty.")
    if len(text) > TEXT_LIMIT:
        raise FrameError("text_too_long",
                         es=f"El mensaje tiene {len(text)} caracteres; el máximo es {TEXT_LIMIT}.",
                         en=f"The message has {len(text)} characters; the most is {TEXT_LIMIT}.")
    return text


def _seq(content: dict[str, Any], name: str, *, required: bool) -> int:
    value = content.get(name)
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEQ_LIMIT:
        raise FrameError("bad_seq", es=f"«{name}» debe ser un número entero no negativo.",
                         en=f"«{name}» must be a non-negative integer.")
    return value


def _client_id(content: dict[str, Any]) -> str:
    value = content.get("client_id")
    if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
        raise FrameError("bad_client_id",
                         es=f"«client_id» debe tener de 1 a {CLIENT_ID_LIMIT} letras, cifras, «-» o «_».",
                         en=f"«client_id» must be 1 to {CLIENT_ID_LIMIT} letters, digits, «-» or «_».")
    return value


def _active(content: dict[str, Any]) -> bool:
    value = content.get("active", True)
    if not isinstance(value, bool):
        raise FrameError("bad_frame", es="«active» debe ser true o false.", en="«active» must be true or false.")
    return value


def _chat(content: dict[str, Any]) -> int:
    value = content.get("chat")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= SEQ_LIMIT:
        raise FrameError("bad_chat", es="«chat» debe ser el número de una conversación.",
                         en="«chat» must be a chat's id.")
    return value


def parse_customer_frame(data: str | bytes | None) -> Frame:
    """A frame from the customer's widget, checked."""
    content = _decode(data, CUSTOMER_TYPES)
    kind = content["type"]
    if kind == "join":
        token = content.get("token")
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            raise FrameError("bad_token", es="La sesión de chat no es válida o ha caducado; empiece una nueva.",
                             en="The chat session is not valid or has expired; start a new one.")
        return Frame(kind, token=token, last_seq=_seq(content, "last_seq", required=False))
    if kind == "message":
        return Frame(kind, client_id=_client_id(content), text=clean_text(content.get("text")))
    if kind == "typing":
        return Frame(kind, active=_active(content))
    if kind == "read":
        return Frame(kind, seq=_seq(content, "seq", required=True))
    if kind == "resume":
        return Frame(kind, last_seq=_seq(content, "last_seq", required=True))
    if kind == "consent":
        answer = content.get("answer")
        if not isinstance(answer, bool):
            raise FrameError("bad_frame", es="«answer» debe ser true (sí) o false (no).",
                             en="«answer» must be true (yes) or false (no).", rule="TR-3")
        return Frame(kind, active=answer)
    if kind == "end":
        return Frame(kind)
    return Frame(kind, t=content.get("t") if isinstance(content.get("t"), int | float | str) else None)


def parse_technician_frame(data: str | bytes | None) -> Frame:
    """A frame from a technician's console, checked (who may act on the chat is the service's question)."""
    content = _decode(data, TECHNICIAN_TYPES)
    kind = content["type"]
    if kind == "ping":
        return Frame(kind, t=content.get("t") if isinstance(content.get("t"), int | float | str) else None)
    chat = _chat(content)
    if kind == "subscribe":
        return Frame(kind, chat=chat, last_seq=_seq(content, "last_seq", required=False))
    if kind == "unsubscribe":
        return Frame(kind, chat=chat)
    if kind == "message":
        visibility = content.get("visibility", "public")
        if visibility not in VISIBILITIES:
            raise FrameError("bad_visibility", es="«visibility» debe ser «public» o «internal».",
                             en="«visibility» must be «public» or «internal».")
        return Frame(kind, chat=chat, client_id=_client_id(content), text=clean_text(content.get("text")),
                     visibility=visibility)
    if kind == "typing":
        return Frame(kind, chat=chat, active=_active(content))
    return Frame(kind, chat=chat, seq=_seq(content, "seq", required=True))

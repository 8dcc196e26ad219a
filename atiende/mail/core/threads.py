"""Threading keys: the ``[#NUMBER]`` subject tag and RFC 5322 Message-ID chains."""

from __future__ import annotations

import re
import secrets

TAG = re.compile(r"\[#(\d{1,9})\]")
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|fw|fwd|rv|res|enc)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def tagged_numbers(subject: str) -> list[int]:
    """The work-order numbers a subject carries as ``[#123]``, in order."""
    return [int(found) for found in TAG.findall(subject or "")]


def tag_subject(subject: str, number: int) -> str:
    """The subject with ``[#number]`` in front, unless it already carries that tag."""
    subject = " ".join((subject or "").split())
    if number in tagged_numbers(subject):
        return subject
    return f"[#{number}] {subject}".strip()


def reply_subject(subject: str, number: int) -> str:
    """``Re: [#123] ...``: one reply prefix, one tag, whatever prefixes the subject collected."""
    bare = _REPLY_PREFIX.sub("", " ".join((subject or "").split()))
    return f"Re: {tag_subject(bare, number)}"


def untagged(subject: str) -> str:
    """The subject without reply prefixes nor tags (a work order's title)."""
    bare = TAG.sub("", _REPLY_PREFIX.sub("", subject or ""))
    return " ".join(_REPLY_PREFIX.sub("", bare).split())


def message_ids(value: str | None) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References header, without the angle brackets."""
    return _MESSAGE_ID.findall(value or "")


def new_message_id(domain: str) -> str:
    """A fresh, unguessable Message-ID (without brackets) in our domain."""
    return f"{secrets.token_hex(12)}@{domain or 'atiende.invalid'}"

"""Checks for uploaded attachments: size, and a type proven by the file's first bytes.

Work-order attachments (atiende/desk/attachments.py) pass every file through
:func:`check_upload` before storing it, as anything that takes files later
(email attachments, say) must. The declared content type and the file
name's extension are not trusted: the content must look like one of the allowed
types, and the extension must agree with it. Executables, HTML and SVG (which
can carry scripts) are refused.

Settings: ``ATIENDE_UPLOAD_MAX_BYTES`` (default 10 MiB). The server stops reading any request
whose body is larger than that and 1 MiB for the form around it (:func:`max_request_bytes`): it answers
413 without storing the body, in memory or on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from atiende.errors import InputError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
REQUEST_ALLOWANCE = 1024 * 1024  # the form fields and multipart headers around the largest file


@dataclass(frozen=True)
class Kind:
    mime: str
    extensions: tuple[str, ...]


PDF = Kind("application/pdf", (".pdf",))
PNG = Kind("image/png", (".png",))
JPEG = Kind("image/jpeg", (".jpg", ".jpeg"))
GIF = Kind("image/gif", (".gif",))
WEBP = Kind("image/webp", (".webp",))
ZIP = Kind("application/zip", (".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods"))
TEXT = Kind("text/plain", (".txt", ".log", ".csv"))

_SIGNATURES: list[tuple[bytes, Kind]] = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"PK\x03\x04", ZIP),
]


def max_bytes() -> int:
    value = getattr(settings, "ATIENDE_UPLOAD_MAX_BYTES", None) or os.environ.get("ATIENDE_UPLOAD_MAX_BYTES")
    try:
        return int(value) if value else DEFAULT_MAX_BYTES
    except ValueError:
        return DEFAULT_MAX_BYTES


def max_request_bytes() -> int:
    """The largest request body the server reads (atiende/asgi.py): the largest file and room for the form."""
    return max_bytes() + REQUEST_ALLOWANCE


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return False
        text = head[: exc.start].decode("utf-8")
    lowered = text.lstrip().lower()
    # Markup a browser could run if the file were ever served inline.
    return not lowered.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script"))


def sniff(head: bytes) -> Kind | None:
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head and _looks_like_text(head):
        return TEXT
    return None


def check_upload(file: IO[bytes], *, name: str, size: int | None = None) -> Kind:
    """The file's type if it may be stored; :class:`InputError` (400/413) naming the problem."""
    limit = max_bytes()
    if size is None:
        position = file.tell()
        file.seek(0, os.SEEK_END)
        size = file.tell() - position
        file.seek(position)
    if size == 0:
        raise InputError("empty_file", _("The file is empty."), field="file")
    if size > limit:
        raise InputError(
            "file_too_large",
            _("The file is too large: %(size)d bytes; the limit is %(limit)d.") % {"size": size, "limit": limit},
            status=413, field="file",
        )
    position = file.tell()
    head = file.read(2048)
    file.seek(position)
    kind = sniff(head)
    extension = os.path.splitext(name or "")[1].lower()
    if kind is None:
        raise InputError("file_type_not_allowed",
                         _("This kind of file is not accepted. Send a PDF, an image, a text file or a ZIP."),
                         status=415, field="file")
    if extension not in kind.extensions:
        raise InputError(
            "file_extension_mismatch",
            _("The file's name (%(extension)s) does not match its content (%(mime)s).")
            % {"extension": extension or "-", "mime": kind.mime},
            status=415, field="file",
        )
    return kind

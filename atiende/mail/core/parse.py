"""One RFC 5322 message, as bytes, turned into what the desk needs (:func:`parse`).

The MIME work is the standard library's ``email`` package: its parser, transfer
decodings, RFC 2047 encoded words and RFC 2231 parameters (with the ``compat32``
policy, whose headers are plain strings: read lazily, a message costs a fraction
of what building every header object does; the body parts are chosen as
``EmailMessage.get_body`` would, the first inline text/plain and text/html). Mail is
whatever the world sends, so nothing here trusts it: a header in raw 8-bit, an
unknown charset, a part that fails to decode, a missing body all give a
readable result (with the trouble noted in :attr:`ParsedMail.problems`); only
a message without a usable sender is :class:`UnreadableMail`, since nobody
could be answered.

What the technician reads (:attr:`ParsedMail.shown`) is the new text alone:
quoted history and signatures are cut (mail-parser-reply, Spanish and English
headers, plus the Outlook separators it misses); the whole text stays in
:attr:`ParsedMail.text`. HTML is sanitised with nh3 (scripts, styles, event
handlers and remote content go) and turned into text with inscriptis when the
mail has no text part. winmail.dat (TNEF) is opened with tnefparse; if it
cannot be, it stays a file.
"""

from __future__ import annotations

import email
import email.parser
import email.policy
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

import nh3

from atiende.mail.core import loops
from atiende.mail.core.threads import message_ids

# Tags shown of a mail's HTML: nh3's defaults less images (remote images are trackers, inline ones are
# attachments) and quoted history where the mail marks it.
SHOWN_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
_DROPPED_WITH_CONTENT = {"script", "style", "title", "head"}
_OUTLOOK_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|mensaje original|forwarded message|mensaje reenviado)\s*-{2,}"
    r"|_{20,})\s*$", re.IGNORECASE | re.MULTILINE)
# "El lun, 3 feb 2025 a las 10:00, Soporte (<...>) escribió:" / "On ..., X wrote:", also wrapped over two
# lines (mail-parser-reply's Spanish pattern never matches).
_ATTRIBUTION = re.compile(r"^[ \t]*(El|On)\s[^\n]{4,300}(\n[^\n]{1,200})?\s(escribió|wrote)\s*:\s*$",
                          re.IGNORECASE | re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_RAW_BYTES = re.compile("[\udc80-\udcff]")  # raw 8-bit bytes the parser kept as surrogates
_reply_parser: Any = None  # mail-parser-reply's, made at first use (its import compiles many patterns)
TEXT_LIMIT = 200_000  # characters kept of a body: a 50 MB text body is a mistake or an attack


class UnreadableMail(Exception):
    """A message the desk cannot take in (kept raw and listed by ``atiende mail failed``)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Address:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class FilePart:
    """A file the mail carries: an attachment, an inline image, an opened winmail.dat's content."""

    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedMail:
    sender: Address
    subject: str = ""
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    reply_to: Address | None = None
    date: datetime | None = None
    language: str = ""  # Content-Language, when the sender said ("es", "en")
    text: str = ""  # the whole text, as received
    shown: str = ""  # the new text: no quoted history, no signature
    html: str = ""  # the HTML as received (sanitise before showing: see :func:`sanitise`)
    files: list[FilePart] = field(default_factory=list)
    automatic: str = ""  # why no automatic answer may go back ('' for a person's mail): see loops.py
    reported_ids: list[str] = field(default_factory=list)  # a bounce: the Message-IDs it reports on
    bounce_summary: str = ""  # a bounce: who could not be reached and why
    problems: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs that place this mail in a conversation, the nearest first."""
        seen: list[str] = []
        for found in [*self.in_reply_to, *reversed(self.references), *self.reported_ids]:
            if found not in seen and found != self.message_id:
                seen.append(found)
        return seen


def clean_text(value: Any) -> str:
    """Text safe to store: raw 8-bit bytes decoded (UTF-8, else Windows-1252), no NUL nor control characters."""
    text = str(value or "")
    if _RAW_BYTES.search(text):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", "replace")
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words (``=?utf-8?q?...?=``) decoded; an unknown charset keeps the raw text."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError, HeaderParseError):
        return value


def _header(message: Any, name: str) -> str:
    """A header's decoded value ('' when absent), unfolded. Raw 8-bit (no encoded words, as RFC 5322
    asks) is decoded from its bytes: UTF-8, else Windows-1252."""
    raw = message.get(name)
    if raw is None:
        return ""
    if not isinstance(raw, str):  # raw 8-bit: compat32 wraps it in a Header; take the stored text instead
        wanted = name.lower()
        raw = next((str(v) for k, v in message.raw_items() if k.lower() == wanted), "")
    return _header_text(raw)


def _header_text(raw: str) -> str:
    raw = " ".join(raw.split())
    if _RAW_BYTES.search(raw):
        return clean_text(raw)
    return clean_text(_decode_words(raw))


class _Headers:
    """A message's headers read as :func:`_header` reads each (the first of a name), the list walked once:
    ``Message.get`` walks it again, lower-casing every name, for each of the twenty a message is asked for."""

    def __init__(self, message: Any) -> None:
        self._first: dict[str, str] = {}
        for name, value in message.raw_items():  # the text as stored: what _header takes for raw 8-bit too
            self._first.setdefault(name.lower(), str(value))

    def __call__(self, name: str) -> str:
        raw = self._first.get(name.lower())
        return "" if raw is None else _header_text(raw)


def _address(header: Any, name: str) -> Address | None:
    raw = header(name)
    if not raw:
        return None
    realname, addr = parseaddr(raw)
    if "@" not in addr:
        found = [pair for pair in getaddresses([raw[:2000]]) if "@" in pair[1]]
        if not found:
            return None
        realname, addr = found[0]
    local, _, domain = addr.strip().rpartition("@")
    if not local or not domain or any(ch.isspace() for ch in addr.strip()) or len(addr) > 254:
        return None
    return Address(name=" ".join(realname.split())[:200], email=f"{local}@{domain.lower()}")


def _decoded(part: Any, problems: list[str]) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:  # a broken transfer encoding: keep what the part says
        problems.append(f"undecodable part {part.get_content_type()}: {exc}")
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _part_text(part: Any, problems: list[str]) -> str:
    """A text part decoded by its declared charset; an unknown or wrong one (or none, with 8-bit
    text) falls back to UTF-8, then Windows-1252, noting the trouble."""
    data = _decoded(part, problems)
    declared = part.get_content_charset() or ""
    for charset in (declared, "utf-8") if declared not in ("", "us-ascii", "utf-8") else ("utf-8",):
        try:
            return clean_text(data.decode(charset))
        except (LookupError, UnicodeDecodeError):
            problems.append(f"{part.get_content_type()} is not {charset}")
    return clean_text(data.decode("cp1252", "replace"))


def _attributes(tags: set[str]) -> dict[str, set[str]]:
    return {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items() if tag in tags}


def sanitise(html: str) -> str:
    """HTML safe to show: nh3's allowed tags less images; scripts and styles go with their content."""
    return nh3.clean(html or "", tags=SHOWN_TAGS, attributes=_attributes(SHOWN_TAGS), clean_content_tags=_DROPPED_WITH_CONTENT,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer nofollow")


def html_to_text(html: str, *, without_quotes: bool = False) -> str:
    """The text of an HTML body (sanitised first); ``without_quotes`` drops <blockquote> history."""
    tags = SHOWN_TAGS - {"blockquote"} if without_quotes else SHOWN_TAGS
    dropped = _DROPPED_WITH_CONTENT | ({"blockquote"} if without_quotes else set())
    safe = nh3.clean(html or "", tags=tags, attributes=_attributes(tags), clean_content_tags=dropped)
    if not safe.strip():
        return ""
    try:
        import inscriptis  # imported on first use: it pulls lxml, ~0.2 s every process would pay at start

        return clean_text(inscriptis.get_text(safe)).strip()
    except Exception:  # inscriptis on a pathological tree: the tags' text is still better than nothing
        return clean_text(re.sub(r"<[^>]+>", " ", safe)).strip()


def new_text(text: str) -> str:
    """What the sender wrote this time: quoted history and signature cut (the whole text if nothing is left)."""
    text = (text or "").strip()
    if not text:
        return ""
    cuts = [found.start() for found in (_OUTLOOK_SEPARATOR.search(text), _ATTRIBUTION.search(text)) if found]
    head = text[: min(cuts)] if cuts else text
    global _reply_parser
    try:
        if _reply_parser is None:
            from mailparser_reply import EmailReplyParser

            _reply_parser = EmailReplyParser(languages=["es", "en"])
        replies = _reply_parser.read(head[:TEXT_LIMIT]).replies
        shown = replies[0].body.strip() if replies else ""
    except Exception:  # a reply parser failing is no reason to lose the mail
        shown = head.strip()
    if not shown or all(line.startswith(">") for line in shown.splitlines() if line.strip()):
        shown = head.strip() or text
    return shown


def _filename(part: Any, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    name = clean_text(_decode_words(str(name or ""))).strip()
    if name:
        return name
    subtype = part.get_content_subtype() or "bin"
    extension = {"plain": "txt", "jpeg": "jpg", "rfc822": "eml", "octet-stream": "bin"}.get(subtype, subtype)
    return f"attachment-{index}.{extension[:10]}"


def _tnef_files(data: bytes, problems: list[str]) -> list[FilePart] | None:
    """The files inside a winmail.dat, or None when it cannot be opened (then it stays a file)."""
    try:
        from tnefparse import TNEF

        tnef = TNEF(data)
        files = [FilePart(filename=clean_text(getattr(item, "long_filename", lambda: "")() or item.name or
                                              f"attachment-{n}.bin"),
                          content_type="application/octet-stream", data=bytes(item.data or b""))
                 for n, item in enumerate(tnef.attachments, start=1)]
    except Exception as exc:
        problems.append(f"winmail.dat could not be opened: {exc}")
        return None
    return files


def _report(part: Any, mail: ParsedMail) -> None:
    """A delivery status notification (RFC 3464): what failed, and the Message-ID of the mail it reports on."""
    for sub in part.walk():
        kind = sub.get_content_type()
        if kind == "message/delivery-status":
            lines = []
            for block in sub.get_payload() if isinstance(sub.get_payload(), list) else []:
                recipient = _header(block, "Final-Recipient") or _header(block, "Original-Recipient")
                status = _header(block, "Status")
                diagnostic = _header(block, "Diagnostic-Code")
                if recipient or status:
                    lines.append(" ".join(x for x in (recipient.split(";")[-1].strip(), status, diagnostic) if x))
            mail.bounce_summary = "\n".join(lines)[:2000]
        elif kind in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            if kind == "message/rfc822" and isinstance(sub.get_payload(), list) and sub.get_payload():
                inner = sub.get_payload()[0]
                found = message_ids(_header(inner, "Message-ID"))
            else:
                match = re.search(r"(?im)^message-id:\s*(.*)$", _part_text(sub, mail.problems))
                found = message_ids(match.group(1)) if match else []
            mail.reported_ids.extend(x for x in found if x not in mail.reported_ids)


def peek(raw: bytes) -> tuple[str, str]:
    """From and Subject as written, for listing a message that could not be read (never raises)."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:256 * 1024])
        return _header(headers, "From")[:254], " ".join(_header(headers, "Subject").split())[:300]
    except Exception:
        return "", ""


def parse(raw: bytes) -> ParsedMail:
    """Read one message. Raises :class:`UnreadableMail` only when nobody could be answered (no sender)."""
    if not raw or not raw.strip():
        raise UnreadableMail("empty", "The message is empty.")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # the parser is lenient; this is a last resort
        raise UnreadableMail("unparseable", f"The message could not be parsed: {exc}") from exc
    header = _Headers(message)
    sender = _address(header, "From") or _address(header, "Sender")
    if sender is None:
        raise UnreadableMail("no_sender", "The message has no valid sender address (From): "
                                          f"{header('From')[:200]!r}.")
    mail = ParsedMail(sender=sender)
    mail.problems.extend(str(defect) for defect in getattr(message, "defects", [])[:20])
    mail.subject = " ".join(header("Subject").split())[:300]
    ids = message_ids(header("Message-ID"))
    mail.message_id = ids[0] if ids else ""
    mail.in_reply_to = message_ids(header("In-Reply-To"))[:20]
    mail.references = message_ids(header("References"))[-50:]
    mail.reply_to = _address(header, "Reply-To")
    mail.language = header("Content-Language").split(",")[0].strip().lower()[:2]
    try:
        date = header("Date")
        mail.date = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError, IndexError):
        mail.problems.append("unreadable Date header")
    content_type = message.get_content_type()
    mail.automatic = loops.automatic_reason(header, content_type=content_type, sender=sender.email)
    if content_type == "multipart/report":
        _report(message, mail)
    _bodies(message, mail)
    return mail


def _bodies(message: Any, mail: ParsedMail) -> None:
    problems = mail.problems
    plain: Any = None
    html: Any = None
    leaves = _leaves(message)
    kinds = [part.get_content_type() for part in leaves]  # read once a part (each reading walks its headers)
    for part, kind in zip(leaves, kinds, strict=True):
        maintype, _slash, subtype = kind.partition("/")
        if maintype != "text" or (part.get_content_disposition() or "") == "attachment":
            continue
        if subtype == "plain" and plain is None:
            plain = part
        elif subtype == "html" and html is None:
            html = part
    if plain is None and html is None and not message.is_multipart():
        kind = message.get_content_type()
        if kind == "text/html":
            html = message
        elif kind.startswith("text/") or not message.get_content_maintype() or kind == "text/plain":
            plain = message
    if html is not None:
        mail.html = _part_text(html, problems)[: TEXT_LIMIT * 5]
    if plain is not None:
        mail.text = _part_text(plain, problems)[:TEXT_LIMIT]
        mail.shown = new_text(mail.text)
    elif mail.html:
        whole = html_to_text(mail.html)
        mail.text = whole[:TEXT_LIMIT]
        # Without <blockquote> history the text without quotes is the same text: not made twice.
        unquoted = html_to_text(mail.html, without_quotes=True) if "blockquote" in mail.html.lower() else whole
        mail.shown = new_text(unquoted) or mail.text
    bodies = {id(plain), id(html)}
    index = 0
    for part, kind in zip(leaves, kinds, strict=True):
        if id(part) in bodies:
            continue
        if part is message and not message.is_multipart() and (plain is not None or html is not None):
            continue
        if content_type_is_report(mail, kind):
            continue
        index += 1
        if kind == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else _decoded(part, problems)
        else:
            data = _decoded(part, problems)
        name = _filename(part, index)
        if kind == "application/ms-tnef" or name.lower() == "winmail.dat":
            opened = _tnef_files(data, problems)
            if opened is not None:
                mail.files.extend(opened)
                continue
        content_id = message_ids(_header(part, "Content-ID"))
        disposition = (part.get_content_disposition() or "").lower()
        mail.files.append(FilePart(filename=name, content_type=kind, data=data,
                                   inline=disposition == "inline" or bool(content_id),
                                   content_id=content_id[0] if content_id else ""))


def content_type_is_report(mail: ParsedMail, kind: str) -> bool:
    """A bounce's machine-readable parts: read by :func:`_report`, not files for the technician."""
    return mail.automatic == loops.BOUNCE and kind in ("message/delivery-status", "text/rfc822-headers", "message/rfc822",
                                                       "message/rfc822-headers")


def _leaves(part: Any) -> list[Any]:
    """The non-multipart parts, in order, not looking inside attached messages (they are files)."""
    if not part.is_multipart() or part.get_content_maintype() == "message":
        return [part]
    payload = part.get_payload()
    return [leaf for sub in (payload if isinstance(payload, list) else []) for leaf in _leaves(sub)]

"""Outgoing mail: one source text, sent as a text part and an HTML part (:func:`build`).

The HTML is made from the text (escaped, links made clickable, paragraphs kept),
so both parts always say the same. Threading headers (Message-ID, In-Reply-To,
References) let the customer's mail program keep the conversation together, and
the ``[#NUMBER]`` tag in the subject lets us find it again when they do not
(:mod:`threads`). Automatic mail says so (RFC 3834 ``Auto-Submitted``) and asks
the other side's robots not to answer it (``X-Auto-Response-Suppress``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime

AUTO_REPLIED = "auto-replied"  # an answer to someone's mail (acknowledgement)
AUTO_GENERATED = "auto-generated"  # mail nobody's mail asked for (survey, reminder, notification)

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class OutgoingMail:
    sender: str  # "Soporte <soporte@example.com>"
    to: list[str]
    subject: str
    text: str
    message_id: str  # without brackets
    date: datetime
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    automatic: str = ""  # AUTO_REPLIED, AUTO_GENERATED or '' (a person's reply)
    language: str = "es"
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


def text_to_html(text: str, *, language: str = "es") -> str:
    """The HTML part of a text: escaped, links clickable, blank lines as paragraphs."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]

    def paragraph(block: str) -> str:
        escaped = html.escape(block)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        return "<p>" + linked.replace("\n", "<br>\n") + "</p>"

    body = "\n".join(paragraph(p) for p in paragraphs)
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(language)}"><head><meta charset="utf-8"></head>'
            f'<body style="font-family: sans-serif; line-height: 1.4">\n{body}\n</body></html>\n')


def address_header(value: str) -> str:
    """A "Name <addr>" as a header value (a non-ASCII name is encoded, a bare address kept)."""
    from email.utils import parseaddr

    name, addr = parseaddr(value)
    if not addr:
        return value
    local, _, domain = addr.rpartition("@")
    return str(HeaderAddress(display_name=name, username=local, domain=domain))


def build(mail: OutgoingMail) -> EmailMessage:
    """The message, ready for SMTP (``bytes(message)``)."""
    message = EmailMessage()
    message["From"] = address_header(mail.sender)
    message["To"] = ", ".join(address_header(x) for x in mail.to)
    message["Subject"] = " ".join(mail.subject.split())
    message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = f"<{mail.message_id}>"
    if mail.in_reply_to:
        message["In-Reply-To"] = f"<{mail.in_reply_to}>"
    references = [x for x in mail.references if x] or ([mail.in_reply_to] if mail.in_reply_to else [])
    if references:
        message["References"] = " ".join(f"<{x}>" for x in references[-20:])
    if mail.automatic:
        message["Auto-Submitted"] = mail.automatic
        message["X-Auto-Response-Suppress"] = "All"
    message["Content-Language"] = mail.language
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text.strip() + "\n")
    message.add_alternative(text_to_html(mail.text, language=mail.language), subtype="html")
    for item in mail.attachments:
        maintype, _, subtype = (item.content_type or "application/octet-stream").partition("/")
        message.add_attachment(item.data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=item.filename)
    return message

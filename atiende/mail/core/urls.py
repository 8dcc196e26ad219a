"""The mail servers' settings, as URLs (SPEC, Written channels).

``ATIENDE_IMAP_URL``: ``imaps://user:password@host:993/INBOX`` (several, comma-separated;
``imap://`` for plain); ``?move_to=FOLDER`` moves each stored message to that folder instead
of only marking it. ``ATIENDE_SMTP_URL``: ``smtp://host:25``, ``smtps://user:password@host:465``,
``smtp+starttls://user:password@host:587``. User names and passwords are percent-encoded
(``%40`` for an ``@`` in a user name).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


class MailSettingError(ValueError):
    """A mail URL that cannot work; the message names the setting and the fix."""


@dataclass(frozen=True)
class ImapMailbox:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str
    move_to: str = ""  # where a stored message goes; empty: it stays, marked

    @property
    def key(self) -> str:
        """What names this mailbox in the stored UIDs (no password)."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"[:200]


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # "none", "ssl" or "starttls"
    username: str
    password: str


def _split(value: str, setting: str, schemes: dict[str, int]) -> tuple[str, str, int, str, str, str, str]:
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError as exc:
        raise MailSettingError(f"{setting}: {value.split('@')[-1]!r} is not a valid URL ({exc}).") from exc
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        raise MailSettingError(f"{setting}: the scheme must be one of {', '.join(schemes)}, not {scheme!r}.")
    if not parts.hostname:
        raise MailSettingError(f"{setting}: the URL names no host.")
    return (scheme, parts.hostname, port or schemes[scheme], unquote(parts.username or ""),
            unquote(parts.password or ""), unquote(parts.path.lstrip("/")), parts.query)


def imap_mailboxes(value: str) -> list[ImapMailbox]:
    """The mailboxes of ``ATIENDE_IMAP_URL`` (empty when unset)."""
    found = []
    for item in (value or "").split(","):
        if not item.strip():
            continue
        scheme, host, port, user, password, folder, query = _split(
            item, "ATIENDE_IMAP_URL", {"imaps": 993, "imap": 143})
        if not user:
            raise MailSettingError("ATIENDE_IMAP_URL: the URL needs a user name and password "
                                   "(imaps://user:password@host/INBOX).")
        options = parse_qs(query, keep_blank_values=True)
        unknown = sorted(set(options) - {"move_to"})
        if unknown:
            raise MailSettingError(f"ATIENDE_IMAP_URL: unknown option {unknown[0]!r}; the one option is "
                                   "move_to=FOLDER (imaps://user:password@host/INBOX?move_to=Atiende).")
        move_to = (options.get("move_to") or [""])[-1].strip()
        folder = folder or "INBOX"
        if "move_to" in options and (not move_to or move_to == folder):
            raise MailSettingError("ATIENDE_IMAP_URL: move_to names the folder stored messages go to, "
                                   "another than the one read.")
        found.append(ImapMailbox(host=host, port=port, ssl=scheme == "imaps", username=user, password=password,
                                 folder=folder, move_to=move_to))
    return found


def smtp_server(value: str) -> SmtpServer | None:
    """The server of ``ATIENDE_SMTP_URL`` (None when unset: mail stays in the local outbox)."""
    if not (value or "").strip():
        return None
    scheme, host, port, user, password, _path, _query = _split(
        value, "ATIENDE_SMTP_URL", {"smtp": 25, "smtps": 465, "smtp+starttls": 587})
    security = {"smtp": "none", "smtps": "ssl", "smtp+starttls": "starttls"}[scheme]
    return SmtpServer(host=host, port=port, security=security, username=user, password=password)

"""Real mail servers for the mail tests: Debian's Dovecot (IMAP) and aiosmtpd (SMTP). Never mocks.

Dovecot runs once per test session, unprivileged (as the ``dovecot`` user when the tests
run as root, else as whoever runs them), on a free port, with a throwaway configuration:
plain IMAP, a passwd-file user, Maildir under a temporary folder. Each test gets its own
folder of that mailbox (:func:`imap_mailbox`). Without Dovecot (``scripts/ensure-dovecot.sh``
installs it as root) the IMAP tests are skipped with the reason.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import pytest

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "soporte@example.com", "secreto-imap"
_folders = count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@dataclass
class Dovecot:
    port: int
    folder_root: str

    def url(self, folder: str = "INBOX") -> str:
        return f"imap://soporte%40example.com:{PASSWORD}@127.0.0.1:{self.port}/{folder}"


CONFIG = """
base_dir = {base}/run
state_dir = {base}/state
instance_name = atiende-test-{port}
log_path = {base}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
mail_location = maildir:{base}/home/%n/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={base}/home/%n
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not os.access(DOVECOT, os.X_OK):
        pytest.skip("Dovecot is not installed (scripts/ensure-dovecot.sh installs Debian's dovecot-imapd as root)")
    running_as = pwd.getpwuid(os.getuid())
    account = pwd.getpwnam("dovecot") if os.getuid() == 0 else running_as
    base = tempfile.mkdtemp(prefix="atiende-dovecot-")
    os.chmod(base, 0o755)
    port = free_port()
    group = account.pw_gid
    import grp

    with open(os.path.join(base, "dovecot.conf"), "w") as handle:
        handle.write(CONFIG.format(base=base, port=port, user=account.pw_name, group=grp.getgrgid(group).gr_name))
    with open(os.path.join(base, "passwd"), "w") as handle:
        handle.write(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    if os.getuid() == 0:  # Dovecot's own processes (the dovecot user) read and write there
        for path in (base, os.path.join(base, "dovecot.conf"), os.path.join(base, "passwd")):
            os.chown(path, account.pw_uid, group)
    extra: dict[str, Any] = {"user": account.pw_uid, "group": group} if os.getuid() == 0 else {}
    process = subprocess.Popen([DOVECOT, "-F", "-c", os.path.join(base, "dovecot.conf")], **extra,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not _wait_for_port(port):
            process.kill()
            log = Path(base, "dovecot.log")
            said = log.read_text(errors="replace")[-500:] if log.exists() else ""
            pytest.skip(f"Dovecot did not start: {said}")
        yield Dovecot(port=port, folder_root=base)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def imap_url(dovecot: Dovecot) -> str:
    """A fresh, empty folder of the test mailbox, as an ATIENDE_IMAP_URL."""
    from imapclient import IMAPClient

    folder = f"Test{next(_folders)}"
    with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
        client.login(USER, PASSWORD)
        client.create_folder(folder)
    return dovecot.url(folder)


def append(url: str, *messages: bytes) -> None:
    """Deliver messages into the folder of an ``imap_url``, as the MTA would."""
    from imapclient import IMAPClient

    from atiende.mail.core.urls import imap_mailboxes

    box = imap_mailboxes(url)[0]
    with IMAPClient(box.host, port=box.port, ssl=False) as client:
        client.login(box.username, box.password)
        for raw in messages:
            client.append(box.folder, raw)


def unmarked(url: str) -> list[int]:
    """The UIDs of the folder's messages Atiende has not marked as taken in."""
    from imapclient import IMAPClient

    from atiende.mail.core.urls import imap_mailboxes
    from atiende.mail.imap import KEYWORD

    box = imap_mailboxes(url)[0]
    with IMAPClient(box.host, port=box.port, ssl=False) as client:
        client.login(box.username, box.password)
        client.select_folder(box.folder, readonly=True)
        return list(client.search(["NOT", "KEYWORD", KEYWORD]))


@dataclass
class SmtpSink:
    port: int
    received: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def messages(self) -> list[Any]:
        from email import message_from_bytes, policy

        return [message_from_bytes(envelope.content, policy=policy.default) for envelope in self.received]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free port; what it received is read back from ``received``."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
            sink.received.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


# ---- people and settings shared by the database tests ---------------------------------------

OUR_FROM = "Soporte Atiende <soporte@example.com>"


@pytest.fixture
def mail_settings(monkeypatch):
    """Our address; no SMTP server (the local outbox) and no mailboxes unless a test sets them."""
    monkeypatch.setenv("ATIENDE_MAIL_FROM", OUR_FROM)
    monkeypatch.setenv("ATIENDE_BASE_URL", "https://soporte.example.com")
    for name in ("ATIENDE_SMTP_URL", "ATIENDE_IMAP_URL", "ATIENDE_MAIL_RATE_LIMIT", "ATIENDE_MAIL_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def team(db):
    from atiende.people.models import Team

    return Team.objects.create(name="Soporte Madrid")


@pytest.fixture
def tech(team):
    from atiende.people.models import User

    user = User.objects.create_user("lucia", password="x-very-long-pass-2026", role="tecnico",
                                    email="lucia@example.com")
    user.teams.add(team)
    return user


def mail(sender: str = "Carmen Ruiz <carmen@example.org>", subject: str = "La impresora no imprime",
         body: str = "Hola, la impresora de la oficina no imprime desde ayer.", message_id: str = "",
         headers: str = "", language: str = "es") -> bytes:
    """A plain-text message as an MTA hands it over."""
    mid = message_id or f"m{next(_ids)}@example.org"
    return (f"From: {sender}\nTo: {OUR_FROM}\nSubject: {subject}\nMessage-ID: <{mid}>\n"
            f"Date: Mon, 07 Dec 2026 09:00:00 +0100\nContent-Language: {language}\n{headers}"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n").encode()


_ids = count(1)

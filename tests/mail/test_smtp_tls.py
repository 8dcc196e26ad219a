"""Email out over TLS: STARTTLS (smtp+starttls://) and implicit TLS (smtps://) against a real
SMTP server (aiosmtpd) with a throwaway self-signed certificate made here; a certificate
nobody vouches for sends nothing and loses nothing."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from atiende.mail import intake, outbox
from atiende.mail.models import OutboundMail
from tests.mail.conftest import free_port, mail

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (cryptography), valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class TlsSink:
    port: int
    received: list[Any] = field(default_factory=list)
    encrypted: list[bool] = field(default_factory=list)


def _server(certificate: tuple[Path, Path], *, implicit: bool) -> Iterator[TlsSink]:
    from aiosmtpd.controller import Controller

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    sink = TlsSink(port=free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
            sink.received.append(envelope)
            sink.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
            return "250 OK"

    if implicit:
        controller = Controller(Handler(), hostname="127.0.0.1", port=sink.port, ssl_context=context)
    else:
        controller = Controller(Handler(), hostname="127.0.0.1", port=sink.port, tls_context=context,
                                require_starttls=True)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(certificate) -> Iterator[TlsSink]:
    yield from _server(certificate, implicit=False)


@pytest.fixture
def smtps_server(certificate) -> Iterator[TlsSink]:
    yield from _server(certificate, implicit=True)


@pytest.fixture
def trusted(certificate, monkeypatch):
    """The test's certificate trusted as Python's default trust store is (SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


@pytest.fixture
def acknowledgement(mail_settings, team):
    def enqueue(url: str) -> OutboundMail:
        mail_settings.setenv("ATIENDE_SMTP_URL", url)
        mail_settings.setenv("ATIENDE_MAIL_RETRY_SECONDS", "60")
        intake.receive(mail())
        return OutboundMail.objects.get(kind="acknowledgement")

    return enqueue


def test_starttls_upgrades_the_session_before_the_mail_is_handed_over(trusted, starttls_server, acknowledgement):
    acknowledgement(f"smtp+starttls://localhost:{starttls_server.port}")
    assert outbox.send_due(worker="w1") == 1
    assert starttls_server.encrypted == [True] and len(starttls_server.received) == 1
    assert b"[#" in starttls_server.received[0].content  # the acknowledgement, number in the subject
    assert OutboundMail.objects.get().status == "sent"


def test_smtps_speaks_tls_from_the_first_byte(trusted, smtps_server, acknowledgement):
    acknowledgement(f"smtps://127.0.0.1:{smtps_server.port}")
    assert outbox.send_due(worker="w1") == 1
    assert smtps_server.encrypted == [True] and OutboundMail.objects.get().status == "sent"


def test_a_certificate_nobody_vouches_for_sends_nothing_and_the_mail_waits(starttls_server, acknowledgement,
                                                                           monkeypatch, tmp_path):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-bundle.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    acknowledgement(f"smtp+starttls://localhost:{starttls_server.port}")
    outbox.send_due(worker="w1")
    assert starttls_server.received == []
    row = OutboundMail.objects.get()
    assert row.status == "queued" and row.attempts == 1 and "CERTIFICATE_VERIFY_FAILED" in row.last_error

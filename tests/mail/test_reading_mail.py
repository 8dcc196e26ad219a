"""The pure core reads whatever mail the world sends: charsets, HTML, files, quoted history."""

from __future__ import annotations

import base64

import pytest

from atiende.mail.core import loops
from atiende.mail.core.parse import UnreadableMail, new_text, parse


def test_latin1_headers_in_raw_8bit_are_read_not_replaced():
    raw = ("From: Jos\xe9 Mar\xeda <jose@example.com>\nSubject: Impresi\xf3n rota\n"
           "Content-Type: text/plain\n\nNo imprime \xf1\n").encode("latin-1")
    mail = parse(raw)
    assert mail.sender.name == "José María"
    assert mail.subject == "Impresión rota"
    assert mail.text.strip() == "No imprime ñ"


def test_encoded_words_and_declared_charsets_are_decoded():
    raw = ("From: =?iso-8859-1?q?Pe=F1a?= <p@example.com>\nSubject: =?utf-8?b?" +
           base64.b64encode("¿Qué pasa?".encode()).decode() + "?=\nMIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n"
           "Se apag=F3 el equipo.\n").encode()
    mail = parse(raw)
    assert (mail.sender.name, mail.subject, mail.text.strip()) == ("Peña", "¿Qué pasa?", "Se apagó el equipo.")


def test_an_unknown_charset_falls_back_instead_of_failing():
    raw = b"From: a@example.com\nContent-Type: text/plain; charset=x-nonsense\n\nHola \xc3\xb1\n"
    mail = parse(raw)
    assert mail.text.strip() == "Hola ñ"
    assert mail.problems


def test_html_only_mail_gives_text_without_scripts_and_without_quoted_history():
    raw = b"""From: a@example.com
Subject: html
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>La impresora no imprime.</p><script>alert('x')</script><style>p{}</style>
<div class="gmail_quote">El lunes, Soporte escribi\xc3\xb3:<blockquote>Mensaje anterior</blockquote></div>
"""
    mail = parse(raw)
    assert "alert" not in mail.text and "alert" not in mail.shown
    assert mail.shown.startswith("La impresora no imprime.")
    assert "Mensaje anterior" not in mail.shown
    assert "Mensaje anterior" in mail.text  # the whole text stays


@pytest.mark.parametrize("quoted", [
    "El lun, 3 feb 2025 a las 10:00, Soporte (<soporte@example.com>) escribió:\n> ¿Ha reiniciado?\n",
    "On Mon, Feb 3, 2025 at 10:00 AM Soporte <soporte@example.com> wrote:\n> Did you restart?\n",
    "-----Mensaje original-----\nDe: Soporte <soporte@example.com>\nEnviado el: lunes\nAsunto: [#12] Impresora\n",
    "-----Original Message-----\nFrom: Soporte\nSent: Monday\n",
])
def test_quoted_history_is_cut_from_the_shown_text(quoted):
    assert new_text("Sigue sin funcionar.\n\n" + quoted) == "Sigue sin funcionar."


def test_a_message_that_is_only_quotes_keeps_its_text():
    assert new_text("> quoted only\n> more") == "> quoted only\n> more"


def test_attachments_and_inline_images_are_files_and_winmail_dat_stays_a_file_when_unreadable():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 30).decode()
    raw = f"""From: a@example.com
Subject: files
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=M

--M
Content-Type: multipart/related; boundary=R

--R
Content-Type: text/html; charset=utf-8

<p>Mire la captura <img src="cid:cap1"></p>
--R
Content-Type: image/png
Content-ID: <cap1>
Content-Transfer-Encoding: base64

{png}
--R--
--M
Content-Type: application/pdf; name="factura.pdf"
Content-Disposition: attachment; filename="factura.pdf"
Content-Transfer-Encoding: base64

{base64.b64encode(b"%PDF-1.4 test").decode()}
--M
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

{base64.b64encode(b"not really tnef").decode()}
--M--
""".encode()
    mail = parse(raw)
    names = [(f.filename, f.inline) for f in mail.files]
    assert names == [("attachment-1.png", True), ("factura.pdf", False), ("winmail.dat", False)]
    assert mail.files[0].content_id == "cap1"
    assert mail.shown == "Mire la captura"


def test_a_delivery_status_notification_is_a_bounce_naming_the_mail_it_reports_on():
    raw = b"""From: MAILER-DAEMON@mx.example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I could not deliver your message.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; nadie@example.org
Action: failed
Status: 5.1.1

--B
Content-Type: text/rfc822-headers

From: soporte@example.com
Message-ID: <orig123@atiende.example>

--B--
"""
    mail = parse(raw)
    assert mail.automatic == loops.BOUNCE
    assert mail.reported_ids == ["orig123@atiende.example"]
    assert "nadie@example.org" in mail.bounce_summary and "5.1.1" in mail.bounce_summary
    assert mail.files == []


@pytest.mark.parametrize("raw,code", [
    (b"", "empty"),
    (b"Subject: nobody\n\ntext\n", "no_sender"),
    (b"From: not an address\nSubject: x\n\ntext\n", "no_sender"),
])
def test_a_message_nobody_could_be_answered_is_unreadable(raw, code):
    with pytest.raises(UnreadableMail) as caught:
        parse(raw)
    assert caught.value.code == code


def test_malformed_mime_still_gives_the_text():
    raw = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=NEVER\n\nJust text, no parts\n"
    mail = parse(raw)
    assert "Just text" in mail.text or mail.problems


def test_ten_thousand_recipients_do_not_slow_reading_down():
    recipients = ", ".join(f"user{i}@example.com" for i in range(10_000))
    raw = f"From: a@example.com\nTo: {recipients}\nSubject: many\n\nHola\n".encode()
    assert parse(raw).text.strip() == "Hola"


def test_threading_ids_are_nearest_first():
    raw = (b"From: a@example.com\nMessage-ID: <m3@x>\nIn-Reply-To: <m2@x>\nReferences: <m1@x> <m2@x>\n\nHola\n")
    assert parse(raw).thread_ids == ["m2@x", "m1@x"]

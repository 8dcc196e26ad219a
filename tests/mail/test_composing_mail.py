"""Outgoing mail: one source for the text and HTML parts, threading headers, the tag, RFC 3834."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from atiende.mail.core import compose, threads
from atiende.mail.core.urls import MailSettingError, imap_mailboxes, smtp_server


def _built(**changes):
    mail = compose.OutgoingMail(sender="Soporte Técnico <soporte@example.com>", to=["Peña <pena@example.com>"],
                                subject="Re: [#12] Impresora", text="Hola <b>Carmen</b>,\n\nVea https://x.example/a.\n",
                                message_id="abc@example.com", date=datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
                                in_reply_to="theirs@example.org", references=["first@example.org", "theirs@example.org"],
                                **changes)
    return message_from_bytes(bytes(compose.build(mail)), policy=policy.default)


def test_text_and_html_parts_say_the_same_and_the_html_is_escaped():
    parsed = _built()
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Hola <b>Carmen</b>" in text
    assert "Hola &lt;b&gt;Carmen&lt;/b&gt;" in html
    assert '<a href="https://x.example/a">https://x.example/a</a>.' in html


def test_threading_headers_and_the_tag():
    parsed = _built()
    assert parsed["Message-ID"] == "<abc@example.com>"
    assert parsed["In-Reply-To"] == "<theirs@example.org>"
    assert parsed["References"] == "<first@example.org> <theirs@example.org>"
    assert threads.tagged_numbers(parsed["Subject"]) == [12]
    assert "Auto-Submitted" not in parsed  # a person's reply


def test_automatic_mail_says_so():
    parsed = _built(automatic=compose.AUTO_REPLIED)
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["X-Auto-Response-Suppress"] == "All"


def test_attachments_travel_with_the_mail():
    parsed = _built(attachments=[compose.Attachment("informe.pdf", "application/pdf", b"%PDF-1.4")])
    files = list(parsed.iter_attachments())
    assert [(f.get_filename(), f.get_content()) for f in files] == [("informe.pdf", b"%PDF-1.4")]


@pytest.mark.parametrize("subject,expected", [
    ("Impresora", "Re: [#7] Impresora"),
    ("Re: RE: Fwd: Impresora", "Re: [#7] Impresora"),
    ("Re: [#7] Impresora", "Re: [#7] Impresora"),
])
def test_reply_subjects_carry_one_prefix_and_one_tag(subject, expected):
    assert threads.reply_subject(subject, 7) == expected


def test_untagged_subject_is_a_title():
    assert threads.untagged("RE: [#7] Fwd: La impresora") == "La impresora"


def test_mail_urls():
    boxes = imap_mailboxes("imaps://soporte%40example.com:p%C3%A1ss@mail.example.com/INBOX, "
                           "imap://ventas:x@127.0.0.1:1143/Pedidos")
    assert [(b.host, b.port, b.ssl, b.username, b.password, b.folder) for b in boxes] == [
        ("mail.example.com", 993, True, "soporte@example.com", "páss", "INBOX"),
        ("127.0.0.1", 1143, False, "ventas", "x", "Pedidos")]
    assert smtp_server("smtps://u:p@smtp.example.com").port == 465
    assert smtp_server("smtp+starttls://smtp.example.com").security == "starttls"
    assert smtp_server("") is None
    with pytest.raises(MailSettingError):
        smtp_server("http://smtp.example.com")
    with pytest.raises(MailSettingError):
        imap_mailboxes("imaps://mail.example.com/INBOX")  # no user


def test_the_imap_url_may_name_a_folder_to_move_stored_mail_to():
    [box] = imap_mailboxes("imaps://u:p@mail.example.com/INBOX?move_to=Atiende%2FGuardado")
    assert (box.folder, box.move_to) == ("INBOX", "Atiende/Guardado")
    assert imap_mailboxes("imaps://u:p@mail.example.com/INBOX")[0].move_to == ""
    for wrong in ("?move=X", "?move_to=", "?move_to=INBOX"):
        with pytest.raises(MailSettingError, match="move_to"):
            imap_mailboxes(f"imaps://u:p@mail.example.com/INBOX{wrong}")

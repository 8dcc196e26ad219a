"""Email in: a mail becomes a message of a work order, threaded, acknowledged once, never lost."""

from __future__ import annotations

import pytest

from atiende.desk.models import ContactPoint, Customer, Message, WorkOrder, WorkOrderEvent
from atiende.mail import intake, outbox
from atiende.mail.models import InboundMail, OutboundMail
from atiende.privacy.models import VaultSecret
from tests.mail.conftest import mail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(mail_settings, team):
    return mail_settings


def test_a_new_mail_opens_a_work_order_for_a_new_customer_and_is_acknowledged_in_their_language():
    received = intake.receive(mail(sender="John Smith <john@example.net>", subject="Printer broken",
                                   body="Hello, the printer does not print.\n\nOn Mon, Support wrote:\n> old",
                                   language="en"))
    work_order = WorkOrder.objects.get(number=received.work_order_number)
    assert (work_order.title, work_order.channel, work_order.customer.name) == ("Printer broken", "email", "John Smith")
    assert work_order.requester == work_order.customer  # CH-IND: the sender asks
    assert work_order.customer.preferred_language == "en"
    assert ContactPoint.objects.get(customer=work_order.customer).value == "john@example.net"
    message = Message.objects.get(work_order=work_order)
    assert (message.direction, message.channel, message.visibility) == ("in", "email", "public")
    assert message.body == "Hello, the printer does not print."
    assert "> old" in message.original  # the whole text stays viewable
    ack = OutboundMail.objects.get(kind="acknowledgement")
    assert ack.status == "local"  # no ATIENDE_SMTP_URL: the local outbox
    assert ack.recipients == ["john@example.net"]
    assert f"[#{work_order.number}]" in ack.subject
    assert "Auto-Submitted: auto-replied" in outbox.as_bytes(ack).decode()
    assert "We have received your request" in ack.text


def test_a_known_address_keeps_its_customer_and_the_mail_is_acknowledged_in_spanish():
    customer = Customer.objects.create(name="Carmen Ruiz", address_as="Doña")
    ContactPoint.objects.create(customer=customer, kind="email", value="Carmen@Example.org")
    number = intake.receive(mail()).work_order_number
    assert WorkOrder.objects.get(number=number).customer == customer
    assert Customer.objects.count() == 1
    assert OutboundMail.objects.get().text.startswith("Hola Doña Carmen Ruiz:\n\nHemos recibido")


def test_a_reply_threads_by_in_reply_to_before_anything_else():
    first = intake.receive(mail()).work_order_number
    ack = OutboundMail.objects.get()
    reply = mail(subject="otra cosa sin etiqueta", body="Ya reinicié y nada.",
                 headers=f"In-Reply-To: <{ack.message_id}>\nReferences: <{ack.message_id}>\n")
    received = intake.receive(reply)
    assert received.work_order_number == first
    assert WorkOrder.objects.count() == 1 and Message.objects.count() == 2
    assert OutboundMail.objects.count() == 1  # a reply gets no second acknowledgement


def test_the_subject_tag_threads_only_from_an_address_the_work_order_knows():
    number = intake.receive(mail()).work_order_number
    tagged = f"Re: [#{number}] La impresora no imprime"
    assert intake.receive(mail(subject=tagged, body="Sigue igual.")).work_order_number == number
    stranger = intake.receive(mail(sender="otro@example.com", subject=tagged, body="Quiero colarme."))
    assert stranger.work_order_number != number  # a tag is easy to type: a new work order instead


def test_the_same_message_twice_is_stored_once():
    raw = mail(message_id="unique-1@example.org")
    first = intake.receive(raw)
    again = intake.receive(raw)
    assert again.duplicate and again.mail.pk == first.mail.pk
    assert again.work_order_number == first.work_order_number
    assert (InboundMail.objects.count(), Message.objects.count(), OutboundMail.objects.count()) == (1, 1, 1)


@pytest.mark.parametrize("header", ["Auto-Submitted: auto-replied", "Precedence: bulk", "X-Autoreply: yes",
                                    "List-Id: <clientes.lists.example.org>"])
def test_automatic_mail_is_stored_but_never_answered(header):
    received = intake.receive(mail(headers=header + "\n"))
    assert received.mail.status == "stored" and received.mail.automatic
    assert Message.objects.count() == 1
    assert not OutboundMail.objects.exists()


def test_mail_from_our_own_address_is_kept_and_ignored():
    received = intake.receive(mail(sender="Soporte <soporte@example.com>"))
    assert (received.mail.status, received.mail.reason) == ("ignored", "own_address")
    assert received.work_order_number is None
    assert not WorkOrder.objects.exists() and not OutboundMail.objects.exists()


def test_a_loop_between_two_installations_stops_at_the_first_automatic_answer(mail_settings):
    intake.receive(mail(sender="Otra mesa <mesa@otra.example>"))
    our_ack = outbox.as_bytes(OutboundMail.objects.get())
    # The other installation acknowledges our acknowledgement? It must not: ours says Auto-Submitted.
    # Played here the other way round: their acknowledgement (like ours) reaches us.
    theirs = our_ack.replace(b"soporte@example.com", b"mesa@otra.example").replace(b"Message-ID: <", b"Message-ID: <x")
    received = intake.receive(theirs)
    assert received.mail.automatic == "auto_submitted"
    assert OutboundMail.objects.count() == 1  # no answer to an answer


def test_a_robot_without_auto_submitted_is_stopped_by_the_rate_limit_and_nothing_is_lost(mail_settings):
    mail_settings.setenv("ATIENDE_MAIL_RATE_LIMIT", "3")
    results = [intake.receive(mail(sender="robot@example.com", subject=f"Aviso {i}")) for i in range(5)]
    assert [r.mail.status for r in results] == ["stored"] * 3 + ["failed"] * 2
    assert results[-1].mail.reason == "rate_limited"
    assert OutboundMail.objects.count() == 3  # at most three acknowledgements an hour to one address
    assert [m.pk for m in intake.failed()] == [results[4].mail.pk, results[3].mail.pk]
    retried = intake.retry(results[3].mail.pk)  # a person decided it is real
    assert retried.mail.status == "stored" and retried.work_order_number


def test_a_bounce_of_our_mail_is_noted_on_its_work_order():
    number = intake.receive(mail()).work_order_number
    ack = OutboundMail.objects.get()
    bounce = (f"From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered\nMessage-ID: <b1@mx>\nMIME-Version: 1.0\n"
              f"Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\n"
              f"Content-Type: text/plain\n\nNo pude entregarlo.\n--B\nContent-Type: message/delivery-status\n\n"
              f"Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; carmen@example.org\nAction: failed\n"
              f"Status: 5.1.1\n--B\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{ack.message_id}>\n--B--\n")
    received = intake.receive(bounce.encode())
    assert received.work_order_number == number and received.mail.reason == "bounce"
    event = WorkOrderEvent.objects.get(kind="mail_bounced")
    assert "carmen@example.org" in event.note
    assert Message.objects.count() == 1 and OutboundMail.objects.count() == 1  # never answered
    assert "carmen@example.org 5.1.1" in OutboundMail.objects.get().last_error


def test_credentials_in_a_mail_go_to_the_vault_and_are_redacted():
    number = intake.receive(mail(body="Mi usuario es mlopez y la contraseña es Perro2024.")).work_order_number
    work_order = WorkOrder.objects.get(number=number)
    message = Message.objects.get()
    assert "Perro2024" not in message.body and "Perro2024" not in (message.original or "")
    assert "Perro2024" not in work_order.problem_story
    assert VaultSecret.objects.filter(work_order=work_order).exists()


def test_files_pass_the_upload_checks_and_a_refused_one_is_named_not_dropped():
    import base64

    raw = (b"From: carmen@example.org\nSubject: capturas\nMessage-ID: <f1@example.org>\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=M\n\n--M\nContent-Type: text/plain\n\nAdjunto.\n"
           b"--M\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=informe.pdf\n"
           b"Content-Transfer-Encoding: base64\n\n" + base64.b64encode(b"%PDF-1.4 informe") +
           b"\n--M\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=virus.exe\n"
           b"Content-Transfer-Encoding: base64\n\n" + base64.b64encode(b"MZ\x90\x00binary") + b"\n--M--\n")
    received = intake.receive(raw)
    message = Message.objects.get()
    assert [a.filename for a in message.attachments.all()] == ["informe.pdf"]
    assert [f["name"] for f in received.mail.refused_files] == ["virus.exe"]
    assert "virus.exe" in message.body


def test_html_with_scripts_is_shown_sanitised():
    raw = (b"From: carmen@example.org\nSubject: html\nMessage-ID: <h1@example.org>\nMIME-Version: 1.0\n"
           b"Content-Type: text/html; charset=utf-8\n\n<p onclick='x()'>No imprime</p><script>alert(1)</script>\n")
    intake.receive(raw)
    message = Message.objects.get()
    assert message.body == "No imprime"
    assert "script" not in message.body_html and "onclick" not in message.body_html


def test_a_customer_reply_on_a_closed_work_order_reopens_it(tech):
    from tests.desk.conftest import close

    number = intake.receive(mail()).work_order_number
    work_order = WorkOrder.objects.get(number=number)
    work_order.assignee = tech
    work_order.save()
    close(tech, WorkOrder.objects.get(number=number))
    intake.receive(mail(subject=f"Re: [#{number}] La impresora no imprime", body="Vuelve a fallar."))
    assert WorkOrder.objects.get(number=number).phase == "satisfaccion"


def test_a_password_mailed_to_a_closed_work_order_reopens_it_and_is_kept_in_the_vault(tech):
    from tests.desk.conftest import close

    number = intake.receive(mail()).work_order_number
    WorkOrder.objects.filter(number=number).update(assignee=tech)
    close(tech, WorkOrder.objects.get(number=number))
    received = intake.receive(mail(subject=f"Re: [#{number}] La impresora no imprime",
                                   body="Vuelve a fallar. Mi usuario es mlopez y la contraseña es Perro2024.",
                                   message_id="<closed-pw@example.org>"))
    assert received.mail.status == "stored", received.mail.detail
    assert received.work_order_number == number
    work_order = WorkOrder.objects.get(number=number)
    assert work_order.phase == "satisfaccion"
    message = Message.objects.get(message_id="closed-pw@example.org")
    assert "Perro2024" not in message.body and "Perro2024" not in (message.original or "")
    assert VaultSecret.objects.filter(work_order=work_order, kind="password").count() == 1


def test_failed_mail_is_listed_with_its_reason_and_retried_by_id(tmp_path, capsys, mail_settings):
    from atiende.cli import main

    path = tmp_path / "message.eml"
    path.write_bytes(b"From: not an address\nSubject: Sin remitente\n\nHola\n")
    assert main(["mail", "ingest", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "no valid sender" in err  # nothing on stdout: no work order
    assert main(["mail", "failed"]) == 0
    listed = capsys.readouterr().out
    row = InboundMail.objects.get()
    assert f"{row.pk}\t" in listed and "no_sender" in listed and "Sin remitente" in listed
    assert main(["mail", "failed", "--retry", str(row.pk)]) == 1  # still no sender: it says so
    assert "no valid sender" in capsys.readouterr().err
    assert InboundMail.objects.get().attempts == 2


def test_a_50_mb_mail_is_kept_raw_and_listed_not_parsed():
    huge = mail(body="x" * (50 * 1024 * 1024))
    received = intake.receive(huge)
    assert (received.mail.status, received.mail.reason) == ("failed", "too_large")
    assert received.mail.size == len(huge) and received.mail.raw.size == len(huge)
    assert not WorkOrder.objects.exists()


def test_ten_thousand_recipients_and_malformed_mime_each_have_an_outcome():
    many = ", ".join(f"u{i}@example.com" for i in range(10_000))
    assert intake.receive(mail(headers=f"Cc: {many}\n")).mail.status == "stored"
    broken = (b"From: carmen@example.org\nSubject: roto\nMessage-ID: <broken@example.org>\nMIME-Version: 1.0\n"
              b"Content-Type: multipart/mixed; boundary=NEVER\n\n--OTHER\nContent-Type: text/plain\n\nHola\n")
    assert intake.receive(broken).mail.status == "stored"


def test_an_unexpected_error_keeps_the_message_as_failed_and_a_retry_stores_it(monkeypatch):
    real = intake.post_message

    def broken(**kwargs):
        raise RuntimeError("a bug in the desk")

    monkeypatch.setattr(intake, "post_message", broken)
    received = intake.receive(mail())
    assert (received.mail.status, received.mail.reason) == ("failed", "unexpected")
    assert "a bug in the desk" in received.mail.detail
    assert not WorkOrder.objects.exists()  # nothing half-written
    monkeypatch.setattr(intake, "post_message", real)  # the bug is fixed
    assert intake.retry(received.mail.pk).work_order_number == 1


def test_an_outlook_winmail_dat_gives_up_the_file_inside_it():
    from pathlib import Path

    raw = (Path(__file__).parent / "samples" / "outlook-winmail.eml").read_bytes()  # samples/make_winmail.py
    received = intake.receive(raw)
    assert received.mail.status == "stored" and received.mail.refused_files == []
    message = Message.objects.get()
    assert message.body == "Buenos días: les envío el presupuesto que me pidieron."
    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.content_type) == ("presupuesto.pdf", "application/pdf")
    with attachment.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-1.4")


def test_invalid_addresses_have_an_outcome_in_and_out(caplog):
    # In: a sender no reply could reach (a non-ASCII local part) is kept raw as failed, named.
    received = intake.receive(mail(sender="José <josé@example.org>", message_id="nonascii@example.org"))
    assert (received.mail.status, received.mail.reason) == ("failed", "invalid_sender")
    assert "josé@example.org" in received.mail.detail and not WorkOrder.objects.exists()
    # Out: an invalid recipient is left out and logged; with nobody left, nothing is queued.
    sent = outbox.enqueue(kind="reply", key="k1", to=["no es una dirección", "carmen@example.org", "CARMEN@example.org"],
                          subject="Re: [#1] x", text="Hola")
    assert sent is not None and sent.recipients == ["carmen@example.org"]
    assert outbox.enqueue(kind="reply", key="k2", to=["@@"], subject="x", text="Hola") is None
    assert "invalid address" in caplog.text


def test_a_mail_is_searchable_and_has_its_sla_clocks_when_stored_each_written_once(monkeypatch, tech):
    # No on-commit callback runs under this test's transaction: what is checked was written with the mail itself.
    from atiende.knowledge import index
    from atiende.knowledge.search import search
    from atiende.sla import services
    from atiende.sla.models import SlaPolicy, WorkOrderSla

    SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=480)
    calls: list[tuple[str, object]] = []
    for module, name in ((index, "index_work_orders"), (index, "index_customers"), (services, "refresh")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda pk, _real=real, _name=name, **kw: (calls.append((_name, pk)),
                                                                                      _real(pk, **kw))[1])
    received = intake.receive(mail(sender="Rosa Gómez <rosa@example.org>", subject="El escáner no escanea"))
    work_order = WorkOrder.objects.get(number=received.work_order_number)
    # Opening by mail saves the customer, their address, the work order and its message: two entries, one clock.
    assert sorted(calls, key=str) == sorted([("index_work_orders", [work_order.pk]),
                                             ("index_customers", [work_order.customer_id]),
                                             ("refresh", work_order.pk)], key=str)
    assert [r.title for r in search(tech, "escaner")] == [f"#{work_order.number} El escáner no escanea"]
    assert [r.title for r in search(tech, "gomez")] == ["Rosa Gómez"]
    clocks = WorkOrderSla.objects.get(work_order=work_order)
    assert clocks.first_response_due is not None and clocks.policy is not None


def test_a_failing_sla_refresh_loses_no_mail(monkeypatch, caplog):
    from atiende.sla import services
    from atiende.sla.models import WorkOrderSla

    def broken(pk, **kwargs):
        WorkOrderSla.objects.create(work_order_id=pk, started_at=WorkOrder.objects.get(pk=pk).created_at)
        raise RuntimeError("clocks broken")

    monkeypatch.setattr(services, "refresh", broken)
    received = intake.receive(mail())
    assert received.mail.status == InboundMail.Status.STORED
    assert Message.objects.filter(work_order__number=received.work_order_number).count() == 1
    assert not WorkOrderSla.objects.exists()  # the failed refresh's own writes rolled back, the mail's kept
    assert "SLA refresh of work order" in caplog.text


def test_a_batch_is_stored_as_each_message_alone_would_be():
    """``atiende mail fetch`` stores its messages a batch to a transaction (intake.receive_batch): a new request,
    a reply to it in the same batch, the same message again and one that cannot be read each get their own
    outcome, and none takes the others with it."""
    first = mail(message_id="lote-1@example.org")
    reply = mail(subject="Re: La impresora no imprime", body="Sigue igual.", message_id="lote-2@example.org",
                 headers="In-Reply-To: <lote-1@example.org>\n")
    unreadable = b"Subject: nadie\n\nsin remitente\n"
    stored = intake.receive_batch([intake.Incoming(raw, "imap-test", 7, uid)
                                   for uid, raw in enumerate((first, reply, first, unreadable), start=1)])
    assert [(r.mail.status, r.duplicate) for r in stored] == [
        ("stored", False), ("stored", False), ("stored", True), ("failed", False)]
    assert stored[0].work_order_number == stored[1].work_order_number
    assert stored[3].mail.raw.read() == unreadable  # kept raw, listed by «atiende mail failed»
    assert (WorkOrder.objects.count(), Message.objects.count(), InboundMail.objects.count()) == (1, 2, 3)
    again = intake.receive_batch([intake.Incoming(first, "imap-test", 7, 1)])  # the next pass: nothing twice
    assert again[0].duplicate and InboundMail.objects.count() == 3


def test_a_batch_that_cannot_commit_whole_is_stored_one_message_at_a_time(monkeypatch):
    from atiende.knowledge import index

    calls: list[str] = []

    def fails_once(name, real):
        def call(*args):
            calls.append(name)
            if len(calls) == 1:
                raise RuntimeError("index unavailable")
            return real(*args)
        return call

    # The set's entries (index_written) or, stored alone, each work order's (index_work_orders): the first fails.
    for name in ("index_work_orders", "index_written"):
        monkeypatch.setattr(index, name, fails_once(name, getattr(index, name)))
    stored = intake.receive_batch([intake.Incoming(mail(sender=f"c{i}@example.org"), "imap-test", 7, i)
                                   for i in range(3)])
    assert calls[0] == "index_written" and len(calls) == 4  # the set failed; then each message alone
    assert [r.mail.status for r in stored] == ["stored"] * 3
    assert WorkOrder.objects.count() == 3 and InboundMail.objects.count() == 3
    assert all(r.mail.raw.read() for r in stored)  # each message's bytes, written again when stored alone


def test_a_batch_indexes_all_its_work_orders_and_customers_together_and_each_is_found(monkeypatch, tech):
    """The search entries of a batch's work orders and customers are written together (a few statements for twenty
    mails, not a few each), in its transaction: the ones its set created from the rows in hand, with nothing read
    back (index_written), and each new request and its sender are found, a reply's words are found on the work
    order it joined."""
    from atiende.knowledge import index
    from atiende.knowledge.search import search

    calls: list[tuple[str, list[int]]] = []
    for name in ("index_work_orders", "index_customers"):
        real = getattr(index, name)
        monkeypatch.setattr(index, name, lambda pks, _real=real, _name=name: (calls.append((_name, sorted(pks))),
                                                                               _real(pks))[1])
    real_written = index.index_written

    def written(work_orders, customers):
        calls.append(("index_written", sorted(w.pk for w, _bodies in work_orders)))
        calls.append(("index_written customers", sorted(c.pk for c, _values, _named in customers)))
        return real_written(work_orders, customers)

    monkeypatch.setattr(index, "index_written", written)
    subjects = ["Escáner roto", "Pantalla parpadea", "Ratón perdido"]
    raws = [mail(sender=f"Cliente {i} <cliente{i}@example.org>", subject=subject, message_id=f"lote-{i}@example.org")
            for i, subject in enumerate(subjects)]
    raws.append(mail(sender="Cliente 0 <cliente0@example.org>", subject="Re: Escáner roto", body="Ahora hace ruido.",
                     message_id="lote-9@example.org", headers="In-Reply-To: <lote-0@example.org>\n"))
    stored = intake.receive_batch([intake.Incoming(raw, "imap-test", 7, uid) for uid, raw in enumerate(raws, 1)])
    assert [r.mail.status for r in stored] == ["stored"] * 4
    numbers = [r.work_order_number for r in stored]
    assert numbers[3] == numbers[0]
    orders = {o.number: o for o in WorkOrder.objects.all()}
    assert sorted(calls) == [("index_written", sorted(o.pk for o in orders.values())),
                             ("index_written customers", sorted(o.customer_id for o in orders.values()))]
    for number, subject in zip(numbers, subjects, strict=False):
        assert [r.title for r in search(tech, subject.split()[0])] == [f"#{number} {subject}"]
    assert [r.title for r in search(tech, "ruido")] == [f"#{numbers[0]} Escáner roto"]
    assert sorted(r.title for r in search(tech, "cliente")) == ["Cliente 0", "Cliente 1", "Cliente 2"]


def test_a_batch_counts_its_own_messages_for_the_rate_limit_and_threads_to_its_own_and_earlier_mail(mail_settings):
    """What a batch reads once (which of its messages are stored, each sender's mail of the last hour, the work
    orders its Message-IDs thread to) is kept up to date as each message is stored: the rate limit counts the
    sender's mail of earlier passes and of this batch, a reply threads to a request of the same batch and to one
    of an earlier pass, and the same message twice in one batch is stored once."""
    mail_settings.setenv("ATIENDE_MAIL_RATE_LIMIT", "3")
    earlier = intake.receive(mail(sender="robot@example.com", subject="Aviso 0", message_id="antes@example.org"))
    raws = [mail(sender="robot@example.com", subject=f"Aviso {i}", message_id=f"aviso-{i}@example.org")
            for i in range(1, 5)]
    raws.insert(1, raws[0])  # the same message twice in one FETCH (another UID)
    raws.append(mail(sender="Ana <ana@example.org>", subject="Re: Aviso 1", message_id="r1@example.org",
                     headers="In-Reply-To: <aviso-1@example.org>\n"))
    raws.append(mail(sender="Ana <ana@example.org>", subject="Re: Aviso 0", message_id="r0@example.org",
                     headers="References: <otro@example.org> <antes@example.org>\n"))
    stored = intake.receive_batch([intake.Incoming(raw, "imap-test", 9, uid) for uid, raw in enumerate(raws, 1)])
    assert [(r.mail.status, r.duplicate) for r in stored] == [
        ("stored", False), ("stored", True), ("stored", False), ("failed", False), ("failed", False),
        ("stored", False), ("stored", False)]
    assert [r.mail.reason for r in stored[3:5]] == ["rate_limited", "rate_limited"]
    assert stored[5].work_order_number == stored[0].work_order_number
    assert stored[6].work_order_number == earlier.work_order_number
    assert InboundMail.objects.filter(sender="robot@example.com").count() == 5


def test_a_batch_finds_its_senders_customers_with_one_read_and_creates_each_new_one_once():
    """A batch reads the customers of all its senders at once (customers_for_emails): a known address (in any case)
    keeps its customer, a new sender's two requests in one batch open two work orders for one new customer, and
    a message rolled back in the batch leaves no customer behind for the next one to find."""
    known = Customer.objects.create(name="Carmen Ruiz")
    ContactPoint.objects.create(customer=known, kind=ContactPoint.Kind.EMAIL, value="Carmen@Example.org")
    raws = [mail(sender="Carmen Ruiz <carmen@example.ORG>", subject="Uno"),
            mail(sender="Nuevo <nuevo@example.org>", subject="Dos"),
            mail(sender="Nuevo <nuevo@example.org>", subject="Tres")]
    stored = intake.receive_batch([intake.Incoming(raw, "imap-test", 3, uid) for uid, raw in enumerate(raws, 1)])
    assert [r.mail.status for r in stored] == ["stored"] * 3
    orders = [WorkOrder.objects.get(number=r.work_order_number) for r in stored]
    assert orders[0].customer == known
    assert orders[1].customer == orders[2].customer != known and orders[1] != orders[2]
    assert Customer.objects.filter(contact_points__value="nuevo@example.org").count() == 1


def test_a_new_customer_rolled_back_with_its_message_is_created_again_by_the_next(monkeypatch):
    from atiende.desk import messages

    real, calls = messages.post_message, []

    def fails_first(**kwargs):
        calls.append(kwargs["work_order"].customer_id)
        if len(calls) == 1:
            raise RuntimeError("the message cannot be written")
        return real(**kwargs)

    monkeypatch.setattr(intake, "post_message", fails_first)
    monkeypatch.setattr(intake, "WRITE_SETS", False)  # the one-by-one path inside a batch
    raws = [mail(sender="Nuevo <nuevo@example.org>", subject=subject) for subject in ("Uno", "Dos")]
    stored = intake.receive_batch([intake.Incoming(raw, "imap-test", 3, uid) for uid, raw in enumerate(raws, 1)])
    assert [r.mail.status for r in stored] == ["failed", "stored"]
    customer = WorkOrder.objects.get(number=stored[1].work_order_number).customer
    assert list(Customer.objects.all()) == [customer]  # the first one's customer went with its savepoint
    assert ContactPoint.objects.get().customer == customer


# ---- a batch written as one set (desk.bulk) ------------------------------------------------------------------------

_PDF = b"%PDF-1.4\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 40


def _with_file(sender: str, subject: str, message_id: str) -> bytes:
    import base64

    data = base64.b64encode(_PDF).decode()
    return (f"From: {sender}\nTo: Soporte <soporte@example.com>\nSubject: {subject}\nMessage-ID: <{message_id}>\n"
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=M\n\n--M\nContent-Type: text/plain; "
            "charset=utf-8\n\nAdjunto la factura.\n--M\nContent-Type: application/pdf\nContent-Disposition: "
            f"attachment; filename=factura.pdf\nContent-Transfer-Encoding: base64\n\n{data}\n--M--\n").encode()


def _html(sender: str, subject: str, message_id: str) -> bytes:
    return (f"From: {sender}\nTo: Soporte <soporte@example.com>\nSubject: {subject}\nMessage-ID: <{message_id}>\n"
            "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<p>La pantalla <b>parpadea</b>.</p>"
            "<script>alert(1)</script>\n").encode()


def _mixed_batch() -> list[bytes]:
    """New requests (a known customer, a new sender twice, HTML, a file), replies (to an earlier pass's request and
    to one of the same batch), in one FETCH."""
    return [
        mail(subject="Uno", message_id="s-1@example.org"),  # Carmen, known
        mail(sender="Nuevo Cliente <nuevo@example.org>", subject="Dos", message_id="s-2@example.org"),
        _html("Nuevo Cliente <nuevo@example.org>", "Tres", "s-3@example.org"),
        _with_file("Ana Gil <ana@example.org>", "Cuatro", "s-4@example.org"),
        mail(sender="Nuevo Cliente <nuevo@example.org>", subject="Re: Dos", body="Sigue igual.",
             message_id="s-5@example.org", headers="In-Reply-To: <s-2@example.org>\n"),
        mail(subject="Re: Antes", body="Ya reinicié.", message_id="s-6@example.org",
             headers="References: <antes@example.org>\n"),
    ]


def _snapshot() -> dict[str, object]:
    """What a batch wrote, with ids and times left out: the same whichever path wrote it."""
    from atiende.desk.models import Attachment, CustomerEvent
    from atiende.knowledge.models import SearchEntry
    from atiende.notifications.models import Notification
    from atiende.privacy.models import AuditEntry
    from atiende.sla.models import WorkOrderSla

    def changes(event):
        return {k: [v["name"] if isinstance(v, dict) else v for v in pair] for k, pair in event.changes.items()}

    def note(event):
        return "message" if event.note.startswith("message ") else event.note

    names = dict(Customer.objects.values_list("pk", "name"))
    return {
        "customers": sorted((c.name, c.preferred_language, [p.value for p in c.contact_points.all()])
                            for c in Customer.objects.all()),
        "work_orders": sorted((w.number, w.title, w.customer.name, w.team.name if w.team else None, w.problem_story,
                               w.channel, w.awaiting_customer_since) for w in WorkOrder.objects.all()),
        "messages": sorted((m.work_order.number, m.author_name, m.author_email, m.body, m.body_html, m.original,
                            m.message_id, m.in_reply_to, m.direction, m.visibility)
                           for m in Message.objects.select_related("work_order")),
        "files": sorted((a.work_order.number, a.filename, a.size, a.message.message_id if a.message else None)
                        for a in Attachment.objects.all()),
        "events": sorted((e.work_order.number, e.kind, str(changes(e)), note(e)) for e in WorkOrderEvent.objects.all()),
        "customer_events": sorted((e.customer.name, e.kind, str(e.changes))
                                  for e in CustomerEvent.objects.all()),
        "inbound": sorted((r.dedup_key, r.status, r.sender, r.work_order.number if r.work_order else None,
                           r.message.message_id if r.message else None, r.uid) for r in InboundMail.objects.all()),
        "outbox": sorted((o.kind, o.recipients, o.subject, o.text, o.work_order.number, o.in_reply_to, o.references)
                         for o in OutboundMail.objects.all()),
        "notifications": sorted((n.recipient.username, n.kind, n.text) for n in Notification.objects.all()),
        "audit": sorted(a.action for a in AuditEntry.objects.all()),
        "index": sorted((e.kind, e.title, e.text, e.scope, sorted(names[int(i)] for i in e.refs.split()))
                        for e in SearchEntry.objects.all()),
        "sla": sorted((c.work_order.number, c.policy_id, c.first_response_state, c.resolution_state, c.paused,
                       c.first_response_due - c.started_at if c.first_response_due else None,
                       c.resolution_due - c.started_at if c.resolution_due else None, c.first_response_at, c.resolved_at,
                       c.pauses, c.started_at == c.work_order.created_at)
                      for c in WorkOrderSla.objects.select_related("work_order")),
    }


def _store_mixed(sets: bool, monkeypatch) -> tuple[dict[str, object], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(intake, "WRITE_SETS", sets)
    known = Customer.objects.create(name="Carmen Ruiz")
    ContactPoint.objects.create(customer=known, kind=ContactPoint.Kind.EMAIL, value="carmen@example.org")
    earlier = intake.receive(mail(subject="Antes", message_id="antes@example.org"))
    with CaptureQueriesContext(connection) as queries:
        stored = intake.receive_batch([intake.Incoming(raw, "imap-test", 5, uid)
                                       for uid, raw in enumerate(_mixed_batch(), start=1)])
    assert [(r.mail.status, r.duplicate) for r in stored] == [("stored", False)] * 6
    numbers = [r.work_order_number for r in stored]
    assert numbers[4] == numbers[1] and numbers[5] == earlier.work_order_number
    assert len(set(numbers)) == 5
    return _snapshot(), len(queries)


@pytest.mark.parametrize("sets", [True, False], ids=["as_a_set", "one_by_one"])
def test_a_batch_written_as_a_set_writes_what_each_message_alone_would(sets, monkeypatch, tech):
    """receive_batch writes the mail it can as one set (desk.bulk: one INSERT a table): the customers, work orders,
    messages, files, history lines, received mail, acknowledgements, staff notifications, audit entries, search
    entries and SLA clocks are those the one-by-one path writes (the test below compares them), with a few
    statements."""
    from atiende.privacy import audit

    snapshot, statements = _store_mixed(sets, monkeypatch)
    assert snapshot["customers"] == [("Ana Gil", "es", ["ana@example.org"]), ("Carmen Ruiz", "es",
                                     ["carmen@example.org"]), ("Nuevo Cliente", "es", ["nuevo@example.org"])]
    assert [row[3] for row in snapshot["files"]] == ["s-4@example.org"]  # type: ignore[attr-defined]
    kinds = [row[0] for row in snapshot["outbox"]]  # type: ignore[attr-defined]
    assert kinds.count("acknowledgement") == 5  # each new request, the one before the batch too
    notified = [kind for _who, kind, _text in snapshot["notifications"]]  # type: ignore[attr-defined]
    assert (notified.count("new_request"), notified.count("customer_reply")) == (5, 2)
    assert "<script>" not in str(snapshot["messages"]) and "<b>parpadea</b>" in str(snapshot["messages"])
    assert audit.verify().ok
    # Measured: 94 as a set, 200 one by one (half of the set's are the staff's notifications, told one by one).
    assert statements <= 110 if sets else statements > 150, statements


def test_a_batch_as_a_set_and_one_by_one_write_the_same_rows(monkeypatch, tech):
    """The same batch on the same data, once each way (each rolled back): every row alike but ids and times (the
    search entries with who may find them, the SLA clocks with their targets)."""
    from django.db import transaction

    from atiende.sla.models import SlaPolicy

    SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=480)
    snapshots = []
    for sets in (True, False):
        with transaction.atomic():
            snapshots.append(_store_mixed(sets, monkeypatch)[0])
            transaction.set_rollback(True)
    for key in snapshots[0]:
        assert snapshots[0][key] == snapshots[1][key], key


def test_a_bad_mail_among_good_ones_is_listed_and_the_good_ones_are_written_as_a_set(monkeypatch):
    """One unreadable mail and one with a password among good ones: the good ones are written as one set, the
    unreadable one is kept raw and listed as failed, the password goes to the vault (stored one by one, ET-3)."""
    from atiende.desk import bulk

    sizes: list[int] = []
    real = bulk.write
    monkeypatch.setattr(bulk, "write", lambda items, **kw: (sizes.append(len(items)), real(items, **kw))[1])
    raws = [mail(sender=f"c{i}@example.org", subject=f"Pedido {i}") for i in range(8)]
    raws.insert(3, b"Subject: nadie\n\nsin remitente\n")
    raws.insert(6, mail(sender="d@example.org", body="Mi usuario es mlopez y la contraseña es Perro2024."))
    stored = intake.receive_batch([intake.Incoming(raw, "imap-test", 4, uid) for uid, raw in enumerate(raws, 1)])
    assert [r.mail.status for r in stored] == ["stored"] * 3 + ["failed"] + ["stored"] * 6
    assert sizes == [3, 2, 3]  # the set is written before each mail stored one by one, so that one reads it
    assert [m.pk for m in intake.failed()] == [stored[3].mail.pk]
    vaulted = WorkOrder.objects.get(number=stored[6].work_order_number)
    assert VaultSecret.objects.filter(work_order=vaulted).exists()
    assert "Perro2024" not in Message.objects.get(work_order=vaulted).body
    assert WorkOrder.objects.count() == 9 and OutboundMail.objects.filter(kind="acknowledgement").count() == 9


def test_a_set_that_cannot_be_written_is_stored_one_by_one_and_leaves_no_stray_file(monkeypatch, settings):
    """The set's INSERTs fail (the batch is rolled back): each mail is stored alone, as receive() would; the files
    the set had stored (the raw bytes, the attachments) are removed, so each is on disk once."""
    from pathlib import Path

    from atiende.desk import bulk
    from atiende.desk.models import Attachment

    def broken(items, **kwargs):
        raise RuntimeError("the set cannot be written")

    def files() -> set[Path]:
        return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}

    before = files()
    monkeypatch.setattr(bulk, "write", broken)
    raws = [_with_file(f"C{i} <c{i}@example.org>", f"Factura {i}", f"f-{i}@example.org") for i in range(3)]
    stored = intake.receive_batch([intake.Incoming(raw, "imap-test", 4, uid) for uid, raw in enumerate(raws, 1)])
    assert [r.mail.status for r in stored] == ["stored"] * 3
    assert Attachment.objects.count() == 3
    assert len(files() - before) == 6  # three raw messages and three PDFs, none twice


def test_a_sets_values_are_prepared_as_their_fields_prepare_them(monkeypatch, tech):
    """desk.rows.insert_many's shortcuts (a str, None, an int key, an integer, a bool, a moment handed over without
    its field) give, value by value and type by type, what each field's get_db_prep_save gives, for every row a
    mixed batch writes as a set (messages, work orders, customers, events, files, audit entries, search entries,
    clocks, received mail, outbox, notifications) on this database."""
    from django.db import connection

    from atiende.desk import rows

    checked: dict[str, int] = {}
    real = rows._values

    def compared(objs, kinds, moments):
        values = real(objs, kinds, moments)
        expected = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f, _kind in kinds]
        # (psycopg's JSON wrappers compare by identity: their object is compared.)
        assert [(type(v), getattr(v, "obj", v)) for v in values] == [(type(v), getattr(v, "obj", v)) for v in expected]
        name = type(objs[0]).__name__
        checked[name] = checked.get(name, 0) + len(values)
        return values

    monkeypatch.setattr(rows, "_values", compared)
    _store_mixed(True, monkeypatch)
    assert {"Message", "WorkOrder", "Customer", "WorkOrderEvent", "Attachment", "AuditEntry", "InboundMail",
            "OutboundMail"} <= set(checked), checked
    used = {kind for key, found in rows._many.items() if key[0] == connection.vendor for _f, kind in found[3]}
    assert {rows._TEXT, rows._MOMENT, rows._KEY, rows._INTEGER, rows._BOOL, rows._AS_FIELD} <= used, used

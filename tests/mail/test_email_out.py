"""Email out: replies, the closing survey, reminders and staff notices leave through the outbox,
sent by the worker to a real SMTP server (aiosmtpd), with retries; never inside the request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from atiende.desk.messages import post_message
from atiende.desk.models import Commitment, WorkOrder
from atiende.desk.services.commitments import add_commitment
from atiende.desk.services.customers import create_customer
from atiende.mail import intake, notices, outbox
from atiende.mail.models import OutboundMail
from tests.desk.conftest import close
from tests.mail.conftest import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(mail_settings, smtp_sink, team):
    mail_settings.setenv("ATIENDE_SMTP_URL", smtp_sink.url)
    mail_settings.setenv("ATIENDE_MAIL_RETRY_SECONDS", "60")
    return smtp_sink


@pytest.fixture
def from_email(tech):
    """A work order opened by the customer's email, assigned to the technician; its acknowledgement sent."""
    number = intake.receive(mail(message_id="first@example.org")).work_order_number
    work_order = WorkOrder.objects.get(number=number)
    WorkOrder.objects.filter(pk=work_order.pk).update(assignee=tech)
    return WorkOrder.objects.get(pk=work_order.pk)


def test_the_acknowledgement_leaves_through_smtp_only_when_the_worker_sends(smtp, from_email):
    assert smtp.received == []  # enqueued, not sent inside the request
    assert outbox.send_due(worker="w1") == 1
    [sent] = smtp.messages()
    assert sent["To"] == "carmen@example.org"
    assert sent["In-Reply-To"] == "<first@example.org>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert OutboundMail.objects.get().status == "sent"
    assert outbox.send_due(worker="w1") == 0  # sent once


def test_a_public_reply_goes_to_the_customer_threaded_with_text_html_and_files(smtp, from_email, tech,
                                                                                django_capture_on_commit_callbacks):
    outbox.send_due(worker="w1")
    with django_capture_on_commit_callbacks(execute=True):
        post_message(work_order=from_email, body="Buenos días, Doña Carmen:\n\nReinicie la impresora, por favor.",
                     visibility="public", channel="email", direction="out", author=tech,
                     attachments=[("pasos.pdf", b"%PDF-1.4 pasos")])
        post_message(work_order=from_email, body="Nota interna: cliente amable.", visibility="internal",
                     channel="email", direction="out", author=tech)
    assert outbox.send_due(worker="w1") == 1  # the internal note never leaves
    reply = smtp.messages()[-1]
    assert reply["Subject"] == f"Re: [#{from_email.number}] La impresora no imprime"
    assert reply["In-Reply-To"] == "<first@example.org>"
    assert "first@example.org" in reply["References"]
    assert "Auto-Submitted" not in reply  # a person wrote it
    assert "Reinicie la impresora" in reply.get_body(("plain",)).get_content()
    assert "Reinicie la impresora" in reply.get_body(("html",)).get_content()
    assert [a.get_filename() for a in reply.iter_attachments()] == ["pasos.pdf"]
    # The customer answers that mail: it threads by In-Reply-To.
    answer = mail(subject="sin etiqueta", body="Hecho, ya imprime.", headers=f"In-Reply-To: {reply['Message-ID']}\n")
    assert intake.receive(answer).work_order_number == from_email.number


def test_a_reply_and_a_notification_are_in_the_outbox_as_soon_as_their_change_commits(
        smtp, from_email, tech, django_capture_on_commit_callbacks):
    """Issue 24: an app process may be killed right after a commit, before what was to run after it. The
    customer's reply and the technician's email copy are written in the change's own transaction, so a
    committed change never lacks its mail, and a rolled-back one has none."""
    from django.db import transaction

    from atiende.notifications.services import notify

    with django_capture_on_commit_callbacks(execute=False):  # committed, then the process died
        post_message(work_order=from_email, body="Buenos días:\n\nReinicie la impresora, por favor.",
                     visibility="public", channel="email", direction="out", author=tech)
        notify(recipients=[tech], kind="assigned", text="Se le asignó la solicitud #7", url="/solicitudes/7/")
    assert sorted(OutboundMail.objects.exclude(kind="acknowledgement").values_list("kind", flat=True)) == [
        "notification", "reply"]
    with pytest.raises(RuntimeError), transaction.atomic():  # a change that rolls back
        post_message(work_order=from_email, body="Esto no se envía.", visibility="public", channel="email",
                     direction="out", author=tech)
        notify(recipients=[tech], kind="assigned", text="Tampoco esto", url="/solicitudes/8/")
        raise RuntimeError("rolled back")
    assert OutboundMail.objects.exclude(kind="acknowledgement").count() == 2
    assert outbox.send_due(worker="w1") == 3  # the acknowledgement, the reply, the copy: each once
    assert outbox.send_due(worker="w1") == 0


def test_an_indirect_request_keeps_requester_and_decision_maker_informed(smtp, from_email, tech):
    boss = create_customer(actor=tech, name="Director", contact_points=[
        {"kind": "email", "value": "director@example.org"}])
    WorkOrder.objects.filter(pk=from_email.pk).update(decision_maker=boss)
    assert notices.recipients(WorkOrder.objects.get(pk=from_email.pk), automatic=False) == [
        "carmen@example.org", "director@example.org"]


def test_closing_sends_the_survey_with_a_link_that_needs_no_account(smtp, from_email, tech, client):
    closed = close(tech, from_email)
    survey_mail = OutboundMail.objects.get(kind="survey")
    text = survey_mail.text
    link = f"https://soporte.example.com/encuesta/{closed.survey.token}/"
    assert link in text and "Se reinstaló el controlador." in text
    assert outbox.as_bytes(survey_mail).decode().count("Auto-Submitted: auto-generated") == 1
    outbox.send_due(worker="w1")
    assert any(m["Subject"].endswith("La impresora no imprime") and "encuesta" in m.get_body(("plain",)).get_content()
               for m in smtp.messages())
    assert client.get(f"/encuesta/{closed.survey.token}/").status_code == 200  # no sign-in


def test_no_automatic_mail_goes_to_an_address_whose_mail_was_automatic(mail_settings, team, tech):
    number = intake.receive(mail(sender="robot@example.com", headers="Auto-Submitted: auto-replied\n")
                            ).work_order_number
    work_order = WorkOrder.objects.get(number=number)
    WorkOrder.objects.filter(pk=work_order.pk).update(assignee=tech)
    close(tech, WorkOrder.objects.get(pk=work_order.pk))
    assert not OutboundMail.objects.exists()  # neither acknowledgement nor survey


def test_a_refused_recipient_gives_up_at_once_and_a_server_down_is_retried_with_back_off(mail_settings, from_email):
    from tests.mail.conftest import free_port

    mail_settings.setenv("ATIENDE_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody listens
    OutboundMail.objects.update(status="queued")
    assert outbox.send_due(worker="w1") == 0
    row = OutboundMail.objects.get()
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert "ConnectionRefusedError" in row.last_error


def test_a_permanent_refusal_gives_up_without_retrying(mail_settings, from_email):
    from aiosmtpd.controller import Controller

    from tests.mail.conftest import free_port

    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            return "550 5.1.1 No such user"

    port = free_port()
    controller = Controller(Refuse(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail_settings.setenv("ATIENDE_SMTP_URL", f"smtp://127.0.0.1:{port}")
        OutboundMail.objects.update(status="queued")
        outbox.send_due(worker="w1")
    finally:
        controller.stop()
    row = OutboundMail.objects.get()
    assert row.status == "failed" and "550" in row.last_error


def test_the_customer_is_reminded_of_a_commitment_before_it_comes_due(mail_settings, from_email, tech):
    due = timezone.now() + timedelta(hours=1)
    commitment = add_commitment(actor=tech, work_order=from_email, description="Llamarle para probar",
                                due_at=due)
    Commitment.objects.filter(pk=commitment.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert notices.remind_due_commitments() == 1
    assert notices.remind_due_commitments() == 0  # once
    reminder = OutboundMail.objects.get(kind="reminder")
    assert "Llamarle para probar" in reminder.text


def test_staff_get_an_email_copy_of_a_notification_they_want_by_email(mail_settings, team, tech,
                                                                      django_capture_on_commit_callbacks):
    from atiende.notifications.services import notify

    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[tech], kind="assigned", text="Se le asignó la solicitud #7", url="/solicitudes/7/")
        notify(recipients=[tech], kind="new_request", text="Nueva solicitud #8")  # off by email by default
    [copy] = OutboundMail.objects.filter(kind="notification")
    assert copy.recipients == ["lucia@example.com"]
    assert "https://soporte.example.com/solicitudes/7/" in copy.text


def test_without_smtp_the_staff_see_outgoing_mail_in_the_local_outbox_page(mail_settings, team, tech, client):
    from atiende.people.models import User

    number = intake.receive(mail()).work_order_number
    WorkOrder.objects.filter(number=number).update(team=team)
    outsider = User.objects.create_user("andres", password="x-very-long-pass-2026", role="tecnico")
    client.force_login(tech)
    page = client.get("/correo/")
    assert page.status_code == 200 and f"[#{number}]" in page.content.decode()
    row = OutboundMail.objects.get()
    assert "Hemos recibido su solicitud" in client.get(f"/correo/{row.pk}/").content.decode()
    client.force_login(outsider)  # ET-4: another team's mail is not theirs to read
    assert f"[#{number}]" not in client.get("/correo/").content.decode()
    assert client.get(f"/correo/{row.pk}/").status_code == 404


def test_the_worker_once_sends_the_outbox(smtp, from_email, capsys):
    from atiende.cli import main

    assert main(["worker", "--once"]) == 0
    assert len(smtp.received) == 1

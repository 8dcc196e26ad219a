"""The conversation of a work order: who may write what, what is kept, and what it changes (CH-VIR, ET-3, ET-4)."""

from __future__ import annotations

import pytest
from django.db import transaction

from atiende.desk import messages, selectors
from atiende.desk.messages import post_message
from atiende.desk.models import Attachment, Message, Phase, WorkOrder, WorkOrderEvent
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.desk.signals import message_posted
from atiende.errors import InputError
from atiende.privacy.models import VaultSecret
from tests.attachments import EXE, PNG
from tests.desk.conftest import close, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def portal(admin, team, tech):
    owner = make_user("carmen", "cliente")
    carmen = create_customer(actor=admin, name="Carmen Ruiz", address_as="Doña", user=owner,
                             contact_points=[("email", "carmen@example.es")])
    wo = create_work_order(actor=tech, customer=carmen, title="No imprime", team=team)
    return {"owner": owner, "customer": carmen, "wo": wo}


def reply(wo, author, body="Buenos días, Doña Carmen: ya revisamos la impresora. Saludos cordiales.", **kw):
    kw.setdefault("visibility", "public")
    kw.setdefault("channel", "email")
    kw.setdefault("direction", "out")
    return post_message(work_order=wo, author=author, body=body, **kw)


def refused(call, *args, **kwargs) -> tuple[str, str | None, int]:
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    return caught.value.code, caught.value.rule, caught.value.status


def test_a_reply_is_kept_in_the_history_and_announced_after_commit(portal, tech, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, message, work_order, reopened, **kwargs):
        heard.append((message.pk, work_order.number, reopened))

    message_posted.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message = reply(portal["wo"], tech)
    finally:
        message_posted.disconnect(listener)
    assert heard == [(message.pk, portal["wo"].number, False)]
    assert message.direction == "out" and message.sender_name == "lucia"
    event = WorkOrderEvent.objects.get(work_order=portal["wo"], kind="message")
    assert event.changes["visibility"] == [None, "public"] and event.actor == tech
    assert WorkOrder.objects.get(pk=portal["wo"].pk).awaiting_customer_since is not None


def test_a_rolled_back_message_is_never_announced(portal, tech, django_capture_on_commit_callbacks):
    heard = []
    message_posted.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="test-rollback")
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            reply(portal["wo"], tech)
            raise RuntimeError("later step failed")
    finally:
        message_posted.disconnect(dispatch_uid="test-rollback")
    assert heard == [] and not Message.objects.exists()


def test_internal_notes_are_never_shown_to_the_customer(portal, tech):
    reply(portal["wo"], tech, body="Nota: el cliente tiene un controlador pirata.", visibility="internal")
    post_message(work_order=portal["wo"], author=tech, body="Nota con registro", visibility="internal",
                 channel="portal", direction="out", attachments=[("registro.png", PNG)])
    reply(portal["wo"], tech)
    owner = portal["owner"]
    seen = selectors.conversation(owner, portal["wo"])
    assert [m.visibility for m in seen] == ["public"]
    assert [m.visibility for m in selectors.conversation(tech, portal["wo"])] == ["internal", "internal", "public"]
    # The note's file is internal too: not in the customer's files.
    note_file = Attachment.objects.get(filename="registro.png")
    assert note_file.internal is True
    assert note_file not in Attachment.objects.filter(work_order=portal["wo"], internal=False)


def test_customers_write_only_public_messages_to_the_help_desk(portal):
    owner, wo = portal["owner"], portal["wo"]
    assert refused(post_message, work_order=wo, author=owner, body="hola", visibility="internal",
                   channel="portal", direction="in") == ("forbidden", "ET-4", 403)
    assert refused(post_message, work_order=wo, author=owner, body="hola", visibility="public",
                   channel="portal", direction="out")[0] == "invalid_direction"
    message = post_message(work_order=wo, author=owner, body="Sigue sin imprimir.", visibility="public",
                           channel="portal", direction="in")
    assert message.sender_name == "carmen"


def test_a_sender_without_account_cannot_write_internal_notes(portal):
    assert refused(post_message, work_order=portal["wo"], author=None, author_email="x@example.com",
                   body="hola", visibility="internal", channel="email", direction="in")[2] == 403


def test_a_technician_of_another_team_gets_not_found(portal, other_tech):
    assert refused(reply, portal["wo"], other_tech) == ("not_found", None, 404)


def test_a_customer_cannot_write_on_someone_elses_work_order(portal, admin):
    stranger = make_user("pedro", "cliente")
    create_customer(actor=admin, name="Pedro Gil", user=stranger)
    assert refused(post_message, work_order=portal["wo"], author=stranger, body="hola", visibility="public",
                   channel="portal", direction="in")[2] == 404


@pytest.mark.parametrize("body, code", [
    ("", "required"), ("   \n ", "required"), ("hola\x00", "control_characters"), ("a\x07b", "control_characters"),
    ("x" * (messages.BODY_LIMIT + 1), "too_long"), (42, "invalid_input"),
])
def test_bad_bodies_are_refused_and_nothing_is_stored(portal, tech, body, code):
    assert refused(reply, portal["wo"], tech, body=body)[0] == code
    assert not Message.objects.exists()


@pytest.mark.parametrize("field, value", [("visibility", "secret"), ("channel", "fax"), ("direction", "up")])
def test_unknown_choices_are_refused(portal, tech, field, value):
    assert refused(reply, portal["wo"], tech, **{field: value})[0] == "invalid_choice"


def test_a_file_alone_is_a_message_and_a_refused_file_stores_nothing(portal, tech, media):
    message = reply(portal["wo"], tech, body="", attachments=[("captura.png", PNG)])
    assert [a.filename for a in message.attachments.all()] == ["captura.png"]
    before = sorted(p for p in media.rglob("*") if p.is_file())
    assert refused(reply, portal["wo"], tech, attachments=[("bien.png", PNG), ("virus.png", EXE)])[2] == 415
    assert sorted(p for p in media.rglob("*") if p.is_file()) == before
    assert Message.objects.count() == 1


def test_credentials_go_to_the_vault_and_out_of_every_copy(portal, tech):
    body = "Mi usuario es mlopez y la contraseña es Perro2024"
    message = post_message(
        work_order=portal["wo"], author=None, author_email="carmen@example.es", body=body,
        html="<p>Mi usuario es mlopez y la contraseña es <b>Perro2024</b></p>",
        original=body + "\n-- \nCarmen", visibility="public", channel="email", direction="in")
    message.refresh_from_db()
    for text in (message.body, message.body_html, message.original):
        assert "Perro2024" not in text and "mlopez" not in text
    assert VaultSecret.objects.filter(work_order=portal["wo"]).count() == 2


def test_html_is_sanitised(portal):
    message = post_message(
        work_order=portal["wo"], author=None, author_email="carmen@example.es", body="Hola",
        html='<p onclick="x()">Hola<script>alert(1)</script><img src="http://t.example/p.gif">'
             '<a href="javascript:alert(1)">a</a><a href="https://example.com">b</a></p><style>p{}</style>',
        visibility="public", channel="email", direction="in")
    html = message.body_html
    assert "<script" not in html and "onclick" not in html and "<img" not in html and "javascript:" not in html
    assert "<style" not in html and 'href="https://example.com"' in html and "Hola" in html


def test_a_message_id_is_stored_once(portal):
    kwargs = dict(work_order=portal["wo"], author=None, author_email="carmen@example.es", body="Hola",
                  visibility="public", channel="email", direction="in")
    post_message(message_id="<abc@example.es>", **kwargs)
    assert refused(post_message, message_id="abc@example.es", **kwargs) == ("duplicate_message", None, 409)
    assert selectors.message_by_message_id("<abc@example.es>").work_order == portal["wo"]
    assert refused(post_message, message_id="a b@x", **kwargs)[0] == "invalid_input"
    assert refused(post_message, **{**kwargs, "author_email": "not an address"})[0] == "invalid_email"


def test_the_customers_reply_wakes_the_work_order(portal, tech):
    reply(portal["wo"], tech)
    post_message(work_order=portal["wo"], author=portal["owner"], body="Gracias, ya imprime.", visibility="public",
                 channel="portal", direction="in")
    assert WorkOrder.objects.get(pk=portal["wo"].pk).awaiting_customer_since is None


def test_a_closed_work_order_is_read_only_for_staff_and_reopened_by_the_customer(portal, tech):
    closed = close(tech, portal["wo"])
    assert refused(reply, closed, tech) == ("work_order_closed", "SP-1", 409)
    assert refused(reply, closed, tech, visibility="internal")[0] == "work_order_closed"
    # The adapter's record of the closing email keeps it closed.
    post_message(work_order=closed, author=None, author_name="Soporte", body="Su solicitud se cerró.",
                 visibility="public", channel="email", direction="out")
    assert WorkOrder.objects.get(pk=closed.pk).phase == Phase.CLOSURE
    post_message(work_order=closed, author=portal["owner"], body="Vuelve a fallar.", visibility="public",
                 channel="portal", direction="in")
    reopened = WorkOrder.objects.get(pk=closed.pk)
    assert reopened.phase == Phase.SATISFACTION and reopened.closed_at is None
    assert reopened.version == closed.version + 1 and reopened.closing_contact_at is None
    assert WorkOrderEvent.objects.filter(work_order=closed, kind="reopened").exists()


@pytest.mark.parametrize("author_kind", ["portal_account", "mail_adapter"])
def test_a_customer_password_on_a_closed_work_order_reopens_it_and_reaches_the_vault(portal, tech, author_kind):
    # ET-3 and SP-1: the reply reopens the work order first, so the vault (which takes nothing on a
    # closed one) keeps the password; before, the whole message was refused with work_order_closed.
    closed = close(tech, portal["wo"])
    author = portal["owner"] if author_kind == "portal_account" else None
    message = post_message(work_order=closed, author=author, author_email="carmen@example.es",
                           body="Vuelve a fallar. Mi usuario es mlopez y la contraseña es Perro2024",
                           visibility="public", channel="portal" if author else "email", direction="in")
    assert "Perro2024" not in message.body and "[CONTRASEÑA]" in message.body
    reopened = WorkOrder.objects.get(pk=closed.pk)
    assert reopened.phase == Phase.SATISFACTION and reopened.closed_at is None
    assert VaultSecret.objects.filter(work_order=closed, kind="password").count() == 1


def test_a_password_in_the_record_of_a_mail_on_a_closed_work_order_is_refused_whole(portal, tech):
    # What stays closed takes no secret (ET-3, purge on closure): nothing half-stored, a clear 409.
    closed = close(tech, portal["wo"])
    assert refused(post_message, work_order=closed, author=None, author_name="Soporte",
                   body="Su contraseña es Perro2024", visibility="public", channel="email",
                   direction="out") == ("work_order_closed", "ET-3", 409)
    assert not Message.objects.filter(work_order=closed).exists()
    assert WorkOrder.objects.get(pk=closed.pk).phase == Phase.CLOSURE


def test_public_replies_are_checked_by_the_language_assistant_and_sent_anyway(portal, tech):
    message = reply(portal["wo"], tech, body="NO PUEDO HACER NADA, REINICIE EL DNS Y EL TCP/IP")
    assert {f["rule"] for f in message.checked_findings} & {"NT-6", "DN-2"}
    note = reply(portal["wo"], tech, body="NO PUEDO", visibility="internal")
    assert note.checked_findings == []

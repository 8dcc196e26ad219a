"""The conversation panel of the work-order page and the portal: timeline, composer, assistant (CH-VIR, ET-4)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.desk.messages import post_message
from atiende.desk.models import Message, WorkOrder
from tests.attachments import PNG
from tests.pages import signed_in

HTMX = {"HX-Request": "true"}
GOOD = "Buenos días, Doña Carmen: revisamos la impresora y mañana le llevamos el cartucho nuevo. Saludos cordiales."


def url(wo) -> str:
    return f"/solicitudes/{wo.number}/mensajes/"


def test_a_technician_writes_an_internal_note_the_customer_never_sees(desk):
    client = signed_in(desk.technician)
    response = client.post(url(desk.work_order), {"body": "El equipo tiene un controlador pirata.",
                                                  "visibility": "internal"}, headers=HTMX)
    assert response.status_code == 200
    assert "El equipo tiene un controlador pirata." in response.content.decode()
    portal = signed_in(desk.portal).get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    assert "controlador pirata" not in portal and "Nota interna" not in portal


def test_a_public_reply_with_findings_is_held_until_sent_anyway(desk):
    client = signed_in(desk.technician)
    draft = "NO PUEDO HACER NADA CON ESO"
    held = client.post(url(desk.work_order), {"body": draft, "visibility": "public", "action": "send"},
                       headers=HTMX).content.decode()
    assert "Enviar de todos modos" in held and "NT-6" in held and not Message.objects.exists()
    sent = client.post(url(desk.work_order), {"body": draft, "visibility": "public", "action": "send_anyway"},
                       headers=HTMX)
    assert sent.status_code == 200
    message = Message.objects.get()
    assert message.direction == "out" and {f["rule"] for f in message.checked_findings} >= {"NT-6"}


def test_applying_a_rewrite_changes_the_draft_and_sends_nothing(desk):
    client = signed_in(desk.technician)
    draft = "Hola, Doña Carmen: reinicie el router. Saludos."
    page = client.post(url(desk.work_order), {"body": draft, "visibility": "public", "action": "check"},
                       headers=HTMX).content.decode()
    assert "DN-2" in page and "aparato de internet" in page
    page = client.post(url(desk.work_order), {"body": draft, "visibility": "public", "apply": "0"},
                       headers=HTMX).content.decode()
    assert "reinicie el aparato de internet (el que tiene las luces). Saludos.</textarea>" in page
    assert not Message.objects.exists()


def test_a_missing_greeting_is_added_with_the_customers_name_not_put_in_place_of_the_text(desk):
    client = signed_in(desk.technician)
    draft = "El técnico pasará mañana a las 10."
    from atiende.desk.messages import language_findings

    findings = language_findings(work_order=desk.work_order, body=draft, channel="email")
    greeting = next(i for i, f in enumerate(findings) if f["rule"] in ("NT-5", "CO-1")
                    and f["suggestion"].rstrip().endswith(":"))
    page = client.post(url(desk.work_order), {"body": draft, "visibility": "public", "apply": str(greeting)},
                       headers=HTMX).content.decode()
    textarea = page[page.index('id="message-body"'):]
    textarea = textarea[textarea.index(">") + 1:textarea.index("</textarea>")]
    assert textarea.endswith("\n\nEl técnico pasará mañana a las 10.") and "Doña Carmen Ruiz" in textarea
    assert "[" not in textarea


def test_the_customer_replies_from_the_portal_with_a_file(desk):
    client = signed_in(desk.portal)
    response = client.post(url(desk.work_order), {
        "body": "Adjunto la foto del error.", "visibility": "internal",  # ignored: a customer writes in public
        "files": SimpleUploadedFile("error.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.visibility == "public" and message.direction == "in" and message.channel == "portal"
    assert [a.filename for a in message.attachments.all()] == ["error.png"]
    page = client.get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    assert "Adjunto la foto del error." in page and "error.png" in page


def test_the_customer_reply_on_a_closed_work_order_reopens_it(desk):
    WorkOrder.objects.filter(pk=desk.work_order.pk).update(phase="cierre")
    page = signed_in(desk.portal).get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    assert "escribir la reabre" in page.lower()
    signed_in(desk.portal).post(url(desk.work_order), {"body": "Vuelve a fallar."})
    assert WorkOrder.objects.get(pk=desk.work_order.pk).phase == "satisfaccion"
    # Staff on a closed one get the composer hidden and a refusal if they post anyway.
    WorkOrder.objects.filter(pk=desk.work_order.pk).update(phase="cierre")
    staff = signed_in(desk.technician)
    assert 'name="body"' not in staff.get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    refused = staff.post(url(desk.work_order), {"body": "hola", "visibility": "internal"})
    assert refused.status_code == 409 and "SP-1" in refused.content.decode()


def test_a_password_in_a_portal_reply_to_a_closed_work_order_reopens_it_and_is_vaulted(desk):
    from atiende.privacy.models import VaultSecret

    WorkOrder.objects.filter(pk=desk.work_order.pk).update(phase="cierre", closed_at=desk.work_order.created_at)
    response = signed_in(desk.portal).post(url(desk.work_order),
                                           {"body": "Vuelve a fallar; mi contraseña es Perro2024"})
    assert response.status_code == 302
    assert WorkOrder.objects.get(pk=desk.work_order.pk).phase == "satisfaccion"
    assert "Perro2024" not in Message.objects.get().body
    assert VaultSecret.objects.filter(work_order=desk.work_order).count() == 1


def test_another_team_gets_404_and_bad_input_a_clear_error(desk):
    assert signed_in(desk.other_technician).post(url(desk.work_order), {"body": "hola"}).status_code == 404
    bad = signed_in(desk.technician).post(url(desk.work_order), {"body": "", "visibility": "internal"})
    assert bad.status_code == 400 and "Escriba un mensaje o adjunte un archivo." in bad.content.decode()


def test_the_timeline_shows_messages_phases_and_commitments_in_order(desk):
    post_message(work_order=desk.work_order, author=None, author_name="Carmen Ruiz",
                 author_email="carmen@ferreteria.example", body="¿Hay novedades?", visibility="public",
                 channel="email", direction="in", html="<p>¿Hay <b>novedades</b>?<script>x()</script></p>")
    page = signed_in(desk.technician).get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    timeline = page[page.index('id="conversation"'):]
    assert timeline.index("Solicitud abierta") < timeline.index("¿Hay novedades?")
    assert "<b>novedades</b>" in timeline and "<script>x()" not in timeline


def test_the_history_names_a_message_and_a_bounce_in_spanish_not_by_their_codes(desk):
    from atiende.desk.services.history import record_event

    post_message(work_order=desk.work_order, author=desk.technician, body=GOOD, visibility="public",
                 channel="email", direction="out")
    record_event(desk.work_order, None, "mail_bounced", {"recipients": (None, "carmen@example.org 5.1.1")},
                 note="No se pudo entregar")
    page = signed_in(desk.technician).get(f"/solicitudes/{desk.work_order.number}/").content.decode()
    history = page[page.index('id="history-title"'):]
    assert "mensaje escrito" in history and "correo devuelto" in history
    assert "Respuesta al cliente" in history and "Del equipo de soporte" in history and "Correo electrónico" in history
    for code in (": public", ": out", ": email", "visibility", "mail_bounced", "recipients"):
        assert code not in history, code
    english = signed_in(desk.technician)
    english.cookies["django_language"] = "en"
    history = english.get(f"/solicitudes/{desk.work_order.number}/", headers={"Accept-Language": "en"}).content.decode()
    history = history[history.index('id="history-title"'):]
    assert "Public reply" in history and "From the help desk" in history and "mail returned" in history

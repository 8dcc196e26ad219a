"""Internal attachments on the work-order page (ET-4): the staff mark a file internal when
attaching it or later, see an «Interno» badge, and the customer on the portal never sees,
lists nor downloads it."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.desk.models import Attachment, WorkOrderEvent
from atiende.people.models import User
from atiende.privacy.models import AuditEntry
from tests.attachments import PNG, stored_files
from tests.pages import PASSWORD, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

LOG = b"10:00:01 ERROR no responde srv-impresion-03.interno.local\n"
HTMX = {"HX-Request": "true", "HX-Target": "work-order"}


def detail(wo) -> str:
    return reverse("desk:work_order_detail", args=[wo.number])


def attach(client, wo, name="servidores.log", content=LOG, internal=False, **headers):
    data = {"file": SimpleUploadedFile(name, content), **({"internal": "1"} if internal else {})}
    return client.post(reverse("desk:work_order_attachment_add", args=[wo.number]), data, headers=headers)


def toggle_url(wo, item) -> str:
    return reverse("desk:work_order_attachment_internal", args=[wo.number, item.pk])


def download_url(wo, item) -> str:
    return reverse("desk:work_order_attachment_download", args=[wo.number, item.pk])


def panel(page) -> str:
    html = page.content.decode()
    html = html[html.index('id="attachments"'):]
    return html[:html.index("</section>")]


def test_only_the_staff_get_the_internal_checkbox(desk):
    staff_panel = panel(signed_in(desk.technician).get(detail(desk.work_order)))
    assert 'type="checkbox"' in staff_panel and 'name="internal"' in staff_panel
    assert "Interno: solo lo ve el personal de la mesa de ayuda" in staff_panel
    customer_panel = panel(signed_in(desk.portal).get(detail(desk.work_order)))
    assert "Adjuntar un archivo" in customer_panel and 'name="internal"' not in customer_panel


def test_an_internal_file_shows_a_badge_to_the_staff_and_nothing_to_the_customer(desk, media):
    technician = signed_in(desk.technician)
    assert attach(technician, desk.work_order, name="captura.png", content=PNG).status_code == 302
    assert attach(technician, desk.work_order, internal=True).status_code == 302
    hidden = Attachment.objects.get(filename="servidores.log")
    assert hidden.internal is True and hidden.uploaded_by == desk.technician

    staff_page = technician.get(detail(desk.work_order)).content.decode()
    row = re.search(r"<li>\s*<a[^>]*>servidores\.log</a>.*?</li>", staff_page, re.S).group(0)
    assert '<span class="badge badge-alta"' in row and ">Interno</span>" in row
    assert "Mostrar al cliente" in row
    assert "captura.png" in staff_page and "Hacer interno" in staff_page

    portal = signed_in(desk.portal)
    customer_page = portal.get(detail(desk.work_order)).content.decode()
    assert "captura.png" in customer_page
    assert "servidores.log" not in customer_page and download_url(desk.work_order, hidden) not in customer_page
    assert ">Interno<" not in customer_page and "Hacer interno" not in customer_page
    # The file's own URL answers as for a file that does not exist, and nothing is audited for it.
    assert portal.get(download_url(desk.work_order, hidden)).status_code == 404
    assert portal.post(toggle_url(desk.work_order, hidden), {"internal": "0"}).status_code == 404
    assert portal.post(reverse("desk:work_order_attachment_delete",
                               args=[desk.work_order.number, hidden.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="desk.attachment_downloaded", actor_id=desk.portal.pk).exists()
    assert Attachment.objects.get(pk=hidden.pk).internal is True and len(stored_files(media)) == 2


def test_a_customer_cannot_attach_an_internal_file(desk, media):
    refused = attach(signed_in(desk.portal), desk.work_order, internal=True)
    assert refused.status_code == 403
    assert "Solo el personal de la mesa de ayuda puede marcar un archivo como interno." in refused.content.decode()
    assert stored_files(media) == [] and not Attachment.objects.exists()


def test_the_uploader_toggles_the_mark_and_the_history_says_so(desk):
    technician = signed_in(desk.technician)
    attach(technician, desk.work_order)
    item = Attachment.objects.get()
    hidden = technician.post(toggle_url(desk.work_order, item), {"internal": "1"}, headers=HTMX)
    html = hidden.content.decode()
    assert hidden.status_code == 200 and 'id="work-order"' in html
    assert "El archivo servidores.log ahora es interno: solo lo ve el personal." in html
    assert ">Interno</span>" in html and "visibilidad del archivo cambiada" in html
    assert Attachment.objects.get().internal is True
    assert "servidores.log" not in signed_in(desk.portal).get(detail(desk.work_order)).content.decode()

    shown = technician.post(toggle_url(desk.work_order, item), {"internal": "0"})
    assert shown.status_code == 302
    assert Attachment.objects.get().internal is False
    portal = signed_in(desk.portal)
    assert "servidores.log" in portal.get(detail(desk.work_order)).content.decode()
    assert portal.get(download_url(desk.work_order, item)).status_code == 200
    changes = [e.changes["internal"] for e in
               WorkOrderEvent.objects.filter(kind="attachment_internal_changed").order_by("id")]
    assert changes == [[False, True], [True, False]]


def test_a_teammate_gets_no_toggle_and_a_supervisor_does(desk):
    attach(signed_in(desk.technician), desk.work_order, internal=True)
    item = Attachment.objects.get()
    teammate = User.objects.create_user("jorge", password=PASSWORD, role="tecnico")
    teammate.teams.add(desk.work_order.team)
    other = signed_in(teammate)
    page = other.get(detail(desk.work_order)).content.decode()
    assert "servidores.log" in page and toggle_url(desk.work_order, item) not in page
    refused = other.post(toggle_url(desk.work_order, item), {"internal": "0"})
    assert refused.status_code == 403 and "puede cambiar si es interno" in refused.content.decode()
    assert Attachment.objects.get().internal is True

    supervisor = signed_in(desk.supervisor)
    assert toggle_url(desk.work_order, item) in supervisor.get(detail(desk.work_order)).content.decode()
    assert supervisor.post(toggle_url(desk.work_order, item), {"internal": "0"}).status_code == 302
    assert Attachment.objects.get().internal is False


def test_a_customers_file_has_no_toggle(desk):
    attach(signed_in(desk.portal), desk.work_order, name="error.log")
    item = Attachment.objects.get()
    supervisor = signed_in(desk.supervisor)
    assert toggle_url(desk.work_order, item) not in supervisor.get(detail(desk.work_order)).content.decode()
    refused = supervisor.post(toggle_url(desk.work_order, item), {"internal": "1"})
    assert refused.status_code == 409 and "sigue visible para él" in refused.content.decode()
    assert Attachment.objects.get().internal is False


def test_another_teams_technician_gets_404_for_the_toggle(desk):
    attach(signed_in(desk.technician), desk.work_order)
    item = Attachment.objects.get()
    assert signed_in(desk.other_technician).post(toggle_url(desk.work_order, item),
                                                 {"internal": "1"}).status_code == 404
    assert Attachment.objects.get().internal is False

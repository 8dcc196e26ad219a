"""Work-order attachments on the web pages: the panel, uploads (plain and htmx), downloads,
deletion, refusals, and who may reach them (ET-4)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from atiende.desk.models import Attachment, WorkOrderEvent
from atiende.desk.services.customers import create_customer
from atiende.people.models import User
from tests.attachments import PNG, stored_files
from tests.pages import PASSWORD, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

LOG = "10:00:01 ERROR el servicio de impresión se detuvo\n".encode()
HTMX = {"HX-Request": "true", "HX-Target": "work-order"}


def detail(wo) -> str:
    return reverse("desk:work_order_detail", args=[wo.number])


def add_url(wo) -> str:
    return reverse("desk:work_order_attachment_add", args=[wo.number])


def attach(client, wo, name="pantallazo.png", content=PNG, **headers):
    return client.post(add_url(wo), {"file": SimpleUploadedFile(name, content)}, headers=headers)


def test_the_panel_shows_an_upload_form_without_inline_scripts(desk):
    page = signed_in(desk.technician).get(detail(desk.work_order))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Archivos adjuntos" in html and "No hay archivos adjuntos." in html
    panel = html[html.index('id="attachments"'):]
    panel = panel[:panel.index("</section>")]
    form = re.search(r'<form[^>]*action="' + re.escape(add_url(desk.work_order)) + r'"[^>]*>', panel).group(0)
    assert 'enctype="multipart/form-data"' in form and 'hx-encoding="multipart/form-data"' in form
    assert 'name="file"' in html and ".png" in html
    # CSP: the panel brings no script and no inline event handler (htmx attributes only).
    assert "<script" not in panel and not re.search(r"\son[a-z]+=", panel)


def test_upload_then_download_then_delete(desk, media, django_capture_on_commit_callbacks):
    client = signed_in(desk.technician)
    response = attach(client, desk.work_order)
    assert response.status_code == 302 and response["Location"] == detail(desk.work_order)
    page = client.get(detail(desk.work_order)).content.decode()
    assert "Archivo pantallazo.png adjuntado." in page
    item = Attachment.objects.get()
    download_url = reverse("desk:work_order_attachment_download", args=[desk.work_order.number, item.pk])
    assert download_url in page and "pantallazo.png" in page
    # The history, in Spanish.
    assert "archivo adjuntado" in page

    download = client.get(download_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Type"] == "image/png"

    delete_url = reverse("desk:work_order_attachment_delete", args=[desk.work_order.number, item.pk])
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(delete_url)
    assert deleted.status_code == 302
    assert stored_files(media) == [] and not Attachment.objects.exists()
    page = client.get(detail(desk.work_order)).content.decode()
    assert "archivo eliminado" in page and "No hay archivos adjuntos." in page
    assert WorkOrderEvent.objects.filter(work_order=desk.work_order, kind="attachment_deleted").exists()


def test_htmx_upload_swaps_the_work_order_in_place(desk):
    response = attach(signed_in(desk.technician), desk.work_order, name="registro.log", content=LOG, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="work-order"' in html
    assert "registro.log" in html and "Archivo registro.log adjuntado." in html


def test_a_refused_file_is_explained_and_not_stored(desk, media, settings):
    settings.ATIENDE_UPLOAD_MAX_BYTES = 100
    client = signed_in(desk.technician)
    too_big = attach(client, desk.work_order)
    assert too_big.status_code == 413
    assert "demasiado grande" in too_big.content.decode()
    settings.ATIENDE_UPLOAD_MAX_BYTES = 10_000
    page = attach(client, desk.work_order, name="programa.exe", content=b"MZ\x90\x00" + bytes(64), **HTMX)
    # htmx gets the refusal's own status too (web/swaps.js swaps a 4xx HTML answer), inside #work-order.
    assert page.status_code == 415 and "No se acepta este tipo de archivo" in page.content.decode()
    assert 'id="work-order"' in page.content.decode()
    missing = client.post(add_url(desk.work_order), {})
    assert missing.status_code == 400 and "Elija un archivo para adjuntar." in missing.content.decode()
    assert stored_files(media) == [] and not Attachment.objects.exists()


def test_another_teams_technician_gets_404(desk, media):
    attach(signed_in(desk.technician), desk.work_order)
    item = Attachment.objects.get()
    outsider = signed_in(desk.other_technician)
    assert outsider.get(reverse("desk:work_order_attachment_download",
                                args=[desk.work_order.number, item.pk])).status_code == 404
    assert attach(outsider, desk.work_order, name="otra.png").status_code == 404
    assert outsider.post(reverse("desk:work_order_attachment_delete",
                                 args=[desk.work_order.number, item.pk])).status_code == 404
    # An attachment id reached through another (visible) work order is not found either.
    own = signed_in(desk.other_technician).get(reverse("desk:work_order_attachment_download",
                                                       args=[desk.other_work_order.number, item.pk]))
    assert own.status_code == 404
    assert len(stored_files(media)) == 1 and Attachment.objects.count() == 1


def test_the_customer_attaches_on_the_portal_and_others_get_404(desk, media):
    portal = signed_in(desk.portal)
    page = portal.get(detail(desk.work_order)).content.decode()
    assert "Adjuntar un archivo" in page
    assert attach(portal, desk.work_order, name="error.log", content=LOG).status_code == 302
    item = Attachment.objects.get()
    assert item.uploaded_by == desk.portal
    download_url = reverse("desk:work_order_attachment_download", args=[desk.work_order.number, item.pk])
    assert portal.get(download_url).status_code == 200

    stranger = User.objects.create_user("pedro", password=PASSWORD, role="cliente")
    create_customer(actor=desk.administrator, name="Pedro Gil", user=stranger,
                    organisation="Talleres Gil")
    other = signed_in(stranger)
    assert other.get(download_url).status_code == 404
    assert attach(other, desk.work_order, name="intruso.png").status_code == 404
    assert Attachment.objects.count() == 1


def test_only_the_uploader_or_a_supervisor_sees_the_delete_button(desk, django_capture_on_commit_callbacks):
    attach(signed_in(desk.portal), desk.work_order, name="error.log", content=LOG)
    item = Attachment.objects.get()
    delete_url = reverse("desk:work_order_attachment_delete", args=[desk.work_order.number, item.pk])
    technician = signed_in(desk.technician)
    assert delete_url not in technician.get(detail(desk.work_order)).content.decode()
    refused = technician.post(delete_url)
    assert refused.status_code == 403 and "Solo quien adjuntó el archivo" in refused.content.decode()
    supervisor = signed_in(desk.supervisor)
    assert delete_url in supervisor.get(detail(desk.work_order)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert supervisor.post(delete_url, headers=HTMX).status_code == 200
    assert not Attachment.objects.exists()

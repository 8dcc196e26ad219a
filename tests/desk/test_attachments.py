"""Work-order attachments through the API: upload, list, download, delete, and every refusal.

Files land in a temporary MEDIA_ROOT per test, so "nothing stored" and "really removed"
are checked on the disk itself.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atiende.desk import attachments
from atiende.desk.models import Attachment, WorkOrderEvent
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.errors import InputError
from atiende.privacy.models import AuditEntry
from tests.attachments import EXE, PDF, PNG, stored_files
from tests.desk.conftest import bearer, close, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

LOG = "2026-12-02 10:00:01 ERROR spooler: la cola de impresión se detuvo\n".encode()


@pytest.fixture
def portal(admin, team, tech):
    owner = make_user("carmen", "cliente")
    carmen = create_customer(actor=admin, name="Carmen Ruiz", address_as="Doña", user=owner,
                             organisation="Ferretería Ruiz")
    wo = create_work_order(actor=tech, customer=carmen, title="No imprime", team=team)
    stranger = make_user("pedro", "cliente")
    create_customer(actor=admin, name="Pedro Gil", user=stranger, organisation="Talleres Gil")
    return {"owner": owner, "stranger": stranger, "wo": wo}


def url(wo, attachment_id=None) -> str:
    base = f"/api/v1/work-orders/{wo.number}/attachments"
    return base if attachment_id is None else f"{base}/{attachment_id}"


def upload(client, user, wo, name="captura.png", content=PNG, lang=None):
    headers = {**bearer(user), **({"Accept-Language": lang} if lang else {})}
    return client.post(url(wo), {"file": SimpleUploadedFile(name, content, content_type="image/png")},
                       headers=headers)


def test_upload_list_download_and_delete(client, tech, team, customer, media, django_capture_on_commit_callbacks):
    wo = create_work_order(actor=tech, customer=customer, title="Pantallazo azul", team=team)
    response = upload(client, tech, wo)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["filename"] == "captura.png" and data["content_type"] == "image/png"
    assert data["size"] == len(PNG) and data["uploaded_by"]["id"] == tech.pk and data["can_delete"] is True
    assert data["sha256"] == hashlib.sha256(PNG).hexdigest()

    # Stored under MEDIA_ROOT with a random name, not the user's.
    [path] = stored_files(media)
    assert path.read_bytes() == PNG and "captura" not in str(path) and path.suffix == ""
    assert path.is_relative_to(media / "attachments")

    listed = client.get(url(wo), headers=bearer(tech)).json()
    assert [a["filename"] for a in listed] == ["captura.png"]

    download = client.get(data["download_url"], headers=bearer(tech))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;") and "captura.png" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="desk.attachment_downloaded", object_id=str(data["id"])).exists()

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.delete(url(wo, data["id"]), headers=bearer(tech))
    assert deleted.status_code == 204
    assert stored_files(media) == []
    assert client.get(url(wo), headers=bearer(tech)).json() == []
    assert client.get(data["download_url"], headers=bearer(tech)).status_code == 404

    kinds = list(WorkOrderEvent.objects.filter(work_order=wo).values_list("kind", flat=True))
    assert "attachment_added" in kinds and "attachment_deleted" in kinds
    added = WorkOrderEvent.objects.get(work_order=wo, kind="attachment_added")
    assert added.changes["attachment"] == [None, "captura.png"] and hashlib.sha256(PNG).hexdigest() in added.note
    # The history lines are chained into the audit trail (privacy.signals).
    actions = set(AuditEntry.objects.filter(object_type="desk.workorder", object_id=str(wo.pk))
                  .values_list("action", flat=True))
    assert {"workorder.attachment_added", "workorder.attachment_deleted"} <= actions


@pytest.mark.parametrize(("name", "content", "status", "code"), [
    ("grande.png", PNG, 413, "file_too_large"),
    ("virus.exe", EXE, 415, "file_type_not_allowed"),
    ("pagina.txt", b"<html><script>alert(1)</script></html>", 415, "file_type_not_allowed"),
    ("captura.pdf", PNG[:100], 415, "file_extension_mismatch"),
    ("vacio.txt", b"", 400, "empty_file"),
])
def test_refused_files_store_nothing(client, tech, work_order, media, settings, name, content, status, code):
    settings.ATIENDE_UPLOAD_MAX_BYTES = 1000  # PNG above is 1032 bytes
    response = upload(client, tech, work_order, name=name, content=content)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert stored_files(media) == [] and not Attachment.objects.exists()
    assert not WorkOrderEvent.objects.filter(kind="attachment_added").exists()


def test_refusal_messages_follow_the_language(client, tech, work_order, settings):
    settings.ATIENDE_UPLOAD_MAX_BYTES = 10
    spanish = upload(client, tech, work_order).json()["error"]["message"]
    english = upload(client, tech, work_order, lang="en").json()["error"]["message"]
    assert "demasiado grande" in spanish.lower() and "límite" in spanish
    assert "too large" in english and "limit is 10" in english
    settings.ATIENDE_UPLOAD_MAX_BYTES = 10_000
    refused = upload(client, tech, work_order, name="virus.exe", content=EXE, lang="en").json()
    assert "PDF, an image, a text file or a ZIP" in refused["error"]["message"]


def test_a_work_order_holds_a_limited_number_of_files(client, tech, work_order, media, settings):
    settings.ATIENDE_ATTACHMENTS_PER_WORK_ORDER = 2
    assert upload(client, tech, work_order, name="uno.png").status_code == 201
    assert upload(client, tech, work_order, name="dos.log", content=LOG).status_code == 201
    third = upload(client, tech, work_order, name="tres.pdf", content=PDF)
    assert third.status_code == 409 and third.json()["error"]["code"] == "too_many_attachments"
    assert "2" in third.json()["error"]["message"]
    assert len(stored_files(media)) == 2


def test_another_teams_technician_gets_404_everywhere(client, tech, other_tech, team, customer, media):
    wo = create_work_order(actor=tech, customer=customer, title="Red caída", team=team)
    item = upload(client, tech, wo).json()
    assert client.get(url(wo), headers=bearer(other_tech)).status_code == 404
    assert client.get(url(wo, item["id"]), headers=bearer(other_tech)).status_code == 404
    assert client.delete(url(wo, item["id"]), headers=bearer(other_tech)).status_code == 404
    refused = upload(client, other_tech, wo, name="otra.png")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert len(stored_files(media)) == 1 and Attachment.objects.count() == 1


def test_an_attachment_is_reached_only_through_its_own_work_order(client, tech, team, customer):
    first = create_work_order(actor=tech, customer=customer, title="Uno", team=team)
    second = create_work_order(actor=tech, customer=customer, title="Dos", team=team)
    item = upload(client, tech, first).json()
    assert client.get(url(second, item["id"]), headers=bearer(tech)).status_code == 404
    assert client.get(url(first, "99999999999999999999"), headers=bearer(tech)).status_code == 404
    assert client.get(url(first, "abc"), headers=bearer(tech)).status_code == 404


def test_nobody_gets_in_without_signing_in(client, tech, work_order):
    item = upload(client, tech, work_order).json()
    assert client.get(url(work_order)).status_code == 401
    assert client.get(url(work_order, item["id"])).status_code == 401
    assert client.post(url(work_order), {"file": SimpleUploadedFile("a.png", PNG)}).status_code == 401


def test_the_customer_attaches_to_their_own_work_order_only(client, tech, portal, media,
                                                            django_capture_on_commit_callbacks):
    wo, owner, stranger = portal["wo"], portal["owner"], portal["stranger"]
    mine = upload(client, owner, wo, name="error.log", content=LOG)
    assert mine.status_code == 201
    staff_file = upload(client, tech, wo, name="diagnostico.pdf", content=PDF).json()
    listed = client.get(url(wo), headers=bearer(owner)).json()
    assert {a["filename"] for a in listed} == {"error.log", "diagnostico.pdf"}
    download = client.get(url(wo, staff_file["id"]), headers=bearer(owner))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")

    # A customer of another organisation learns nothing.
    for response in (client.get(url(wo), headers=bearer(stranger)),
                     client.get(url(wo, staff_file["id"]), headers=bearer(stranger)),
                     client.delete(url(wo, mine.json()["id"]), headers=bearer(stranger)),
                     upload(client, stranger, wo, name="intruso.png")):
        assert response.status_code == 404
    # The customer deletes their own file, not the technician's.
    refused = client.delete(url(wo, staff_file["id"]), headers=bearer(owner))
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "ET-4"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(url(wo, mine.json()["id"]), headers=bearer(owner)).status_code == 204
    assert len(stored_files(media)) == 1


def test_delete_is_for_the_uploader_or_a_supervisor(client, tech, supervisor, team, customer, media,
                                                    django_capture_on_commit_callbacks):
    teammate = make_user("jorge", "tecnico", team)
    wo = create_work_order(actor=tech, customer=customer, title="Correo", team=team)
    item = upload(client, tech, wo).json()
    listed = client.get(url(wo), headers=bearer(teammate)).json()
    assert listed[0]["can_delete"] is False
    refused = client.delete(url(wo, item["id"]), headers=bearer(teammate))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(url(wo, item["id"]), headers=bearer(supervisor)).status_code == 204
    assert stored_files(media) == []
    event = WorkOrderEvent.objects.get(work_order=wo, kind="attachment_deleted")
    assert event.actor == supervisor and event.changes["attachment"] == ["captura.png", None]


def test_a_closed_work_order_keeps_its_files_read_only(client, tech, team, customer, media):
    wo = create_work_order(actor=tech, customer=customer, title="Monitor", team=team)
    item = upload(client, tech, wo).json()
    close(tech, wo)
    refused = upload(client, tech, wo, name="tarde.png")
    assert refused.status_code == 409 and refused.json()["error"]["rule"] == "SP-1"
    deleting = client.delete(url(wo, item["id"]), headers=bearer(tech))
    assert deleting.status_code == 409 and len(stored_files(media)) == 1
    assert client.get(url(wo, item["id"]), headers=bearer(tech)).status_code == 200


def test_a_type_off_the_safe_list_is_served_as_octet_stream(client, tech, work_order):
    item = upload(client, tech, work_order, name="nota.txt", content=LOG).json()
    text = client.get(url(work_order, item["id"]), headers=bearer(tech))
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    Attachment.objects.filter(pk=item["id"]).update(content_type="text/html")
    html = client.get(url(work_order, item["id"]), headers=bearer(tech))
    assert html["Content-Type"] == "application/octet-stream"
    assert html["Content-Disposition"].startswith("attachment;") and html["X-Content-Type-Options"] == "nosniff"


def test_the_users_file_name_never_becomes_a_path(client, tech, work_order, media):
    response = upload(client, tech, work_order, name="..\\..\\windows\\system32\\registro.log", content=LOG)
    assert response.status_code == 201 and response.json()["filename"] == "registro.log"
    item = Attachment.objects.get()
    assert item.file.name.startswith("attachments/") and "registro" not in item.file.name
    [path] = stored_files(media)
    assert path.resolve().is_relative_to(media.resolve())


def test_a_failed_write_transaction_leaves_no_file(tech, work_order, media, monkeypatch):
    def broken(*args, **kwargs):
        raise InputError("boom", "boom", status=409)

    monkeypatch.setattr(attachments, "record_event", broken)
    with pytest.raises(InputError):
        attachments.add_attachment(actor=tech, work_order=work_order, file=io.BytesIO(PNG), filename="a.png")
    assert stored_files(media) == [] and not Attachment.objects.exists()


def test_deleting_a_work_order_removes_its_files(tech, work_order, media, django_capture_on_commit_callbacks):
    attachments.add_attachment(actor=tech, work_order=work_order, file=io.BytesIO(PDF), filename="informe.pdf")
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        work_order.delete()
    assert stored_files(media) == []


def test_a_file_spooled_to_disk_is_stored_whole(client, tech, work_order, media, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # Django writes the upload to a temporary file
    response = upload(client, tech, work_order)
    assert response.status_code == 201, response.content
    [path] = stored_files(media)
    assert path.read_bytes() == PNG


def test_a_non_ascii_file_name_comes_back_encoded(client, tech, work_order):
    item = upload(client, tech, work_order, name="señal del módem.png").json()
    assert item["filename"] == "señal del módem.png"
    disposition = client.get(item["download_url"], headers=bearer(tech))["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''se%C3%B1al%20del%20m%C3%B3dem.png" in disposition


def test_listing_costs_the_same_queries_for_one_file_or_many(client, tech, work_order,
                                                             django_assert_max_num_queries):
    for i in range(5):
        attachments.add_attachment(actor=tech, work_order=work_order, file=io.BytesIO(LOG), filename=f"r{i}.log")
    headers = bearer(tech)
    with django_assert_max_num_queries(5):
        assert len(client.get(url(work_order), headers=headers).json()) == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_never_exceed_the_limit(tech, team, customer, media, settings):
    from django.db import connection

    from tests.desk.test_concurrent_edit import _run_in_threads

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers are exercised on PostgreSQL; SQLite runs one transaction at a time")
    settings.ATIENDE_ATTACHMENTS_PER_WORK_ORDER = 2
    wo = create_work_order(actor=tech, customer=customer, title="Muchos archivos", team=team)
    results = _run_in_threads(4, lambda i: attachments.add_attachment(
        actor=tech, work_order=wo, file=io.BytesIO(LOG), filename=f"hilo{i}.log"))
    stored = [r for r in results if isinstance(r, Attachment)]
    refused = [r for r in results if isinstance(r, InputError)]
    assert len(stored) == 2 and len(refused) == 2, results
    assert all(r.code == "too_many_attachments" for r in refused)
    assert Attachment.objects.filter(work_order=wo).count() == 2 and len(stored_files(media)) == 2


# --- Internal files (ET-4): the staff's eyes only ---------------------------------------------------------------

def upload_internal(client, user, wo, name="servidores.log", content=LOG):
    return client.post(url(wo), {"file": SimpleUploadedFile(name, content, content_type="text/plain"),
                                 "internal": "true"}, headers=bearer(user))


def patch(client, user, wo, attachment_id, body):
    return client.patch(url(wo, attachment_id), body, content_type="application/json", headers=bearer(user))


def test_an_internal_file_is_never_listed_nor_served_to_the_customer(client, tech, portal, media):
    wo, owner = portal["wo"], portal["owner"]
    shared = upload(client, tech, wo).json()
    hidden = upload_internal(client, tech, wo)
    assert hidden.status_code == 201, hidden.content
    hidden = hidden.json()
    assert hidden["internal"] is True and shared["internal"] is False
    assert Attachment.objects.get(pk=hidden["id"]).internal is True

    # The staff see both files, the internal one marked as such.
    staff_list = client.get(url(wo), headers=bearer(tech)).json()
    assert [(a["filename"], a["internal"]) for a in staff_list] == [("captura.png", False), ("servidores.log", True)]

    # The customer's list has only the shared file, and every way to the internal one is a plain 404.
    customer_list = client.get(url(wo), headers=bearer(owner)).json()
    assert [a["filename"] for a in customer_list] == ["captura.png"]
    assert all(a["internal"] is False and a["can_change_internal"] is False for a in customer_list)
    for response in (client.get(url(wo, hidden["id"]), headers=bearer(owner)),
                     client.get(hidden["download_url"], headers=bearer(owner)),
                     patch(client, owner, wo, hidden["id"], {"internal": False}),
                     client.delete(url(wo, hidden["id"]), headers=bearer(owner))):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert "servidores" not in response.content.decode()
    # The same answer as an id that does not exist: nothing tells the customer the file is there.
    missing = client.get(url(wo, hidden["id"] + 1000), headers=bearer(owner))
    assert missing.json() == client.get(url(wo, hidden["id"]), headers=bearer(owner)).json()
    # No download was audited for the customer, and the file is still stored.
    assert not AuditEntry.objects.filter(action="desk.attachment_downloaded", actor_id=owner.pk).exists()
    assert len(stored_files(media)) == 2 and Attachment.objects.filter(pk=hidden["id"]).exists()


def test_a_customer_without_internal_files_lists_every_file(client, tech, portal):
    wo, owner = portal["wo"], portal["owner"]
    upload(client, tech, wo)
    upload(client, owner, wo, name="error.log", content=LOG)
    listed = client.get(url(wo), headers=bearer(owner))
    assert listed.status_code == 200
    assert [(a["filename"], a["internal"]) for a in listed.json()] == [("captura.png", False), ("error.log", False)]


def test_what_a_customer_attaches_is_never_internal(client, tech, supervisor, portal, media):
    wo, owner = portal["wo"], portal["owner"]
    refused = upload_internal(client, owner, wo)
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "ET-4"
    assert stored_files(media) == [] and not Attachment.objects.exists()
    mine = upload(client, owner, wo, name="error.log", content=LOG).json()
    assert mine["internal"] is False and mine["can_change_internal"] is False
    # Not even a supervisor can hide the customer's own file from them.
    listed = client.get(url(wo), headers=bearer(supervisor)).json()
    assert listed[0]["can_change_internal"] is False
    kept = patch(client, supervisor, wo, mine["id"], {"internal": True})
    assert kept.status_code == 409 and kept.json()["error"]["code"] == "customer_file_not_internal"
    assert patch(client, owner, wo, mine["id"], {"internal": True}).status_code == 403
    assert Attachment.objects.get(pk=mine["id"]).internal is False


def test_the_uploader_or_a_supervisor_changes_the_mark_with_history_and_audit(client, tech, supervisor, team,
                                                                               customer):
    teammate = make_user("jorge", "tecnico", team)
    wo = create_work_order(actor=tech, customer=customer, title="Red caída", team=team)
    item = upload(client, tech, wo, name="traza.log", content=LOG).json()
    assert item["can_change_internal"] is True
    assert client.get(url(wo), headers=bearer(teammate)).json()[0]["can_change_internal"] is False
    refused = patch(client, teammate, wo, item["id"], {"internal": True})
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "ET-4"

    hidden = patch(client, tech, wo, item["id"], {"internal": True})
    assert hidden.status_code == 200 and hidden.json()["internal"] is True
    event = WorkOrderEvent.objects.get(work_order=wo, kind="attachment_internal_changed")
    assert event.actor == tech and event.changes["internal"] == [False, True]
    assert event.changes["attachment"] == ["traza.log", "traza.log"] and item["sha256"] in event.note
    entry = AuditEntry.objects.get(action="desk.attachment_internal_changed")
    assert entry.actor_id == tech.pk and entry.object_id == str(item["id"])
    assert entry.details["internal"] is True and entry.details["work_order"] == wo.number
    assert AuditEntry.objects.filter(action="workorder.attachment_internal_changed").count() == 1

    # Asking for the mark it already has changes nothing and records nothing.
    assert patch(client, tech, wo, item["id"], {"internal": True}).json()["internal"] is True
    assert WorkOrderEvent.objects.filter(kind="attachment_internal_changed").count() == 1

    shown = patch(client, supervisor, wo, item["id"], {"internal": False})
    assert shown.status_code == 200 and shown.json()["internal"] is False
    latest = WorkOrderEvent.objects.filter(kind="attachment_internal_changed").order_by("-id").first()
    assert latest.actor == supervisor and latest.changes["internal"] == [True, False]
    assert AuditEntry.objects.filter(action="desk.attachment_internal_changed").count() == 2


def test_an_internal_upload_is_in_the_history(client, tech, work_order):
    upload_internal(client, tech, work_order)
    event = WorkOrderEvent.objects.get(work_order=work_order, kind="attachment_added")
    assert event.changes["internal"] == [None, True]


def test_the_mark_of_a_closed_work_orders_file_stays(client, tech, team, customer):
    wo = create_work_order(actor=tech, customer=customer, title="Disco lleno", team=team)
    item = upload(client, tech, wo).json()
    close(tech, wo)
    refused = patch(client, tech, wo, item["id"], {"internal": True})
    assert refused.status_code == 409 and refused.json()["error"]["rule"] == "SP-1"
    assert Attachment.objects.get(pk=item["id"]).internal is False


def test_another_teams_technician_cannot_change_the_mark(client, tech, other_tech, work_order):
    item = upload(client, tech, work_order).json()
    assert patch(client, other_tech, work_order, item["id"], {"internal": True}).status_code == 404
    assert Attachment.objects.get(pk=item["id"]).internal is False


@pytest.mark.parametrize("body", [{}, {"internal": "quizá"}, {"internal": None}])
def test_the_mark_must_be_true_or_false(client, tech, work_order, body):
    item = upload(client, tech, work_order).json()
    response = patch(client, tech, work_order, item["id"], body)
    assert response.status_code in (400, 422) and "error" in response.json()
    assert Attachment.objects.get(pk=item["id"]).internal is False


def test_the_service_refuses_a_mark_that_is_not_a_boolean(tech, work_order):
    with pytest.raises(InputError) as refused:
        attachments.add_attachment(actor=tech, work_order=work_order, file=io.BytesIO(PNG), filename="a.png",
                                   internal="yes")  # type: ignore[arg-type]
    assert refused.value.code == "invalid_input" and refused.value.field == "internal"


def test_the_admin_lists_attachments_read_only_without_the_stored_file(client, tech, work_order):
    from django.urls import reverse

    from atiende.people.models import User

    item = upload_internal(client, tech, work_order).json()
    root = User.objects.create_superuser("raiz", "raiz@example.es", "x-very-long-pass-2026", role="administrador")
    client.force_login(root)
    listing = client.get(reverse("admin:desk_attachment_changelist"), {"internal__exact": "1"})
    assert listing.status_code == 200 and "servidores.log" in listing.content.decode()
    stored_name = Attachment.objects.get(pk=item["id"]).file.name
    page = client.get(reverse("admin:desk_attachment_change", args=[item["id"]]))
    assert page.status_code == 200 and "servidores.log" in page.content.decode()
    assert stored_name not in page.content.decode()  # no link around the audited download
    assert client.get(reverse("admin:desk_attachment_add")).status_code == 403
    assert client.get(reverse("admin:desk_workorder_change", args=[work_order.pk])).status_code == 200


def test_a_new_file_is_stored_as_djangos_save_stores_it(media, settings, monkeypatch):
    """store_new (a file only this process knows yet, created with fewer system calls) leaves what
    FieldFile.save leaves: the bytes, the storage's permissions, a name under upload_to relative to MEDIA_ROOT
    on the row, its folder made when new. Folders with a mode of their own (and any other storage) go through
    Django's own save."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    settings.FILE_UPLOAD_PERMISSIONS = 0o640
    # A name's folder is its random key's first two characters: fixed keys here, so that the file stored under a
    # folder mode of its own goes in a folder not made yet (random keys shared one about 1 time in 85) and the
    # last one in a folder made before. (The file left to Django's save is named twice: store_new's name, then
    # FieldFile.save's.)
    keys = iter(["aa" * 16, "bb" * 16, "cc" * 16, "dd" * 16, "ff" * 16, "aa" + "ee" * 15])
    monkeypatch.setattr(Attachment._meta.get_field("file"), "upload_to",
                        lambda instance, filename: f"attachments/{(key := next(keys))[:2]}/{key}")
    saved = []
    real = FileSystemStorage._save
    monkeypatch.setattr(FileSystemStorage, "_save", lambda self, name, content: saved.append(name) or
                        real(self, name, content))
    first, second = Attachment(filename="a.png"), Attachment(filename="b.png")
    attachments.store_new(first.file, "a.png", PNG)  # MEDIA_ROOT is empty: its folders are made
    attachments.store_new(second.file, "b.png", PNG)
    assert saved == []  # created directly
    reference = Attachment(filename="c.png")
    reference.file.save("c.png", ContentFile(PNG), save=False)
    settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
    third = Attachment(filename="d.png")
    attachments.store_new(third.file, "d.png", PNG)
    assert len(saved) == 2 and third.file.name == saved[1]  # the reference's, then this one's
    fourth = Attachment(filename="e.png")  # its folder is first's: no folder to make, so created directly
    attachments.store_new(fourth.file, "e.png", PNG)
    assert len(saved) == 2 and fourth.file.name.startswith("attachments/aa/")
    for row in (first, second, reference, third, fourth):
        path = media / row.file.name
        assert row.file.name.startswith("attachments/") and row.file._committed
        assert row.__dict__["file"] == row.file.name
        assert path.read_bytes() == PNG and (path.stat().st_mode & 0o777) == 0o640
        assert path.stat().st_gid == media.stat().st_gid
    assert len({row.file.name for row in (first, second, reference, third, fourth)}) == 5

"""Files attached to a work order under /api/v1/work-orders/{number}/attachments.

Whoever may read the work order may list, download and attach files (customers
on their own work orders too); anyone else gets 404, as for the work order
itself (ET-4). Deleting is for the uploader, a supervisor or an administrator.
Uploads are ``multipart/form-data`` with one ``file`` part; the file is checked
by content (``atiende.privacy.uploads``: size limit 413, type 415, empty 400)
and a work order holds at most ``ATIENDE_ATTACHMENTS_PER_WORK_ORDER`` files (409).
A closed work order's files can be downloaded but not added or deleted (409, SP-1).
Downloads always come as ``Content-Disposition: attachment`` with
``X-Content-Type-Options: nosniff``.

Internal files (ET-4): the staff may attach a file with ``internal=true`` (a form
part beside ``file``) and the uploader or a supervisor may change it later with
``PATCH {"internal": ...}``. A customer never gets an internal file: it is not in
their list and its URL answers 404. A customer asking for ``internal=true`` gets 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.responses import codes_4xx

from atiende.api.desk import ErrorOut, Ref, answers
from atiende.api.permissions import current_user
from atiende.desk import attachments, selectors
from atiende.desk.attachments import OCTET_STREAM, SAFE_TYPES
from atiende.desk.models import Attachment

PREFIX = "work-orders"
router = Router(tags=["attachments"])


class AttachmentOut(Schema):
    id: int
    filename: str = Field(description="The name it was uploaded with (never used as a path).")
    content_type: str = Field(description="The type proven by the file's content, e.g. image/png.")
    size: int = Field(description="Bytes.")
    sha256: str
    uploaded_by: Ref | None
    uploaded_at: datetime
    download_url: str
    internal: bool = Field(description="Only the help desk staff see it (never listed nor served to the customer).")
    can_delete: bool = Field(description="Whether you may delete it: the uploader, a supervisor or an administrator.")
    can_change_internal: bool = Field(
        description="Whether you may change «internal»: staff who uploaded it, a supervisor or an administrator; "
                    "never on a file the customer attached.")


class AttachmentPatch(Schema):
    internal: bool = Field(description="true: only the help desk staff see it; false: the customer sees it too.")


def attachment_data(request: HttpRequest, item: Attachment) -> dict[str, Any]:
    uploader = item.uploaded_by
    return {
        "id": item.pk, "filename": item.filename, "content_type": item.content_type, "size": item.size,
        "sha256": item.sha256, "uploaded_at": item.uploaded_at,
        "uploaded_by": None if uploader is None else {"id": uploader.pk, "name": uploader.display_name},
        "download_url": reverse("api:download_attachment", kwargs={
            "number": str(item.work_order.number), "attachment_id": str(item.pk)}),
        "internal": item.internal,
        "can_delete": attachments.can_delete(current_user(request), item),
        "can_change_internal": attachments.can_change_internal(current_user(request), item),
    }


def _binary(description: str) -> dict[str, Any]:
    types = sorted(SAFE_TYPES - {"text/plain"} | {"text/plain; charset=utf-8", OCTET_STREAM})
    content = {t: {"schema": {"type": "string", "format": "binary"}} for t in types}
    return {"responses": {200: {"description": description, "content": content}}}


@router.get("/{number}/attachments", response=answers(list[AttachmentOut]),
            summary="The files attached to a work order, oldest first")
def list_attachments(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    user = current_user(request)
    work_order = selectors.get_work_order(user, number)
    return [attachment_data(request, a) for a in attachments.list_attachments(actor=user, work_order=work_order)]


@router.post("/{number}/attachments", response={**answers(AttachmentOut, 201), 413: ErrorOut, 415: ErrorOut},
             summary="Attach a file (multipart/form-data, part «file»; «internal»=true for staff only)")
def upload_attachment(request: HttpRequest, number: str, file: File[UploadedFile],
                      internal: Form[bool] = False) -> Status:
    user = current_user(request)
    work_order = selectors.get_work_order(user, number)
    item = attachments.add_attachment(actor=user, work_order=work_order, file=file, filename=file.name or "",
                                      internal=internal)
    return Status(201, attachment_data(request, item))


@router.get("/{number}/attachments/{attachment_id}", response={codes_4xx: ErrorOut}, url_name="download_attachment",
            summary="Download a file (always as an attachment)",
            openapi_extra=_binary("The file's bytes, as Content-Disposition: attachment."))
def download_attachment(request: HttpRequest, number: str, attachment_id: str) -> FileResponse:
    user = current_user(request)
    item = attachments.get_attachment(actor=user, work_order=selectors.get_work_order(user, number),
                                      attachment_id=attachment_id)
    return attachments.download_response(actor=user, attachment=item)


@router.patch("/{number}/attachments/{attachment_id}", response=answers(AttachmentOut),
              summary="Mark a file internal or not (the uploader on staff, a supervisor or an administrator)")
def change_attachment(request: HttpRequest, number: str, attachment_id: str, payload: AttachmentPatch) -> dict[str, Any]:
    user = current_user(request)
    item = attachments.get_attachment(actor=user, work_order=selectors.get_work_order(user, number),
                                      attachment_id=attachment_id)
    return attachment_data(request, attachments.set_internal(actor=user, attachment=item, internal=payload.internal))


@router.delete("/{number}/attachments/{attachment_id}", response={204: None, codes_4xx: ErrorOut},
               summary="Delete a file (the uploader, a supervisor or an administrator)")
def delete_attachment(request: HttpRequest, number: str, attachment_id: str) -> Status:
    user = current_user(request)
    item = attachments.get_attachment(actor=user, work_order=selectors.get_work_order(user, number),
                                      attachment_id=attachment_id)
    attachments.delete_attachment(actor=user, attachment=item)
    return Status(204, None)

"""Files attached to a work order (screenshots, logs): upload, list, download, delete.

Who may (ET-4): whoever may see the work order (``selectors.visible_work_orders``):
technicians of its team, supervisors in scope, administrators, and the customer on
their own work orders (portal). Anyone else gets the same 404 as for a work order
that does not exist. Deleting is for the person who uploaded the file, a
supervisor or an administrator. A closed work order is read-only (SP-1): its
files can be downloaded, not added or removed, until it is reopened.

Every file passes :func:`atiende.privacy.uploads.check_upload` (size limit,
allowed types proven by the content, extension matching the content) before a
byte is stored; a refusal stores nothing. The bytes are kept under
``MEDIA_ROOT/attachments/`` (``ATIENDE_HOME/media``) with a random name and no
extension; the user's file name is only data, shown and sent back in
``Content-Disposition``. A work order holds at most
``ATIENDE_ATTACHMENTS_PER_WORK_ORDER`` files (default 20).

Adding and deleting are lines of the work order's history (``attachment_added``,
``attachment_deleted``, with the file's SHA-256 in the note), which the privacy
app chains into the audit trail; downloads are audited too
(``desk.attachment_downloaded``), like exports.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk.models import Attachment, WorkOrder
from atiende.desk.services import (
    _forbidden,
    _is_manager,
    _record,
    _require_open,
    _require_visible_work_order,
)
from atiende.errors import InputError
from atiende.people.models import User
from atiende.privacy import audit
from atiende.privacy.uploads import GIF, JPEG, PDF, PNG, TEXT, WEBP, ZIP, check_upload, max_bytes

DEFAULT_PER_WORK_ORDER = 20
FILENAME_LIMIT = 255
# Types served with their own Content-Type; anything else goes out as application/octet-stream.
# Every download is also sent as an attachment with nosniff, so none of these is rendered inline.
SAFE_TYPES = frozenset({
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain", "application/zip",
})
OCTET_STREAM = "application/octet-stream"
# The file picker's hint (the check itself is by content, in check_upload).
ACCEPT = ",".join(ext for kind in (PDF, PNG, JPEG, GIF, WEBP, TEXT, ZIP) for ext in kind.extensions)


def per_work_order_limit() -> int:
    """How many files one work order may hold (``ATIENDE_ATTACHMENTS_PER_WORK_ORDER``, default 20)."""
    value = getattr(settings, "ATIENDE_ATTACHMENTS_PER_WORK_ORDER", None) or os.environ.get(
        "ATIENDE_ATTACHMENTS_PER_WORK_ORDER")
    try:
        limit = int(value) if value else DEFAULT_PER_WORK_ORDER
    except ValueError:
        return DEFAULT_PER_WORK_ORDER
    return limit if limit > 0 else DEFAULT_PER_WORK_ORDER


def max_file_bytes() -> int:
    """The size limit of one file (``ATIENDE_UPLOAD_MAX_BYTES``, default 10 MiB; see privacy.uploads)."""
    return max_bytes()


def clean_filename(name: Any) -> str:
    """The file name as shown and sent back: its last path part, no control characters, at most 255."""
    if not isinstance(name, str):
        name = ""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".").strip()
    if not base:
        raise InputError("file_name_required", _("The file needs a name with its extension, e.g. captura.png."),
                         field="file")
    if len(base) > FILENAME_LIMIT:
        stem, extension = os.path.splitext(base)
        extension = extension[:20]
        base = stem[: FILENAME_LIMIT - len(extension)] + extension
    return base


def served_content_type(attachment: Attachment) -> str:
    """The Content-Type of a download: the stored type only when it is on the safe list."""
    content_type = (attachment.content_type or "").strip().lower()
    if content_type not in SAFE_TYPES:
        return OCTET_STREAM
    return "text/plain; charset=utf-8" if content_type == "text/plain" else content_type


def can_delete(user: User, attachment: Attachment) -> bool:
    """The uploader, a supervisor or an administrator (who can already see the work order)."""
    return bool(_is_manager(user) or (attachment.uploaded_by_id is not None
                                      and attachment.uploaded_by_id == user.pk))


def _not_found() -> InputError:
    return InputError("not_found", _("No such attachment."), status=404)


def _room_left(work_order: WorkOrder) -> None:
    limit = per_work_order_limit()
    if Attachment.objects.filter(work_order=work_order).count() >= limit:
        raise InputError(
            "too_many_attachments",
            _("Work order #%(number)s already has %(limit)d files, the most it may hold; delete one first.")
            % {"number": work_order.number, "limit": limit},
            status=409, field="file",
        )


def _sha256(file: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    while chunk := file.read(64 * 1024):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return digest.hexdigest(), size


def list_attachments(*, actor: User, work_order: WorkOrder) -> list[Attachment]:
    """The files of a work order the actor may see, oldest first; 404 otherwise."""
    current = _require_visible_work_order(actor, work_order)
    found = list(Attachment.objects.filter(work_order=current).select_related("uploaded_by"))
    for item in found:
        item.work_order = current  # already read: no query per file
    return found


def get_attachment(*, actor: User, work_order: WorkOrder, attachment_id: Any) -> Attachment:
    """One file of a work order the actor may see; the same 404 for a missing or hidden one."""
    current = _require_visible_work_order(actor, work_order)
    raw = str(attachment_id).strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) < 13):
        raise _not_found()
    found = Attachment.objects.select_related("uploaded_by").filter(work_order=current, pk=int(raw)).first()
    if found is None:
        raise _not_found()
    found.work_order = current
    return found


def add_attachment(*, actor: User, work_order: WorkOrder, file: IO[bytes], filename: str) -> Attachment:
    """Check the file, store it under a random name, and record it in the history.

    Order of refusals: a work order the actor may not see (404), a closed one (409, SP-1),
    a full one (409), then the file itself (empty 400, too large 413, type 415). Nothing is
    stored on any refusal; the file written before the short write transaction is removed
    if that transaction fails.
    """
    name = clean_filename(filename)
    current = _require_visible_work_order(actor, work_order)
    _require_open(current)
    _room_left(current)
    file.seek(0)
    kind = check_upload(file, name=name)  # measures the file itself: a declared size is not trusted
    digest, measured = _sha256(file)
    attachment = Attachment(
        work_order=current, filename=name, content_type=kind.mime, size=measured, sha256=digest,
        uploaded_by=actor, uploaded_at=timezone.now(),
    )
    attachment.file.save(name, File(file), save=False)  # upload_to gives the random name
    try:
        with transaction.atomic():
            locked = _require_visible_work_order(actor, current, lock=True)
            _require_open(locked)
            _room_left(locked)
            attachment.work_order = locked
            attachment.save()
            _record(locked, actor, "attachment_added",
                    {"attachment": (None, name), "size": (None, measured)},
                    note=f"SHA-256 {digest}", at=attachment.uploaded_at)
    except BaseException:
        attachment.file.storage.delete(attachment.file.name or "")
        raise
    return attachment


def delete_attachment(*, actor: User, attachment: Attachment) -> None:
    """Remove the file and its row (uploader, supervisor or administrator); a history line stays."""
    with transaction.atomic():
        current = _require_visible_work_order(actor, attachment.work_order, lock=True)
        fresh = Attachment.objects.filter(pk=attachment.pk, work_order=current).first()
        if fresh is None:
            raise _not_found()
        if not can_delete(actor, fresh):
            raise _forbidden(_("Only the person who attached the file, a supervisor or an administrator "
                               "may delete it."))
        _require_open(current)
        fresh.delete()  # the stored bytes are removed once this commits (models.remove_attachment_file)
        _record(current, actor, "attachment_deleted",
                {"attachment": (fresh.filename, None), "size": (fresh.size, None)},
                note=f"SHA-256 {fresh.sha256}")


def open_for_download(*, actor: User, attachment: Attachment) -> IO[bytes]:
    """The stored bytes, opened for reading; each download is an entry in the audit trail."""
    try:
        if not attachment.file.name:
            raise FileNotFoundError
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except OSError as exc:
        raise InputError("attachment_file_missing", _("The file of this attachment is no longer stored."),
                         status=404) from exc
    audit.record("desk.attachment_downloaded", actor=actor, obj=attachment,
                 details={"work_order": attachment.work_order.number, "sha256": attachment.sha256})
    return handle


def download_response(*, actor: User, attachment: Attachment) -> FileResponse:
    """The file as a download, for the API and the web UI alike.

    Always ``Content-Disposition: attachment`` (with the user's file name, RFC 6266 encoded)
    and ``X-Content-Type-Options: nosniff``, so the browser saves the file instead of
    rendering it; the Content-Type is the stored one only when it is on the safe list.
    """
    handle = open_for_download(actor=actor, attachment=attachment)
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename,
                            content_type=served_content_type(attachment))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response

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

Internal files (ET-4): the staff (technicians, supervisors, administrators) may
mark a file *internal* when attaching it, e.g. a log naming internal hosts, and
the uploader or a supervisor may change that later. A customer never sees an
internal file: it is left out of their list, and its id gives them the same 404
as a file that does not exist. What a customer attaches is never internal.

Adding, deleting and marking a file internal or not are lines of the work order's
history (``attachment_added``, ``attachment_deleted``, ``attachment_internal_changed``,
with the file's SHA-256 in the note), which the privacy app chains into the audit
trail; downloads (``desk.attachment_downloaded``) and changes of the internal mark
(``desk.attachment_internal_changed``) are also audited against the file itself.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import (
    DEFAULT_STORAGE_ALIAS,
    DefaultStorage,
    FileSystemStorage,
    storages,
)
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.desk.models import Attachment, WorkOrder
from atiende.desk.services.checks import forbidden, require_open, require_visible_work_order
from atiende.desk.services.history import record_event
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_customer_account, is_manager, is_staff
from atiende.privacy import audit
from atiende.privacy.uploads import GIF, JPEG, PDF, PNG, TEXT, WEBP, ZIP, check_upload

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
    return bool(is_manager(user) or (attachment.uploaded_by_id is not None
                                      and attachment.uploaded_by_id == user.pk))


def _attached_by_customer(attachment: Attachment) -> bool:
    """Uploaded by a customer's account, or came with a message from the customer (an email's file)."""
    uploader = attachment.uploaded_by
    if uploader is not None:
        return is_customer_account(uploader)
    message = attachment.message if attachment.message_id is not None else None
    return message is not None and message.direction == "in"


def can_change_internal(user: User, attachment: Attachment) -> bool:
    """Staff only: the uploader, a supervisor or an administrator; never on a customer's own file."""
    if not is_staff(user) or _attached_by_customer(attachment):
        return False
    return can_delete(user, attachment)


def _visible_to(user: User, work_order: WorkOrder) -> Any:
    found = Attachment.objects.filter(work_order=work_order)
    return found if is_staff(user) else found.filter(internal=False)


def _internal_flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError("invalid_input", _("«internal» must be true or false."), field="internal")
    return value


def _not_found() -> InputError:
    return InputError("not_found", _("No such attachment."), status=404)


def room_left(work_order: WorkOrder, adding: int = 1) -> None:
    """409 when ``adding`` more files would pass the work order's limit."""
    limit = per_work_order_limit()
    if Attachment.objects.filter(work_order=work_order).count() + adding > limit:
        raise InputError(
            "too_many_attachments",
            _("Work order #%(number)s already has %(limit)d files, the most it may hold; delete one first.")
            % {"number": work_order.number, "limit": limit},
            status=409, field="file",
        )


def store_new(field_file: Any, filename: str, data: bytes) -> None:
    """``field_file.save(filename, ContentFile(data), save=False)``, with the system calls a new file needs.

    The name comes from the field's ``upload_to`` (random), so ``FileSystemStorage.save``'s look for a free
    name, its ``makedirs`` (a failing ``mkdir`` each time once the folder exists), its lock on a file nobody
    else can know yet and its ``chmod`` and ``stat`` by path are spent on a file this process alone creates:
    here it is created the same way (``O_CREAT | O_EXCL``, mode 0o666 under the umask), written, given the
    storage's permissions and the group of its root as Django gives them (on the open file), and closed; a
    folder not made yet is made as Django makes it. Like Django's, nothing is synced to disk here (the same
    promise as before: the row that names the file is committed after the file is written). A name taken,
    folders with a mode of their own, another storage: Django's own save.
    """
    storage = field_file.storage
    if isinstance(storage, DefaultStorage):  # the lazy wrapper of STORAGES["default"]: the storage it wraps
        storage = storages[DEFAULT_STORAGE_ALIAS]
    name = field_file.field.generate_filename(field_file.instance, filename)
    if type(storage) is FileSystemStorage and len(name) <= field_file.field.max_length and os.name == "posix":
        full_path = storage.path(name)
        fd = _create(full_path, folders=storage.directory_permissions_mode is None)
        if fd >= 0:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                if storage.file_permissions_mode is not None:
                    os.fchmod(fd, storage.file_permissions_mode)
                location_gid = os.stat(storage.location).st_gid
                if os.fstat(fd).st_gid != location_gid:
                    os.fchown(fd, -1, location_gid)
            except BaseException:
                os.close(fd)
                os.unlink(full_path)
                raise
            os.close(fd)
            field_file.name = os.path.relpath(full_path, storage.location).replace("\\", "/")
            setattr(field_file.instance, field_file.field.attname, field_file.name)
            field_file._committed = True
            return
    field_file.save(filename, ContentFile(data), save=False)


def _create(path: str, *, folders: bool) -> int:
    """A new file opened for writing (-1: leave it to the storage's own save). Its folder is made as
    ``FileSystemStorage`` makes it when the storage sets no mode for folders (``folders``)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        return os.open(path, flags, 0o666)
    except FileExistsError:
        return -1
    except FileNotFoundError:
        if not folders:
            return -1
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return os.open(path, flags, 0o666)
    except (FileNotFoundError, FileExistsError):
        return -1


def file_digest(file: IO[bytes]) -> tuple[str, int]:
    """The SHA-256 (hex) and size of an upload, read in chunks; the file is left at its start."""
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
    current = require_visible_work_order(actor, work_order)
    found = list(_visible_to(actor, current).select_related("uploaded_by"))
    for item in found:
        item.work_order = current  # already read: no query per file
    return found


def get_attachment(*, actor: User, work_order: WorkOrder, attachment_id: Any) -> Attachment:
    """One file of a work order the actor may see; the same 404 for a missing or hidden one
    (an internal file asked for by a customer is hidden: ET-4)."""
    current = require_visible_work_order(actor, work_order)
    raw = str(attachment_id).strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) < 13):
        raise _not_found()
    found = _visible_to(actor, current).select_related("uploaded_by").filter(pk=int(raw)).first()
    if found is None:
        raise _not_found()
    found.work_order = current
    return found


def prepare(*, file: IO[bytes], filename: Any, uploaded_by: User | None, internal: bool) -> Attachment:
    """Check one file and store its bytes under a random name; the row is not saved yet.

    The caller saves the row inside its write transaction, and calls :func:`discard` on
    every prepared file if that transaction fails, so a refusal leaves no stray bytes.
    """
    name = clean_filename(filename)
    file.seek(0)
    kind = check_upload(file, name=name)  # measures the file itself: a declared size is not trusted
    digest, measured = file_digest(file)
    attachment = Attachment(filename=name, content_type=kind.mime, size=measured, sha256=digest,
                            uploaded_by=uploaded_by, uploaded_at=timezone.now(), internal=internal)
    if isinstance(file, io.BytesIO):  # bytes in hand (a mail's file): written as a new file is
        store_new(attachment.file, name, file.getvalue())
    else:
        attachment.file.save(name, File(file), save=False)  # upload_to gives the random name
    return attachment


def discard(prepared: list[Attachment]) -> None:
    """Remove the stored bytes of files whose rows were never committed."""
    for attachment in prepared:
        if attachment.file.name:
            attachment.file.storage.delete(attachment.file.name)


def save_prepared(*, work_order: WorkOrder, actor: User | None, attachment: Attachment) -> None:
    """Save a prepared file's row and its history line (inside the caller's transaction)."""
    attachment.work_order = work_order
    attachment.save()
    changes: dict[str, tuple[Any, Any]] = {"attachment": (None, attachment.filename), "size": (None, attachment.size)}
    if attachment.internal:
        changes["internal"] = (None, True)
    record_event(work_order, actor, "attachment_added", changes, note=f"SHA-256 {attachment.sha256}",
                 at=attachment.uploaded_at)


def add_attachment(*, actor: User, work_order: WorkOrder, file: IO[bytes], filename: str,
                   internal: bool = False) -> Attachment:
    """Check the file, store it under a random name, and record it in the history.

    Order of refusals: a work order the actor may not see (404), a customer asking for an
    internal file (403, ET-4), a closed one (409, SP-1), a full one (409), then the file
    itself (empty 400, too large 413, type 415). Nothing is stored on any refusal; the file
    written before the short write transaction is removed if that transaction fails.
    """
    clean_filename(filename)
    internal = _internal_flag(internal)
    current = require_visible_work_order(actor, work_order)
    if internal and not is_staff(actor):
        raise forbidden(_("Only the help desk staff may mark a file as internal."))
    require_open(current)
    room_left(current)
    attachment = prepare(file=file, filename=filename, uploaded_by=actor, internal=internal)
    try:
        with transaction.atomic():
            locked = require_visible_work_order(actor, current, lock=True)
            require_open(locked)
            room_left(locked)
            save_prepared(work_order=locked, actor=actor, attachment=attachment)
    except BaseException:
        discard([attachment])
        raise
    return attachment


def delete_attachment(*, actor: User, attachment: Attachment) -> None:
    """Remove the file and its row (uploader, supervisor or administrator); a history line stays."""
    with transaction.atomic():
        current = require_visible_work_order(actor, attachment.work_order, lock=True)
        fresh = Attachment.objects.filter(pk=attachment.pk, work_order=current).first()
        if fresh is None:
            raise _not_found()
        if not can_delete(actor, fresh):
            raise forbidden(_("Only the person who attached the file, a supervisor or an administrator "
                               "may delete it."))
        require_open(current)
        fresh.delete()  # the stored bytes are removed once this commits (signals.remove_attachment_file)
        record_event(current, actor, "attachment_deleted",
                     {"attachment": (fresh.filename, None), "size": (fresh.size, None)},
                     note=f"SHA-256 {fresh.sha256}")


def set_internal(*, actor: User, attachment: Attachment, internal: bool) -> Attachment:
    """Mark a file internal (staff only) or visible to the customer again.

    For the uploader, a supervisor or an administrator, while the work order is open
    (SP-1). A file the customer attached stays theirs to see (409). Setting the mark it
    already has changes nothing and records nothing.
    """
    internal = _internal_flag(internal)
    with transaction.atomic():
        current = require_visible_work_order(actor, attachment.work_order, lock=True)
        fresh = (_visible_to(actor, current).select_for_update(of=("self",)).select_related("uploaded_by")
                 .filter(pk=attachment.pk).first())
        if fresh is None:
            raise _not_found()
        fresh.work_order = current
        if not is_staff(actor) or not can_delete(actor, fresh):
            raise forbidden(_("Only the person who attached the file, a supervisor or an administrator "
                               "may change whether it is internal."))
        if _attached_by_customer(fresh):
            raise InputError("customer_file_not_internal",
                             _("A file the customer attached stays visible to them; it cannot be internal."),
                             rule="ET-4", status=409, field="internal")
        require_open(current)
        if fresh.internal == internal:
            return fresh
        previous = fresh.internal
        fresh.internal = internal
        fresh.save(update_fields=["internal"])
        record_event(current, actor, "attachment_internal_changed",
                     {"attachment": (fresh.filename, fresh.filename), "internal": (previous, internal)},
                     note=f"SHA-256 {fresh.sha256}")
        audit.record("desk.attachment_internal_changed", actor=actor, obj=fresh,
                     details={"work_order": current.number, "sha256": fresh.sha256, "internal": internal})
    return fresh


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

"""The telephony's own records: the caller-block list (blocking and unblocking, audited) and the integration
tokens a PBX authenticates with. The protocols are :mod:`atiende.telephony.native` and
:mod:`atiende.telephony.generic`; the block check they share is :func:`atiende.telephony.directory.blocked_by`.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.errors import InputError
from atiende.people.models import ApiToken, Role, User
from atiende.privacy import audit
from atiende.telephony.directory import clean_pattern
from atiende.telephony.models import BlockedCaller

# ---- the caller-block list -----------------------------------------------------------

@transaction.atomic
def block_caller(*, pattern: str, reason: str = "", by: User | None = None) -> BlockedCaller:
    """Block a number or prefix (again, if it was unblocked); audited (ET-4) with who and why."""
    clean = clean_pattern(pattern)
    row, created = BlockedCaller.objects.get_or_create(pattern=clean, defaults={"reason": reason, "created_by": by})
    if not created:
        row.active = True
        if reason:
            row.reason = reason
        row.save(update_fields=["active", "reason"])
    audit.record("caller_blocked", actor=by, obj=row, details={"pattern": row.pattern, "reason": row.reason})
    return row


@transaction.atomic
def unblock_caller(*, pattern: str, by: User | None = None) -> BlockedCaller:
    clean = clean_pattern(pattern)
    row = BlockedCaller.objects.filter(pattern=clean, active=True).first()
    if row is None:
        raise InputError("not_blocked", _("%(pattern)s is not blocked.") % {"pattern": clean}, status=404)
    row.active = False
    row.save(update_fields=["active"])
    audit.record("caller_unblocked", actor=by, obj=row, details={"pattern": row.pattern})
    return row


# ---- telephony tokens -----------------------------------------------------------------

INTEGRATION_PREFIX = "cti-"


@transaction.atomic
def issue_cti_token(*, name: str, username: str | None = None, days: int | None = None) -> str:
    """A telephony token (kind ``cti``) named ``name``; returns its raw value, shown once.

    Without ``username`` the token belongs to the integration user ``cti-<name>``,
    created if missing with the customer role and no password: the token sits in
    the PBX's URL (and so in its logs), so its owner can do nothing else in
    Atiende (ET-4: the staff endpoints refuse that role; it cannot sign in).
    Revoke it with ``atiende token revoke PREFIX``.
    """
    name = name.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,60}", name):
        raise InputError("invalid_name", _("The integration name is letters, digits, dots, dashes or "
                                           "underscores (at most 60): %(name)s.") % {"name": name})
    if days is not None and days < 1:
        raise InputError("invalid_days", _("--days must be 1 or more"))
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise InputError("unknown_user", _("no user named %(name)s") % {"name": username}, status=404)
    else:
        user, created = User.objects.get_or_create(
            username=INTEGRATION_PREFIX + name,
            defaults={"role": Role.CUSTOMER, "first_name": "Centralita", "last_name": name},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    _token, raw = ApiToken.issue(user, name=name, kind="cti", days=days)
    return raw



"""Consents, vault secrets, the audit trail and login throttling.

Models hold data and invariants only; what changes them lives in ``services.py``
(consents, vault), ``audit.py`` (the chain) and ``auth.py`` (login throttling).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentScope(models.TextChoices):
    """What the customer allowed. Each scope is checked by ``require_consent``."""

    HOLD = "hold", _("Put on hold")  # HO-3
    TRANSFER = "transfer", _("Transfer")  # TR-3
    ACCOUNT_ACCESS = "account_access", _("Access to an account")  # ET-2
    ADMIN_ACCOUNT_ACCESS = "admin_account_access", _("Access to an administrator account")  # ET-2
    REMOTE_ACCESS = "remote_access", _("Remote access to the computer")  # ET-2
    RECORDING = "recording", _("Recording of the contact")


class ConsentMethod(models.TextChoices):
    SPOKEN_PHONE = "spoken_phone", _("Spoken on the phone")
    WRITTEN = "written", _("Written")
    IN_PERSON = "in_person", _("In person")
    PORTAL = "portal", _("In the customer portal")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self, at: Any = None) -> ConsentQuerySet:
        at = at or timezone.now()
        return self.filter(given_at__lte=at).filter(
            models.Q(withdrawn_at__isnull=True) | models.Q(withdrawn_at__gt=at)
        )


class Consent(models.Model):
    """ET-2 / HO-3 / TR-3: the customer's recorded permission for one kind of action."""

    # Empty only for a caller not identified yet: then the contact says whose consent it is.
    customer = models.ForeignKey(
        "desk.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="consents",
        verbose_name=_("customer"),
    )
    work_order = models.ForeignKey(
        "desk.WorkOrder", null=True, blank=True, on_delete=models.CASCADE, related_name="consents",
        verbose_name=_("work order"),
    )
    # The contact-center engine's identifier of the call or chat in which it was given.
    contact_ref = models.CharField(_("contact"), max_length=100, blank=True, db_index=True)
    scope = models.CharField(_("scope"), max_length=24, choices=ConsentScope.choices)
    method = models.CharField(_("how it was given"), max_length=16, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="recorded_consents", verbose_name=_("recorded by"),
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="withdrawn_consents",
    )
    note = models.TextField(_("note"), blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["customer", "scope"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False) | ~models.Q(contact_ref=""),
                name="privacy_consent_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.customer_id or self.contact_ref})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None or self.withdrawn_at > timezone.now()


class SecretKind(models.TextChoices):
    USERNAME = "username", _("User name")
    PASSWORD = "password", _("Password")
    OTHER = "other", _("Other")


class VaultSecret(models.Model):
    """ET-3: a credential the customer gave, stored only as AES-GCM ciphertext."""

    work_order = models.ForeignKey(
        "desk.WorkOrder", on_delete=models.CASCADE, related_name="vault_secrets", verbose_name=_("work order")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SecretKind.choices)
    label = models.CharField(_("label"), max_length=120, help_text=_("What it opens, e.g. 'Correo de Carmen'."))
    # ET-2: an administrator account needs its own, explicit consent.
    admin_account = models.BooleanField(_("administrator account"), default=False)
    # 12-byte nonce followed by the AES-GCM ciphertext and tag; empty once purged.
    ciphertext = models.BinaryField(editable=False)
    key_id = models.CharField(max_length=16, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    purged_at = models.DateTimeField(_("purged at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("vault secret")
        verbose_name_plural = _("vault secrets")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"

    def __repr__(self) -> str:
        # Never the ciphertext, never anything derived from the plain text.
        return f"<VaultSecret {self.pk} {self.kind} work_order={self.work_order_id}>"


class AppendOnlyError(RuntimeError):
    """Somebody tried to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries are append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("audit entries are append-only")


class AuditEntry(models.Model):
    """One link of the audit chain (ET-4): who read or changed what, when.

    ``hash`` is SHA-256 over the canonical JSON of the entry and ``prev_hash``, so
    editing or deleting any entry breaks every later link (``atiende audit verify``).
    The actor is kept as an id and a name, not a foreign key: deleting a user must
    never have to touch the chain.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries are append-only")


class AuditHead(models.Model):
    """The chain's last link, one row. Appenders lock it, so two appends never share a
    ``seq``; ``verify`` compares it with the last entry, so cutting the tail shows."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC-SHA256 of (seq, hash) under the audit key kept outside the database (audit_seal.py).
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("audit chain head")


class LoginThrottle(models.Model):
    """Failed sign-ins per user name and per address, and the lock they earned."""

    class Kind(models.TextChoices):
        USERNAME = "username", _("User name")
        ADDRESS = "address", _("Network address")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=200)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="privacy_throttle_kind_key")]
        verbose_name = _("login throttle")

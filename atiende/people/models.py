"""People and roles: técnico, supervisor, administrador, cliente; API tokens."""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.people import roles
from atiende.people.roles import Role


class Team(models.Model):
    """A group of technicians led by supervisors; work is visible team by team (ET-4)."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Anyone who signs in. Staff roles carry a tier and skills for routing."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.TECHNICIAN)
    tier = models.PositiveSmallIntegerField(
        _("tier"), default=1, validators=[MinValueValidator(1)],
        help_text=_("Support level: 1 first line, 2 specialists, 3 and up."),
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    teams = models.ManyToManyField(Team, related_name="members", blank=True, verbose_name=_("teams"))
    extension = models.CharField(
        _("phone extension"), max_length=40, blank=True,
        help_text=_("Matched against the numbers telephony reports."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="es"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    # What templates ask; the rule itself lives in atiende.people.roles.
    @property
    def is_technician(self) -> bool:
        return roles.is_technician(self)

    @property
    def is_manager(self) -> bool:
        return roles.is_manager(self)

    @property
    def is_administrator(self) -> bool:
        return roles.is_admin(self)

    @property
    def is_customer(self) -> bool:
        return roles.is_customer(self)

    @property
    def is_staff_member(self) -> bool:
        """Technicians, supervisors and administrators: the people of the desk."""
        return roles.is_staff(self)


TOKEN_PREFIX = "atk_"


def hash_token(raw: str) -> str:
    # Tokens are 32 random bytes, so one SHA-256 is enough: there is nothing to
    # brute-force, unlike a password.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the raw value is shown once."""

    class Kind(models.TextChoices):
        API = "api", _("API")
        CTI = "cti", _("Telephony (CTI)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.API)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def issue(
        cls, user: User, *, name: str = "api", kind: str = "api", days: int | None = None
    ) -> tuple[ApiToken, str]:
        """Create a token and return it with its raw value, which is never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        lifetime = timedelta(days=days if days is not None else settings.ATIENDE_TOKEN_DAYS)
        token = cls.objects.create(
            user=user, name=name, kind=kind, prefix=raw[:12], digest=hash_token(raw),
            expires_at=timezone.now() + lifetime,
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str, *, kind: str | None = None) -> ApiToken | None:
        """The active token with this raw value (and kind), or None.

        A token verified in the last ``ATIENDE_TOKEN_CACHE_SECONDS`` is answered
        from this process's memory (an integration sends many requests a second);
        any change to a token or a user in this process empties that memory, and
        another process's revocation takes effect here within those seconds.
        """
        digest = hash_token(raw)
        token = _verified.get(digest)
        if token is None:
            token = cls.objects.active().select_related("user").filter(digest=digest).first()
            if token is None:
                return None
            _verified.put(digest, token)
        if kind and token.kind != kind:
            return None
        now = timezone.now()
        if token.expires_at <= now:
            return None
        # Write the last use at most once a minute: tokens are used on every request.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            token.last_used_at = now
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        # Each request gets its own copies: nothing one request does to its user reaches another.
        found = copy.copy(token)
        found.user = copy.copy(token.user)
        return found

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class _VerifiedTokens:
    """Tokens verified recently, by digest; emptied whenever a token or a user changes in this process."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, ApiToken]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> ApiToken | None:
        item = self._items.get(digest)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, digest: str, token: ApiToken) -> None:
        seconds = settings.ATIENDE_TOKEN_CACHE_SECONDS
        if seconds <= 0:
            return
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[digest] = (time.monotonic() + seconds, token)

    def clear(self, **_kwargs: object) -> None:
        with self._lock:
            self._items.clear()


_verified = _VerifiedTokens()
for _model in (ApiToken, User):
    post_save.connect(_verified.clear, sender=_model, dispatch_uid=f"atiende-token-cache-{_model.__name__}-save")
    post_delete.connect(_verified.clear, sender=_model, dispatch_uid=f"atiende-token-cache-{_model.__name__}-delete")

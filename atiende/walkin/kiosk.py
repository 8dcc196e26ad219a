"""The reception kiosk as a device: a tablet that may check visitors in, and nothing else.

A staff member opens the kiosk mode on the tablet (``/recepcion/quiosco/``): the tablet keeps a signed
cookie naming them and their session ends, so a visitor who leaves the kiosk page finds a sign-in form,
not the staff member's help desk. Check-ins then act for that staff member, while they stay active staff
(ET-4: deactivating the account closes the kiosk too). The cookie is signed with the site's key and
a salt of its own, so no other cookie or token can stand for it.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from atiende.people.models import User
from atiende.people.roles import is_staff

COOKIE = "atiende_quiosco"
SALT = "atiende.walkin.kiosk"
MAX_AGE = 365 * 24 * 3600


def kiosk_actor(request: HttpRequest) -> User | None:
    """Whom the kiosk acts for: the signed-in staff member, else the staff member who opened this device's
    kiosk mode; None: neither (the page asks to sign in)."""
    user = request.user
    if is_staff(user):
        return user  # type: ignore[return-value]
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return None
    try:
        user_id = signing.loads(raw, salt=SALT, max_age=MAX_AGE).get("user")
    except (signing.BadSignature, AttributeError):
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    return found if is_staff(found) else None


def is_device(request: HttpRequest) -> bool:
    return not getattr(request.user, "is_authenticated", False) and kiosk_actor(request) is not None


def open_on(response: HttpResponse, user: User, *, secure: bool) -> HttpResponse:
    response.set_cookie(COOKIE, signing.dumps({"user": user.pk}, salt=SALT), max_age=MAX_AGE, httponly=True,
                        samesite="Strict", secure=secure or bool(getattr(settings, "SESSION_COOKIE_SECURE", False)))
    return response

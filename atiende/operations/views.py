"""``/healthz``, ``/readyz`` and ``/metrics`` (served by atiende/operations/middleware.py).

``/healthz``: 200 while the process answers; nothing else is looked at.
``/readyz``: 200 when every check of atiende/operations/readiness.py passes,
503 naming what fails. Both JSON, without authentication, without secrets.

``/metrics``: Prometheus text, only to a client whose address is in
``ATIENDE_METRICS_ALLOW`` (addresses or networks, comma-separated, e.g.
``127.0.0.1,10.0.0.0/8``) or that sends ``Authorization: Bearer`` with an
administrator's API token; anyone else gets 403 in the API's error format.
"""

from __future__ import annotations

import ipaddress
import os

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from atiende.api.errors import error_body
from atiende.operations import readiness

_NO_STORE = {"Cache-Control": "no-store"}


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"}, headers=_NO_STORE)


def readyz(request: HttpRequest) -> HttpResponse:
    report = readiness.readiness()
    return JsonResponse(report.as_json(), status=200 if report.ready else 503, headers=_NO_STORE)


def allowed_networks(raw: str | None = None) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``ATIENDE_METRICS_ALLOW`` read; an entry that is no address is an error naming it."""
    raw = os.environ.get("ATIENDE_METRICS_ALLOW", "") if raw is None else raw
    networks = []
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"ATIENDE_METRICS_ALLOW: {entry!r} is not an address or a network") from exc
    return networks


def _address_allowed(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in networks)


def _administrator_token(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _space, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return False
    from atiende.people.models import ApiToken
    from atiende.people.roles import is_admin

    token = ApiToken.authenticate(raw.strip(), kind=ApiToken.Kind.API)  # a telephony token only sends call events
    return token is not None and is_admin(token.user)


def metrics_view(request: HttpRequest) -> HttpResponse:
    try:
        networks = allowed_networks()
    except ValueError as exc:  # told to whoever asks (it names only the setting's own entry), never a 500
        return JsonResponse(error_body("invalid_setting", str(exc)), status=403)
    if not (_address_allowed(request.META.get("REMOTE_ADDR", ""), networks) or _administrator_token(request)):
        body = error_body("forbidden", _("The metrics are served only to the addresses of ATIENDE_METRICS_ALLOW "
                                         "or with an administrator's API token (Authorization: Bearer)."))
        return JsonResponse(body, status=403)
    from atiende.operations.metrics import REGISTRY

    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST, headers=_NO_STORE)

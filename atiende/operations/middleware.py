"""Two middlewares, first in the chain: the request's id and timing, and the probes' endpoints.

``RequestContextMiddleware`` gives each request its id (``X-Request-ID`` in and
out, atiende/operations/logs.py), times it for ``atiende_request_seconds`` by
route, and writes one ``atiende.request`` log line (at INFO).

``ProbeMiddleware`` answers ``/healthz``, ``/readyz`` and ``/metrics`` before
anything else runs: no session, no host-name check, no redirect to HTTPS. A
proxy or an orchestrator probes each process by its own address, which is
not the public host name; the answers hold no secret (``/metrics`` has its own
gate, atiende/operations/views.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from atiende.operations import logs, metrics, views

log = logging.getLogger("atiende.request")

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": views.healthz,
    "/readyz": views.readyz,
    "/metrics": views.metrics_view,
}


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = logs.request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        with logs.working_for(request_id):
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            route = (match.route if match is not None else "") or (
                request.path if request.path in PROBES else "unmatched")
            metrics.observe_request(route=route, method=request.method or "", seconds=seconds,
                                    status=response.status_code)
            log.info("%s %s %s %.1f ms", request.method, route, response.status_code, seconds * 1000,
                     extra={"route": route, "status": response.status_code,
                            "duration_ms": round(seconds * 1000, 1)})
        response["X-Request-ID"] = request_id
        return response


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)

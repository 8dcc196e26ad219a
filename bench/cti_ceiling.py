"""The floor's statements served through Django and django-ninja: what the SPEC's stack costs with no rules at all.

``bench/cti_floor.py`` runs, per CTI event, the kinds of statements Atiende
runs, with no framework. Atiende answers through Django and django-ninja (the
SPEC's stack). This module serves the very same statements (``cti_floor.handle``)
through that stack, in one of three variants chosen by ``CEILING_VARIANT``:

``ninja``
    The most generous Django one can write: no middleware, no apps, no
    authentication, an asynchronous django-ninja view that runs the statements
    on the floor's asynchronous psycopg pool, so no request leaves the event loop.

``atiende``
    Atiende's own ASGI application (``atiende.asgi``: its settings, middleware
    chain, bearer-token authentication, the CTI event schema and its checks
    of the token) with one route replaced: ``POST /api/v1/cti/events`` runs the
    floor's statements through Django's database connection, inside
    ``transaction.atomic``, instead of the engine's services. It is what Atiende
    would cost if every rule, timer, routing decision, live update and webhook
    were free and every query were hand-written.

``lean``
    The same, with Django's middleware chain emptied: the cheapest request path
    Atiende's application could give this one route.

Either way no rule is checked: the events/s such a server reaches is a ceiling
for any implementation of the engine on that stack, on this machine.
``bench_engine.py`` serves them beside Atiende and the floor in the same run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Coroutine
from typing import Any

import django
from cti_floor import handle
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path

VARIANT = os.environ.get("CEILING_VARIANT", "ninja")
URL = os.environ.get("FLOOR_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _unauthorised(request: HttpRequest) -> JsonResponse:
    """bench_engine's readiness probe asks for /api/v1/people/me and waits for a 401."""
    return JsonResponse({}, status=401)


if VARIANT == "ninja":
    settings.configure(DEBUG=False, SECRET_KEY="ceiling", ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"],
                       MIDDLEWARE=[], INSTALLED_APPS=[], DATABASES={}, USE_I18N=False, USE_TZ=True)
    django.setup(set_prefix=False)

    from django.core.asgi import get_asgi_application
    from ninja import NinjaAPI
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(URL, min_size=8, max_size=16, open=False)
    api = NinjaAPI(urls_namespace="ceiling", docs_url=None, openapi_url=None)

    @api.post("/cti/events")
    async def events(request: HttpRequest) -> JsonResponse:
        if pool.closed:
            await pool.open()
        async with pool.connection() as conn, conn.transaction():
            status, answer = await handle(conn, json.loads(request.body))
        return JsonResponse(answer, status=status)

    urlpatterns = [path("api/v1/people/me", _unauthorised), path("api/v1/", api.urls)]
    app = get_asgi_application()

elif VARIANT in ("atiende", "lean"):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    settings.ROOT_URLCONF = __name__  # the route below first, then Atiende's own
    if VARIANT == "lean":
        settings.MIDDLEWARE = []
    django.setup(set_prefix=False)

    class _Cursor:
        """Django's cursor with the awaitable surface the floor's statements use; it never suspends."""

        def __init__(self, cursor: Any) -> None:
            self.cursor = cursor

        async def execute(self, sql: str, params: Any = None) -> _Cursor:
            self.cursor.execute(sql, params)
            return self

        async def fetchone(self) -> Any:
            return self.cursor.fetchone()

        async def fetchall(self) -> Any:
            return self.cursor.fetchall()

    def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run a coroutine that never suspends, synchronously, in the request's thread."""
        try:
            coroutine.send(None)
        except StopIteration as done:
            return done.value
        coroutine.close()
        raise RuntimeError("the floor's statements suspended outside an event loop")

    from django.db import connection, transaction
    from ninja import NinjaAPI

    from atiende.api.auth import default_auth, telephony_auth
    from atiende.api.cti import CtiEventIn, _require_telephony
    from atiende.api.errors import install_error_handlers
    from atiende.urls import urlpatterns as atiende_urls

    def _urlpatterns() -> list[Any]:
        api = NinjaAPI(urls_namespace="ceiling", auth=default_auth, docs_url=None, openapi_url=None)
        install_error_handlers(api)

        @api.post("/cti/events", auth=telephony_auth)
        def events(request: HttpRequest, event: CtiEventIn) -> JsonResponse:
            _require_telephony(request)
            payload = json.loads(event.model_dump_json(by_alias=True))
            with transaction.atomic(), connection.cursor() as cursor:
                status, answer = _run(handle(_Cursor(cursor), payload))
            return JsonResponse(answer, status=status)

        return [path("api/v1/", api.urls), *atiende_urls]

    urlpatterns = _urlpatterns()

    from atiende.asgi import application as app  # noqa: E402, F401 - loads the URLs above

else:
    raise SystemExit(f"CEILING_VARIANT must be 'ninja', 'atiende' or 'lean', not {VARIANT!r}")

"""ASGI entry point: HTTP through Django, websockets through Channels."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")

import django  # noqa: E402
from asgiref.sync import ThreadSensitiveContext, sync_to_async  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.handlers.asgi import ASGIHandler  # noqa: E402
from django.urls import Resolver404  # noqa: E402

django.setup(set_prefix=False)

from atiende.api import cti_lean  # noqa: E402
from atiende.web import body_limit  # noqa: E402


class SyncRequestHandler(ASGIHandler):
    """Django's ASGI handler, tuned for Atiende's synchronous middleware and views.

    Django's stock handler does two costly things per request when everything
    below it is synchronous: it runs the middleware chain in async mode, which
    moves every hook of every middleware to a worker thread and back (a dozen
    thread hops), and it starts a new worker thread for the request and another
    to join it afterwards. Together they were most of an API call's time on a
    busy server. Here the whole synchronous chain runs in one hop, as under WSGI,
    on a worker thread kept from earlier requests (one request at a time per
    thread, as Django's thread-sensitive mode requires). Websockets and the event
    loop stay asynchronous.

    A request body larger than the upload limit is not read whole: it is answered
    413 before any view runs (``atiende.web.body_limit``).
    """

    def __init__(self) -> None:
        super().__init__()
        self._idle_threads: list[ThreadPoolExecutor] = []  # touched only by the event loop's thread
        # A PBX's call events: their own way (atiende/api/cti_lean.py), when this process's URLconf serves them (a
        # bench's ceiling serves its own routes only: bench/workorder_ceiling.py).
        try:
            self._cti: cti_lean.Handler | None = cti_lean.Handler()
        except Resolver404:
            self._cti = None

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # Django's own refusal
            return
        thread = (self._idle_threads.pop() if self._idle_threads
                  else ThreadPoolExecutor(max_workers=1, thread_name_prefix="atiende-request"))
        try:
            async with ThreadSensitiveContext(executor=thread):
                if self._cti is not None and cti_lean.handles(scope):
                    await cti_lean.serve(self._cti, scope, receive, send, self.handle)
                else:
                    await self.handle(scope, receive, send)
        finally:
            # A thread still finishing a cancelled request's view takes the next request after it.
            self._idle_threads.append(thread)

    async def get_response_async(self, request: Any) -> Any:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await super().handle(scope, body_limit.LimitedBody(scope, receive), send)

    def create_request(self, scope: Mapping[str, Any], body_file: Any) -> Any:
        request, error = super().create_request(scope, body_file)
        if request is not None and body_limit.cut_short(scope):
            return None, body_limit.too_large(request)  # answered without reaching a view
        return request, error


django_asgi_app = SyncRequestHandler()

# Load the URLs (and with them the API's routers and schemas) now, while the
# process starts, not on its first request: a new server process answers its
# first call as fast as its thousandth.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - the import is the point

from channels.auth import AuthMiddlewareStack  # noqa: E402

from atiende.web.routing import WIDGET_PATHS, websocket_urlpatterns, widget_websocket_urlpatterns  # noqa: E402

desk_sockets = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
widget_sockets = URLRouter(widget_websocket_urlpatterns)


async def websockets(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The chat widget's socket comes from customers' sites (its consumer checks the page's origin against the
    widget's allow-list); every other socket from the desk's own pages, with the session."""
    sockets = widget_sockets if scope.get("path") in WIDGET_PATHS else desk_sockets
    await sockets(scope, receive, send)


application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websockets})

# What is loaded by now (Django, the models, the URLs, the API's schemas) lives as long as the process. Moved
# out of the garbage collector's reach, it is no longer walked by every full collection, which stops every
# request of the process while it runs: on a warm server about 70 ms per full collection on a quiet
# machine (0.3 s and more on a busy one), under 1 ms once frozen (bench/bench_cti_costs.py).
gc.freeze()

# On SQLite every write holds the file's one write lock from BEGIN IMMEDIATE to COMMIT, and each statement in
# between lets go of the GIL while SQLite works. Getting it back waits for the thread running then to let go,
# up to the interpreter's switch interval (5 ms by default): with 16 requests in flight a transaction of a
# dozen statements held the write lock for tens of milliseconds, most of it waiting for the GIL, while every
# other writer queued behind it (issue 25: p99 of work-order creation under 16 writers). A shorter interval
# hands the GIL back sooner. PostgreSQL's row locks do not queue the whole process behind one transaction, and
# there it measured no better, so its servers keep the default.
from django.conf import settings  # noqa: E402

SQLITE_SWITCH_INTERVAL = 0.0005
if settings.DATABASES["default"]["ENGINE"] == "atiende.backends.sqlite3":
    sys.setswitchinterval(SQLITE_SWITCH_INTERVAL)

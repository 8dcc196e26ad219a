"""An htmx action whose session has ended goes to the sign-in page, as a whole page.

The views send a signed-out request to the sign-in page with a redirect. An htmx request is an
XMLHttpRequest, which follows that redirect by itself: the sign-in page came back as the action's answer
(200) and was swapped into the panel (a page inside the page), or, for a form that takes one part of the
answer (hx-select), that part was not in it. Nothing said that the session had ended (8 hours by default,
``ATIENDE_SESSION_SECONDS``: a console left open across a shift).

For htmx requests the redirect becomes ``HX-Redirect``: htmx opens the sign-in page in the window, and
after signing in the person comes back to the page they were on (``HX-Current-URL`` on this site; its path
only), not to the fragment's address.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

REDIRECTS = (301, 302, 303, 307, 308)


def _page_path(request: HttpRequest) -> str:
    """The page the person was on (path and query of ``HX-Current-URL`` on this site), or the home page."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    path = current.path
    if current.netloc != request.get_host() or not path.startswith("/") or path.startswith("//"):
        return "/"
    return f"{path}?{current.query}" if current.query else path


class HtmxSignInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code not in REDIRECTS or request.headers.get("HX-Request") != "true":
            return response
        sign_in = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.get("Location", "")).path != sign_in:
            return response
        answer = HttpResponse(status=200)
        answer["HX-Redirect"] = f"{sign_in}?{urlencode({'next': _page_path(request)})}"
        return answer

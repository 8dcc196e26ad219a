"""Which sites may embed a chat widget: its allow-list of origins.

An origin is ``scheme://host[:port]`` as the browser sends it in the ``Origin`` header. The
allow-list holds exact origins (``https://www.example.com``) and whole sub-domain families
(``https://*.example.com``: any sub-domain, not the bare domain); the scheme always counts
(``http://`` is another origin) and a default port is the same as none. A browser sends no
Origin header only from the desk's own pages, never from another site, so a missing origin is
refused too: a widget's start call and its websocket always come from the host page.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from atiende.practices import Refusal

DEFAULT_PORTS = {"http": 80, "https": 443}


class OriginError(Refusal):
    def __init__(self, code: str, *, es: str, en: str, status: int = 400) -> None:
        super().__init__(code, rule=None, es=es, en=en, status=status)


def normalise_origin(value: str, *, wildcard: bool = False) -> str:
    """``scheme://host[:port]`` in lower case with the default port left out; :class:`OriginError` otherwise.

    ``wildcard`` accepts ``https://*.example.com`` (an allow-list entry; a browser never sends one)."""
    raw = (value or "").strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/")
            or parts.query or parts.fragment or parts.username or parts.password):
        raise OriginError("bad_origin",
                          es=f"«{raw[:200]}» no es un origen: escríbalo como https://www.ejemplo.com (sin ruta).",
                          en=f"«{raw[:200]}» is not an origin: write it as https://www.example.com (no path).")
    host = parts.hostname.lower()
    if "*" in host and not (wildcard and host.startswith("*.") and "*" not in host[2:] and "." in host[2:]):
        raise OriginError("bad_origin",
                          es=f"«{raw[:200]}»: el comodín solo vale al principio, como https://*.ejemplo.com.",
                          en=f"«{raw[:200]}»: a wildcard only goes first, as in https://*.example.com.")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    shown = f"{parts.scheme}://{host}"
    return shown if port in (None, DEFAULT_PORTS[parts.scheme]) else f"{shown}:{port}"


def parse_allowed(entries: Iterable[str]) -> list[str]:
    """An allow-list as typed by an administrator (one origin a line or comma-separated), normalised."""
    found: list[str] = []
    for entry in entries:
        for item in entry.replace(",", "\n").splitlines():
            if item.strip():
                origin = normalise_origin(item, wildcard=True)
                if origin not in found:
                    found.append(origin)
    return found


def origin_allowed(origin: str | None, allowed: Iterable[str]) -> bool:
    """Whether a browser's ``Origin`` header is on the allow-list (entries as :func:`parse_allowed` keeps them)."""
    if not origin:
        return False
    try:
        seen = normalise_origin(origin)
    except OriginError:
        return False
    scheme, _, rest = seen.partition("://")
    for entry in allowed:
        try:
            wanted = normalise_origin(entry, wildcard=True)
        except OriginError:
            continue
        if wanted == seen:
            return True
        want_scheme, _, want_rest = wanted.partition("://")
        if want_scheme == scheme and want_rest.startswith("*.") and rest.endswith(want_rest[1:]):
            return True
    return False

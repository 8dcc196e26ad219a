"""The REST API under /api/v1/: one django-ninja router per app, one error format."""

from __future__ import annotations

from ninja import NinjaAPI

from atiende import __version__
from atiende.api.auth import default_auth
from atiende.api.errors import install_error_handlers

api = NinjaAPI(
    title="Atiende API",
    version="1",
    description=(
        "Help desk and contact center API. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `atiende token create USERNAME`) or with the web session. "
        'Errors are `{"error": {"code", "message", "rule"}}`; `rule` cites the practice '
        "(see /api/v1/practices)."
    ),
    auth=default_auth,
    urls_namespace="api",
)
install_error_handlers(api)


def _mount_routers() -> None:
    # One line per app's router; the order is the order in the docs.
    # late: the routers import atiende.api's error handlers and auth, defined above; mounted once they exist.
    from atiende.api import people as people_router
    from atiende.api import practices as practices_router

    api.add_router("/practices", practices_router.router)
    api.add_router("/people", people_router.router)
    for module_name in ROUTERS:
        module = __import__(f"atiende.api.{module_name}", fromlist=["router"])
        api.add_router(f"/{module.PREFIX}", module.router)


# Routers added by the apps: module name under atiende/api/ exposing PREFIX and router.
ROUTERS: list[str] = [
    "desk",
    "attachments",
    "messages",
    "customers",
    "surveys",
    "privacy",
    "exports",
    "contact",
    "cti",
    "cti_generic",
    "blocked_callers",
    "analyze",
    "scorecards",
    "training",
    "search",
    "articles",
    "canned_answers",
    "reports",
    "walkins",
    "campaigns",
    "chats",
    "callbacks",
]

_mount_routers()
__all__ = ["api", "__version__"]

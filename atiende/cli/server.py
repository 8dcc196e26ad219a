"""demo, serve, migrate: run Atiende."""

from __future__ import annotations

import argparse

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    demo = sub.add_parser("demo", add_help=False, help=_("migrate, load demo data and serve on 127.0.0.1:8000"),
                          description=_("Migrate the database, load realistic demo data (once) and serve."))
    add_help_flag(demo)
    _add_address(demo)
    demo.add_argument("--no-serve", action="store_true", help=_("load the demo data and exit"))
    demo.set_defaults(handler=run_demo)

    serve = sub.add_parser("serve", add_help=False, help=_("serve the web interface and the API"),
                           description=_("Serve the web interface, the API and the websockets."))
    add_help_flag(serve)
    _add_address(serve)
    serve.add_argument("--workers", type=int, default=1,
                       help=_("server processes (default %(default)s); more than one needs REDIS_URL so every "
                              "console gets every live update"))
    serve.set_defaults(handler=run_serve)

    migrate = sub.add_parser("migrate", add_help=False, help=_("create or update the database tables"),
                             description=_("Create or update the database tables."))
    add_help_flag(migrate)
    migrate.set_defaults(handler=run_migrate)


def _add_address(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default %(default)s)"))
    parser.add_argument("--port", type=int, default=8000, help=_("port to listen on (default %(default)s)"))


def run_migrate(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    from atiende.demo import load_demo

    call_command("migrate", interactive=False, verbosity=0)
    logins = load_demo()
    print(_("Demo data ready. Sign in at http://%(host)s:%(port)s/ with:") % {"host": args.host, "port": args.port})
    for username, password, role in logins:
        print(f"  {username:<14} {password:<20} {role}")
    if args.no_serve:
        return 0
    from atiende.cli.worker import start_in_thread

    start_in_thread()  # the policy clock: hold reminders, transfer timeouts, wait alerts
    return run_serve(args, demo=True)


def refuse_development_key() -> str | None:
    """Why this server must not start (issue 22, item 13): debug off and no ``ATIENDE_SECRET_KEY``.

    With the public development key anyone could forge sessions and CSRF tokens, and the production cookie
    settings (Secure, HSTS) stay off. Development sets ``ATIENDE_DEBUG=1``; ``atiende demo`` is allowed."""
    from django.conf import settings

    from atiende.settings import DEVELOPMENT_SECRET_KEY

    if settings.DEBUG or settings.SECRET_KEY != DEVELOPMENT_SECRET_KEY:
        return None
    return _("Atiende will not serve with debug off and no ATIENDE_SECRET_KEY: sessions and CSRF tokens would be "
             "signed with the public development key, and cookies would be sent without Secure. Set a key of your "
             "own, for example: export ATIENDE_SECRET_KEY=\"$(python3 -c 'import secrets; "
             "print(secrets.token_urlsafe(50))')\" (keep it secret and the same on every server); for "
             "development set ATIENDE_DEBUG=1, or try the demo with `atiende demo`.")


def proxy_options(trusted: list[str]) -> dict[str, object]:
    """uvicorn's proxy settings (issue 22, item 5): believe ``X-Forwarded-For`` only from ATIENDE_TRUSTED_PROXIES.

    uvicorn believes it from 127.0.0.1 by default, so anyone who reached the server through a local process (or
    a proxy that passes the header on) could name any address and step round the per-address sign-in lock."""
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted)}


def run_serve(args: argparse.Namespace, *, demo: bool = False) -> int:
    setup_django()
    import sys

    import uvicorn
    from django.conf import settings

    workers = getattr(args, "workers", 1)
    if workers < 1:
        print(_("--workers must be 1 or more."), file=sys.stderr)
        return 2
    from channels.layers import InMemoryChannelLayer
    from django.utils.module_loading import import_string

    # Any in-memory layer (Channels' own, or atiende.channel_layer's with its cheaper sweep) reaches only the
    # consoles of its own process.
    in_process_layer = issubclass(import_string(settings.CHANNEL_LAYERS["default"]["BACKEND"]), InMemoryChannelLayer)
    if workers > 1 and in_process_layer:
        # Each process would only tell its own consoles: live updates would go missing.
        print(_("Several server processes need REDIS_URL, so that every console gets the live updates of "
                "every process. Set REDIS_URL or serve with --workers 1."), file=sys.stderr)
        return 2
    from atiende.telephony.webhooks import unsigned_webhook_problem

    refusal = (None if demo else refuse_development_key()) or unsigned_webhook_problem()
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    print(_("Serving Atiende on http://%(host)s:%(port)s/ (Ctrl+C to stop)") % {"host": args.host, "port": args.port})
    uvicorn.run("atiende.asgi:application", host=args.host, port=args.port, log_level="warning", lifespan="off",
                workers=workers, access_log=False, **proxy_options(settings.ATIENDE_TRUSTED_PROXIES))
    return 0

"""user add/list/disable/enable/reset-password, token create/revoke: people and API tokens from the shell."""

from __future__ import annotations

import argparse
import getpass
import sys

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _

# atiende.people.roles.Role's values (a test keeps them equal), written out so that
# `atiende --help` answers without loading Django.
ROLES = ["tecnico", "supervisor", "administrador", "cliente"]


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import _Parser, add_help_flag

    user = sub.add_parser("user", add_help=False, help=_("manage users"), description=_("Manage users."))
    add_help_flag(user)
    user_sub = user.add_subparsers(dest="user_command", metavar=_("ACTION"), required=True, parser_class=_Parser)
    add = user_sub.add_parser("add", add_help=False, help=_("add a user"), description=_("Add a user."))
    add_help_flag(add)
    add.add_argument("username", metavar=_("USERNAME"))
    add.add_argument("--role", required=True, choices=ROLES, help=_("the user's role"))
    add.add_argument("--tier", type=int, default=1, help=_("support tier for technicians (default 1)"))
    add.add_argument("--skills", default="", help=_("comma-separated skills, e.g. redes,impresoras"))
    add.add_argument("--email", default="", help=_("email address"))
    add.add_argument("--name", default="", help=_("full name"))
    add.add_argument("--extension", default="", help=_("phone extension, for telephony"))
    add.add_argument("--password-stdin", action="store_true",
                     help=_("read the password from standard input instead of asking"))
    add.set_defaults(handler=run_user_add)

    listing = user_sub.add_parser("list", add_help=False, help=_("list users"),
                                  description=_("List users: name, role, tier, teams and whether active."))
    add_help_flag(listing)
    listing.add_argument("--role", choices=ROLES, default=None, help=_("only users of this role"))
    listing.add_argument("--format", choices=["text", "json"], default="text", help=_("output format"))
    listing.set_defaults(handler=run_user_list)

    disable = user_sub.add_parser(
        "disable", add_help=False, help=_("disable a user (no sign-in, no API tokens, no calls)"),
        description=_("Disable a user: they can no longer sign in, their API tokens stop working and no calls "
                      "are routed to them. Their history stays."))
    add_help_flag(disable)
    disable.add_argument("username", metavar=_("USERNAME"))
    disable.set_defaults(handler=run_user_disable, active=False)

    enable = user_sub.add_parser("enable", add_help=False, help=_("enable a disabled user"),
                                 description=_("Enable a user that was disabled."))
    add_help_flag(enable)
    enable.add_argument("username", metavar=_("USERNAME"))
    enable.set_defaults(handler=run_user_disable, active=True)

    reset = user_sub.add_parser("reset-password", add_help=False, help=_("set a new password for a user"),
                                description=_("Set a new password for a user; their open sessions end."))
    add_help_flag(reset)
    reset.add_argument("username", metavar=_("USERNAME"))
    reset.add_argument("--password-stdin", action="store_true",
                       help=_("read the password from standard input instead of asking"))
    reset.set_defaults(handler=run_user_reset_password)

    token = sub.add_parser("token", add_help=False, help=_("manage API tokens"),
                           description=_("Manage API tokens."))
    add_help_flag(token)
    token_sub = token.add_subparsers(dest="token_command", metavar=_("ACTION"), required=True, parser_class=_Parser)
    create = token_sub.add_parser("create", add_help=False, help=_("create a token and print it"),
                                  description=_("Create an API token for a user and print it once."))
    add_help_flag(create)
    create.add_argument("username", metavar=_("USERNAME"), nargs="?")
    create.add_argument("--name", default="cli", help=_("a name to recognise the token by"))
    create.add_argument("--days", type=int, default=None, help=_("days until it expires (default 365)"))
    create.add_argument("--cti", metavar=_("NAME"), default=None,
                        help=_("a telephony (CTI) token named NAME; without USERNAME it belongs to the "
                               "integration user cti-NAME, created if missing"))
    create.set_defaults(handler=run_token_create)

    revoke = token_sub.add_parser("revoke", add_help=False, help=_("revoke a token"),
                                  description=_("Revoke an API token by its prefix."))
    add_help_flag(revoke)
    revoke.add_argument("prefix", metavar=_("PREFIX"))
    revoke.set_defaults(handler=run_token_revoke)


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty():
        return getpass.getpass(_("Password: "))
    return None


def _fail(message: str) -> int:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)
    return 1


def run_user_add(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.people.services import add_user

    password = _read_password(args)
    first, _sep, last = args.name.strip().partition(" ")
    try:
        user = add_user(
            username=args.username, role=args.role, password=password, tier=args.tier,
            skills=args.skills.split(","), email=args.email, first_name=first, last_name=last,
            extension=args.extension,
        )
    except InputError as exc:
        return _fail(str(exc.message))
    print(_("User %(name)s added as %(role)s.") % {"name": user.username, "role": user.get_role_display()})
    return 0


def run_user_list(args: argparse.Namespace) -> int:
    setup_django()
    import json

    from atiende.people.models import User
    from atiende.people.roles import account_role, role_filter

    users = User.objects.order_by("username").prefetch_related("teams")
    if args.role:
        users = users.filter(role_filter([args.role]))
    rows = [
        {"username": user.username, "name": user.get_full_name(), "role": account_role(user), "tier": user.tier,
         "teams": sorted(team.name for team in user.teams.all()), "active": user.is_active}
        for user in users
    ]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    from atiende.people.roles import Role

    for row in rows:
        state = "" if row["active"] else _("(disabled)")
        role = str(Role(row["role"]).label) if row["role"] else "-"
        print(f"{row['username']:<16} {role:<14} {_('tier')} {row['tier']:<3} {', '.join(row['teams']):<24} {state}"
              .rstrip())
    if not rows:
        print(_("No users yet: add one with `atiende user add USERNAME --role administrador`."))
    return 0


def run_user_disable(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.people.services import set_user_active

    try:
        user = set_user_active(username=args.username, active=args.active)
    except InputError as exc:
        return _fail(str(exc.message))
    message = _("User %(name)s enabled.") if args.active else _("User %(name)s disabled.")
    print(message % {"name": user.username})
    return 0


def run_user_reset_password(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.people.services import reset_password

    password = _read_password(args)
    if password is None:
        return _fail(_("give the new password on standard input with --password-stdin"))
    try:
        user = reset_password(username=args.username, password=password)
    except InputError as exc:
        return _fail(str(exc.message))
    print(_("New password set for %(name)s.") % {"name": user.username})
    return 0


def run_token_create(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.people.models import ApiToken, User

    if args.cti is not None:
        from atiende.errors import InputError
        from atiende.telephony.services import issue_cti_token

        try:
            raw = issue_cti_token(name=args.cti, username=args.username, days=args.days)
        except InputError as exc:
            return _fail(str(exc.message))
        print(raw)
        return 0
    if not args.username:
        return _fail(_("name the user (USERNAME), or use --cti NAME"))
    user = User.objects.filter(username=args.username).first()
    if user is None:
        return _fail(_("no user named %(name)s") % {"name": args.username})
    if args.days is not None and args.days < 1:
        return _fail(_("--days must be 1 or more"))
    _token, raw = ApiToken.issue(user, name=args.name, days=args.days)
    print(raw)
    return 0


def run_token_revoke(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.people.models import ApiToken

    tokens = list(ApiToken.objects.filter(prefix__startswith=args.prefix[:12], revoked_at__isnull=True))
    if len(tokens) != 1:
        return _fail(_("no single active token starts with %(prefix)s") % {"prefix": args.prefix})
    tokens[0].revoke()
    print(_("Token %(prefix)s revoked.") % {"prefix": tokens[0].prefix})
    return 0

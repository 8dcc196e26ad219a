"""user add, token create: manage people and API tokens from the shell."""

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


def _fail(message: str) -> int:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)
    return 1


def run_user_add(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.people.services import add_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(_("Password: "))
    else:
        password = None
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

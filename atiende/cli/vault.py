"""vault keygen | purge | rekey: look after the credential vault (ET-3)."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import _Parser, add_help_flag

    vault = sub.add_parser("vault", add_help=False, help=_("look after the credential vault"),
                           description=_("Look after the encrypted vault of customer credentials."))
    add_help_flag(vault)
    vault_sub = vault.add_subparsers(dest="vault_command", metavar=_("ACTION"), required=True,
                                     parser_class=_Parser)
    keygen = vault_sub.add_parser("keygen", add_help=False, help=_("print a new vault key"),
                                  description=_("Print a new random key for ATIENDE_VAULT_KEYS. Put it first "
                                                "in the list, keep the old keys after it, then run rekey."))
    add_help_flag(keygen)
    keygen.set_defaults(handler=run_keygen)

    purge = vault_sub.add_parser("purge", add_help=False, help=_("purge the secrets of closed work orders"),
                                 description=_("Purge the secrets of work orders closed longer ago than the "
                                               "grace period."))
    add_help_flag(purge)
    purge.add_argument("--grace-minutes", type=int, default=None,
                       help=_("minutes a closed work order keeps its secrets "
                              "(default ATIENDE_VAULT_PURGE_GRACE_MINUTES, or 0)"))
    purge.set_defaults(handler=run_purge)

    rekey = vault_sub.add_parser("rekey", add_help=False, help=_("re-encrypt every secret under the newest key"),
                                 description=_("Re-encrypt every live secret under the first key of "
                                               "ATIENDE_VAULT_KEYS."))
    add_help_flag(rekey)
    rekey.set_defaults(handler=run_rekey)


def _fail(message: str) -> int:
    print(_("error: %(message)s") % {"message": message}, file=sys.stderr)
    return 1


def run_keygen(args: argparse.Namespace) -> int:
    from atiende.privacy.vault import new_key

    print(new_key())
    return 0


def run_purge(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.errors import InputError
    from atiende.privacy.services import purge_closed

    if args.grace_minutes is not None and args.grace_minutes < 0:
        return _fail(_("the grace period cannot be negative"))
    grace = None if args.grace_minutes is None else timedelta(minutes=args.grace_minutes)
    try:
        count = purge_closed(grace=grace)
    except InputError as exc:
        return _fail(str(exc.message))
    print(_("Purged %(count)d secrets.") % {"count": count})
    return 0


def run_rekey(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.privacy.services import rekey
    from atiende.privacy.vault import VaultDecryptError, VaultKeyError

    try:
        count = rekey()
    except (VaultKeyError, VaultDecryptError) as exc:
        return _fail(str(exc))
    print(_("Re-encrypted %(count)d secrets under the newest key.") % {"count": count})
    return 0

"""Automatic mail (RFC 3834): what must never get an automatic answer.

Answering an auto-reply, a bounce or a mailing list starts a mail loop: two
robots answering each other for ever (two Atiende installations acknowledging
each other's acknowledgements, say). :func:`automatic_reason` reads the headers
the senders of such mail set; the Django side adds our own addresses and a rate
limit per sender for the robots that set none.
"""

from __future__ import annotations

from collections.abc import Callable

# Reasons, as stored and shown.
AUTO_SUBMITTED = "auto_submitted"  # RFC 3834 Auto-Submitted other than "no"
PRECEDENCE = "precedence"  # Precedence: bulk, junk, list, auto_reply
AUTO_REPLY = "auto_reply"  # X-Autoreply, X-Autorespond, X-Auto-Response-Suppress (Exchange)
BOUNCE = "bounce"  # a delivery status notification (RFC 3464) or mail from the mailer daemon
MAILING_LIST = "mailing_list"  # List-Id, List-Unsubscribe (RFC 2369, 2919)
OWN_ADDRESS = "own_address"  # mail from one of our own addresses

_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_PRECEDENCES = {"bulk", "junk", "list", "auto_reply", "auto-reply"}


def automatic_reason(header: Callable[[str], str], *, content_type: str = "", sender: str = "") -> str:
    """Why a message is automatic ('' for a person's mail).

    ``header(name)`` is the header's value ('' when absent); ``content_type`` the
    top-level type; ``sender`` the From address.
    """
    content_type = content_type.lower()
    local = sender.lower().rsplit("@", 1)[0] if sender else ""
    if content_type == "multipart/report" or local in _DAEMONS or header("Return-Path").strip() == "<>":
        return BOUNCE
    auto_submitted = header("Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return AUTO_SUBMITTED
    if header("Precedence").strip().lower() in _PRECEDENCES:
        return PRECEDENCE
    if header("X-Autoreply") or header("X-Autorespond") or header("X-Auto-Reply"):
        return AUTO_REPLY
    suppress = header("X-Auto-Response-Suppress").lower()
    if "all" in suppress or "autoreply" in suppress or "oof" in suppress:
        return AUTO_REPLY
    if header("List-Id") or header("List-Unsubscribe") or header("List-Post"):
        return MAILING_LIST
    return ""

"""worker: fire the stored deadlines (policy clock) until told to stop.

Any number of workers may run, on any machine that reaches the database: each
claims due deadlines with a lease (FOR UPDATE SKIP LOCKED on PostgreSQL), so a
deadline fires once; a crashed worker's lease runs out and another takes over.
After a restart, overdue deadlines fire at once.

Each round also flags missed commitments and reminds owners of those coming due
(PT-2), raises the service-level warnings (80 %) and breaches of work orders
(atiende/sla/services.py), mails the scheduled reports (atiende/reports/schedule.py),
and scores calls that ended: their stored scoring jobs
(atiende/scorecards/jobs.py), claimed with leases too, a few per round so a
backlog never holds up the deadlines.

With ``ATIENDE_WEBHOOK_URL`` set, a second thread of the worker delivers the
stored webhook outbox the same way (leases, retries with back-off), so a slow
PBX never holds up the deadlines.

Mail (atiende/mail/worker.py): a thread sends the mail outbox over SMTP
(``ATIENDE_SMTP_URL``) and reminds customers of commitments; one thread per
mailbox of ``ATIENDE_IMAP_URL`` takes in new mail (IMAP IDLE where offered).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
import time

from atiende.cli.django_setup import setup_django
from atiende.cli.i18n import _

log = logging.getLogger(__name__)

# Commitments are due to the minute: looking twice a minute is plenty.
COMMITMENT_CHECK_SECONDS = 30.0
# Calls scored per round at most (tens of milliseconds each); the rest wait for the next round.
SCORING_PER_ROUND = 10


def register(sub: argparse._SubParsersAction) -> None:
    from atiende.cli import add_help_flag

    worker = sub.add_parser("worker", add_help=False, help=_("fire due timers (holds, transfers, policies)"),
                            description=_("Claim and fire the stored deadlines: hold reminders, transfer "
                                          "timeouts, wait and call policy alerts, wrap-up ends. Score the "
                                          "calls that ended."))
    add_help_flag(worker)
    worker.add_argument("--interval", type=float, default=0.5,
                        help=_("seconds between looks for due deadlines (default %(default)s)"))
    worker.add_argument("--once", action="store_true", help=_("fire what is due now and exit"))
    worker.add_argument("--name", default="", help=_("name of this worker in the leases (default host-pid)"))
    worker.set_defaults(handler=run_worker)


def worker_name(name: str = "") -> str:
    return name or f"{socket.gethostname()}-{os.getpid()}"


def run_loop(stop: threading.Event, *, name: str, interval: float) -> int:
    """Fire due deadlines until ``stop`` is set; returns how many fired."""
    from django.db import close_old_connections, connection

    from atiende.chat.services.ending import end_idle_chats
    from atiende.chat.services.search import index_chats_behind
    from atiende.contact.services import deadlines as contact_deadlines
    from atiende.contact.services import routing
    from atiende.desk.services.commitments import flag_missed_commitments
    from atiende.notifications.reminders import remind_due_commitments
    from atiende.operations.heartbeat import Heart
    from atiende.reports.rollup import roll_up_calls
    from atiende.reports.schedule import send_due as send_scheduled_reports
    from atiende.scorecards.jobs import run_pending_scoring
    from atiende.sla.services import check_due as check_service_levels
    from atiende.telephony.callbacks import expire_due as expire_callbacks
    from atiende.walkin.services.bookings import record_no_shows as record_booking_no_shows

    total = 0
    commitments_checked = 0.0
    heart = Heart(name)  # /readyz and `atiende check` see this worker alive (atiende/operations/)
    while not stop.is_set():
        try:
            heart.beat()
            total += contact_deadlines.run_due_deadlines(worker=name)
            expire_callbacks()  # PT-2: a call-back whose window closed undialled fails, and the supervisor sees it
            routing.dispatch()  # technicians freed without a deadline (a pause ended...) get waiting calls
            if time.monotonic() - commitments_checked >= COMMITMENT_CHECK_SECONDS:
                flag_missed_commitments()  # PT-2: a promise past its due time raises its alert
                remind_due_commitments()  # and its owner hears of it before it comes due
                check_service_levels()  # SLA clocks reaching 80 % or their target warn and breach
                send_scheduled_reports()  # last week's or month's reports to whoever asked for them
                roll_up_calls()  # the settled hours' calls added up, for reports over many calls (issue 20)
                end_idle_chats()  # CH-VIR: a chat whose customer left without a word frees its slot
                record_booking_no_shows()  # CH-PRE: a booked visit nobody checked in for by its slot's end
                index_chats_behind()  # a chat going on is found in search (its lines do not index it one by one)
                commitments_checked = time.monotonic()
            run_pending_scoring(worker=name, max_jobs=SCORING_PER_ROUND)  # calls that ended get their card
        except Exception:  # keep the policy clock alive; the next round retries
            log.exception("worker round failed")
        finally:
            if not connection.in_atomic_block:  # drop a broken or expired connection between rounds
                close_old_connections()
        stop.wait(interval)
    return total


def run_worker(args: argparse.Namespace) -> int:
    setup_django()
    from atiende.contact.services import deadlines as contact_deadlines

    if args.interval <= 0:
        print(_("error: %(message)s") % {"message": _("--interval must be greater than zero")})
        return 2
    from atiende.errors import InputError
    from atiende.mail import worker as mail_worker
    from atiende.telephony import webhooks

    try:
        webhooks.retry_policy()
        mail_worker.check_settings()
    except InputError as exc:
        print(_("error: %(message)s") % {"message": exc.message})
        return 2
    unsigned = webhooks.unsigned_webhook_problem()
    if unsigned:
        print(_("error: %(message)s") % {"message": unsigned})
        return 2
    name = worker_name(args.name)
    if args.once:
        from atiende.chat.services.ending import end_idle_chats
        from atiende.chat.services.search import index_chats_behind
        from atiende.desk.services.commitments import flag_missed_commitments
        from atiende.notifications.reminders import remind_due_commitments
        from atiende.operations.heartbeat import Heart
        from atiende.reports.rollup import roll_up_calls
        from atiende.reports.schedule import send_due as send_scheduled_reports
        from atiende.scorecards import jobs
        from atiende.sla.services import check_due as check_service_levels

        Heart(name).beat(force=True)  # a worker run from cron counts as alive until its next run is due
        fired = contact_deadlines.run_due_deadlines(worker=name)
        flag_missed_commitments()
        remind_due_commitments()
        check_service_levels()
        send_scheduled_reports()
        roll_up_calls()
        end_idle_chats()
        index_chats_behind()
        print(_("%(count)s deadlines fired.") % {"count": fired})
        print(_("%(count)s calls scored.") % {"count": jobs.run_pending_scoring(worker=name)})
        stuck = jobs.given_up()
        if stuck:
            print(_("%(count)s calls could not be scored after every attempt: see Scoring jobs in the admin.")
                  % {"count": stuck})
        if webhooks.webhook_url():
            sent = webhooks.deliver_due(worker=name)
            print(_("%(count)s webhooks delivered.") % {"count": sent})
        mail = mail_worker.run_once(name=name)
        if mail.fetched is not None:
            print(_("%(count)s emails taken in.") % {"count": mail.fetched.stored})
        print(_("%(count)s emails sent.") % {"count": mail.sent})
        return 0
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()  # finish the current round, then leave: nothing half-fired

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(_("Worker %(name)s firing deadlines every %(interval)s s (Ctrl+C to stop)")
          % {"name": name, "interval": args.interval}, flush=True)
    from atiende.contact import live

    live.keep_own_loop()  # each deadline fired tells the consoles: one loop and one Redis connection for all
    started = time.monotonic()
    delivering = webhooks.start_delivery_thread(stop, name=name, interval=args.interval)
    mailing = mail_worker.start(stop, name=name)
    fired = run_loop(stop, name=name, interval=args.interval)
    webhooks.wake()
    mail_worker.outbox.wake()
    mailing[0].join(mail_worker.config.send_policy().timeout + 1)  # let a message in flight record its answer
    delivering.join(webhooks.retry_policy().timeout + 1)  # let a POST in flight record its answer
    print(_("Worker stopped after %(seconds)d s; %(count)s deadlines fired.")
          % {"seconds": time.monotonic() - started, "count": fired}, flush=True)
    return 0


def start_in_thread(*, interval: float = 0.5) -> threading.Event:
    """Run the worker beside the web server (``atiende demo``); set the returned event to stop it."""
    from atiende.telephony import webhooks

    stop = threading.Event()
    thread = threading.Thread(target=run_loop, args=(stop,), kwargs={"name": worker_name("demo"),
                                                                       "interval": interval},
                              name="atiende-worker", daemon=True)
    thread.start()
    webhooks.start_delivery_thread(stop, name=worker_name("demo"), interval=interval)  # also the fast path
    from atiende.mail import worker as mail_worker

    mail_worker.start(stop, name=worker_name("demo"))
    return stop

"""The words the consoles' scripts show, translated on the server (gettext) and handed to the page as JSON."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def common_strings() -> dict[str, str]:
    return {
        "live": _("Live"), "reconnecting": _("Reconnecting…"), "error": _("Something went wrong."),
        "rule": _("Rule"), "seconds": _("s"), "call": _("Call"),
        "waiting": _("Waiting"), "talking": _("Talking"), "on_hold": _("On hold"),
    }


def console_strings() -> dict[str, str]:
    return {
        **common_strings(),
        "no_contact": _("No call right now."), "no_queue": _("Nobody is waiting."),
        "no_offers": _("No transfers offered to you."), "no_alerts": _("No alerts."),
        "answer": _("Answer"), "decline": _("Decline"), "hold": _("Put on hold"), "resume": _("Resume"),
        "transfer": _("Transfer"), "escalate": _("Escalate to supervisor"), "hang_up": _("Hang up"),
        "finish_wrap_up": _("Finish wrap-up"), "accept": _("Accept"), "from": _("From"),
        "of_limit": _("of"), "announced": _("announced"),
        "hold_reminder": _("HO-5: the hold has run past the minutes you announced. Go back to the customer "
                           "and tell them how it is going."),
        "transfer_pending": _("Waiting for the receiver to accept"), "transfer_left": _("time left"),
        "purpose": _("Purpose"), "offered_by": _("Offered by"), "escalated": _("A supervisor has been asked."),
        "greet_with": _("Greet with"), "level": _("Knowledge level"), "traits_seen": _("Traits seen before"),
        "do": _("Do"), "avoid": _("Avoid"), "no_customer": _("Unknown caller: ask for the name (CO-1)."),
        "rewrite": pgettext("button", "Rewrite"), "draft_ok": _("Nothing to correct."), "paraphrase": _("Paraphrase draft"),
        "questions": _("Closed questions"), "use": _("Use"),
        "phases": _("Phases"),
        "create": _("Create"), "new_work_order_title": _("New work order for this call: title"),
        "new_work_order": _("Open the full work order form"),
        "pause_reason": _("Pause reason"), "cancel_transfer": _("Cancel the transfer"),
        # TR-5: why a transfer came back; %(name)s is filled in by the page.
        "transfer_declined": _("%(name)s declined the transfer: the call stays with you."),
        "transfer_timeout": _("Nobody accepted the transfer in time: the call stays with you."),
        "transfer_cancelled": _("Transfer cancelled: the call stays with you."),
        # PO-5: who else is on the line.
        "supervisor_join": _("%(name)s joined the call (conference)."),
        "supervisor_coach": _("%(name)s is coaching you: the customer does not hear them."),
        # CH-PRO: a call the technician dialled themselves (campaign preview); %(to)s is the number.
        "own_dial_pbx": _("Dialling %(to)s through the phone system: record the outcome on the campaign card."),
        "own_dial_hand": _("Dial %(to)s on your phone; when someone answers, say so here, then record the outcome "
                           "on the campaign card."),
        "dial_answered": _("Someone answered"),
        # CH-PRO, PT-2: a call-back routed to the technician; the phone system dials it from their extension.
        "own_dial_callback": _("Call-back to %(to)s: the phone system dials it from your extension; pick up "
                               "when it rings."),
        "own_dial_callback_hand": _("Call-back: dial %(to)s on your phone, then say here whether someone "
                                    "answered."),
        "dial_unanswered": _("Nobody answered"),
        # CH-TEL: a call the technician dials from their desk phone, reported by the phone system.
        "own_dial_desk": _("Calling %(to)s from your phone: the phone system tells Atiende when they answer or "
                           "hang up."),
    }


def board_strings() -> dict[str, str]:
    return {
        **common_strings(),
        "join": _("Join"), "take_over": _("Take over"), "acknowledge": pgettext("alert", "Acknowledge"),
        "nobody_waiting": _("Nobody waiting."), "no_alerts": _("No alerts."), "idle": _("No call"),
        "no_calls_of_mine": _("You are on no call."),
        "calls_today": _("Calls today"), "answered": _("Answered"), "abandoned": pgettext("chart", "Abandoned"),
        "abandonment": _("Abandonment"), "wait_mean": _("Mean wait"), "wait_p90": _("Wait p90"),
        "handle_mean": _("Mean handle time"), "holds": pgettext("chart", "Holds"), "hold_overruns": _("Hold overruns"),
        "transfers": _("Transfers"), "transfer_rate": _("Transfer rate"), "escalations": _("Escalations"),
        "quality": _("Quality (mean score)"), "no_quality": _("No calls scored today."),
        "joined": _("You joined the call."), "coach": _("Coach"), "took_over": _("You took over the call."),
        "coaching": _("You are coaching the technician."), "technician": _("Technician"),
        "resume": _("Resume"), "hang_up": _("Hang up"), "finish_wrap_up": _("Finish wrap-up"),
        "sla_breached": _("SLA breached"), "sla_at_risk": _("SLA at risk"), "sla_paused": _("SLA paused"),
        "sla_none": _("No work order at risk."), "sla_due": _("due"),
        "satisfaction_week": _("Satisfaction, last 7 days"), "satisfaction_answers": _("Answers"),
        "satisfaction_mean": _("Mean rating (1 to 5)"), "satisfaction_share": _("Satisfied (4 or 5)"),
        "satisfaction_low": _("Low ratings"),
        **call_strings(),
        **intraday_strings(),
    }


def call_strings() -> dict[str, str]:
    """A call taken over (PO-5) is the supervisor's to hold, transfer and end as a technician does (same msgids)."""
    return {
        "hold": _("Put on hold"), "transfer": _("Transfer"), "cancel_transfer": _("Cancel the transfer"),
        "transfer_pending": _("Waiting for the receiver to accept"), "transfer_left": _("time left"),
        "purpose": _("Purpose"), "to": _("To"), "announced": _("announced"), "of_limit": _("of"),
        "hold_reminder": _("HO-5: the hold has run past the minutes you announced. Go back to the customer "
                           "and tell them how it is going."),
        "transfer_declined": _("%(name)s declined the transfer: the call stays with you."),
        "transfer_timeout": _("Nobody accepted the transfer in time: the call stays with you."),
        "transfer_cancelled": _("Transfer cancelled: the call stays with you."),
    }


def intraday_strings() -> dict[str, str]:
    """The intraday charts: today per half hour (offered, answered, abandoned, service level, ASA, AHT)."""
    return {
        "calls_chart": _("Calls per half hour"), "offered": _("Offered"),
        "offered_outline": _("Offered (outline)"), "in_queue": _("still waiting"),
        "service_level": _("Service level"),
        # %(limit)s: the PO-2 maximum wait, e.g. 3:00.
        "service_level_rule": _("Share answered within the maximum wait (PO-2): %(limit)s"),
        "service_level_rule_queues": _("Share answered within each queue's maximum wait (PO-2)"),
        "target": _("Target %(percent)s"), "limit": _("Limit %(limit)s"),
        "asa": _("Mean wait to answer (ASA)"), "aht": _("Mean handle time (AHT)"),
        "half_hour": _("Half hour"), "in_progress": _("in progress"), "so_far": _("Today so far"),
        "now": _("Now"), "no_calls_yet": _("No calls yet today."),
        "calls_chart_summary": _("Calls per half hour today: offered, answered and abandoned. "
                                 "The figures are in the table below."),
        "service_level_summary": _("Service level per half hour today against the target. "
                                   "The figures are in the table below."),
        "asa_summary": _("Mean wait to answer per half hour today. The figures are in the table below."),
        "aht_summary": _("Mean handle time per half hour today, each call in the half hour it ended. "
                         "The figures are in the table below."),
        # AHT's convention, shown with its chart: a call's handle time counts where it ended.
        "aht_rule": _("each call in the half hour it ended (talk, holds and wrap-up)"),
        # When the queues in view have different service-level targets; %(percents)s e.g. "80 %, 99 %".
        "targets_by_queue": _("Targets %(percents)s by queue; the line weighs them by each queue's calls"),
        "target_weighted": _("Target (weighted)"),
        "outbound": _("Outbound"), "outbound_apart": _("Outbound calls (not offered calls)"),
        "outbound_answered": _("picked up"),
    }

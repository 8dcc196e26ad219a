"""A supervisor builds a campaign: its queue, purpose, script, calling hours, tries, technicians, status.

The script is what technicians read on the call; the language assistant checks it as it
checks a reply in the composer (jargon, negative or defensive tone, «no puedo» with no
alternative, capitals...: NT, DN, PT, CO-3), and its findings are kept with the campaign
and shown beside the script, each with its rewrite. A script with findings can still be
saved (the supervisor decides), as a reply can be sent anyway.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atiende.campaigns import live
from atiende.campaigns.core import CallingHours
from atiende.campaigns.models import Campaign
from atiende.campaigns.services.checks import managed_campaign, require_manager
from atiende.contact.selectors import supervised_technicians, visible_queues
from atiende.db import single_writer
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_admin, is_staff

SCRIPT_LIMIT = 10_000


def script_findings(script: str) -> list[dict[str, Any]]:
    """The language assistant's findings on a call script (spoken: the phone channel's checks)."""
    # late: the assistant's lexicons load at the first check, as the composer's do
    from atiende.language import analyze

    if not script.strip():
        return []
    language = "en" if (get_language() or "es").startswith("en") else "es"
    found = [f.to_json() for f in analyze(script, as_="tecnico", channel="telefonico", language=language).findings]
    for index, finding in enumerate(found):
        finding["index"] = index
    return found


def apply_script_rewrite(script: str, index: int) -> str:
    """The script with one finding's rewrite in place of its span (when it still matches the text)."""
    findings = script_findings(script)
    if not 0 <= index < len(findings):
        return script
    finding = findings[index]
    start, end, suggestion = finding["start"], finding["end"], finding.get("suggestion")
    if suggestion is None or script[start:end] != finding["excerpt"]:
        return script
    return script[:start] + suggestion + script[end:]


@single_writer
def create_campaign(*, actor: User, name: Any, queue: Any, purpose: Any = "", script: Any = "",
                    **settings: Any) -> Campaign:
    """A new campaign, as a draft: its list is built next (CSV or filter), then it is started."""
    require_manager(actor)
    campaign = Campaign(name=_text(name, "name", 120, required=True), created_by=actor)
    campaign.queue = _queue(actor, queue)
    with transaction.atomic():
        _apply(campaign, purpose=purpose, script=script, **settings)
        campaign.save()
        _technicians(campaign, actor, settings.get("technicians"))
    return campaign


@single_writer
def update_campaign(*, actor: User, campaign_id: int, **changes: Any) -> Campaign:
    """Change a campaign: any of name, purpose, script, hours, tries, technicians, status."""
    with transaction.atomic():
        campaign = managed_campaign(actor, campaign_id, lock=True)
        if "name" in changes and changes["name"] is not None:
            campaign.name = _text(changes.pop("name"), "name", 120, required=True)
        if changes.get("status") is not None:
            campaign.status = _status(changes.pop("status"))
        _apply(campaign, **{k: v for k, v in changes.items() if v is not None})
        campaign.save()
        if changes.get("technicians") is not None:
            _technicians(campaign, actor, changes["technicians"])
        live.changed(campaign.pk)  # started, paused or finished: the technicians' panels show it at once
    return campaign


def _apply(campaign: Campaign, *, purpose: Any = None, script: Any = None, calling_from: Any = None,
           calling_until: Any = None, calling_days: Any = None, max_attempts: Any = None,
           retry_minutes: Any = None, technicians: Any = None) -> None:
    if purpose is not None:
        campaign.purpose = _text(purpose, "purpose", 300)
    if script is not None:
        campaign.script = _text(script, "script", SCRIPT_LIMIT)
        campaign.script_findings = script_findings(campaign.script)
    if calling_from is not None:
        campaign.calling_from = _time(calling_from, "calling_from")
    if calling_until is not None:
        campaign.calling_until = _time(calling_until, "calling_until")
    if calling_days is not None:
        campaign.calling_days = _days(calling_days)
    if max_attempts is not None:
        campaign.max_attempts = _whole(max_attempts, "max_attempts", 1, 20)
    if retry_minutes is not None:
        campaign.retry_minutes = _whole(retry_minutes, "retry_minutes", 5, 60 * 24 * 14)
    try:
        hours_of(campaign)
    except ValueError:
        raise InputError("invalid_calling_hours", _("Calling hours must start before they end, on at least one day."),
                         field="calling_from", rule="CH-PRO") from None


def hours_of(campaign: Campaign) -> CallingHours:
    return CallingHours(start=campaign.calling_from, end=campaign.calling_until,
                        days=frozenset(int(d) for d in campaign.calling_days))


def _queue(actor: User, value: Any) -> Any:
    found = visible_queues(actor).filter(name=str(value or "")).first()
    if found is None:
        raise InputError("unknown_queue", _("There is no queue %(name)s.") % {"name": str(value)[:60]},
                         field="queue", status=404, rule="CH-PRO")
    return found


def _technicians(campaign: Campaign, actor: User, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise InputError("invalid_technicians", _("Technicians are a list of user ids."), field="technicians",
                         rule="CH-PRO")
    pool = User.objects.all() if is_admin(actor) else supervised_technicians(actor)
    found = list(pool.filter(pk__in=value))
    if len(found) != len(set(value)) or not all(is_staff(u) for u in found):
        raise InputError("unknown_technician", _("One of the technicians does not exist or is not of your teams."),
                         field="technicians", status=404, rule="CH-PRO")
    campaign.technicians.set(found)


def _status(value: Any) -> str:
    if value not in Campaign.Status.values:
        raise InputError("invalid_status", _("Status must be one of: %(values)s.")
                         % {"values": ", ".join(Campaign.Status.values)}, field="status", rule="CH-PRO")
    return str(value)


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError("invalid_text", _("%(field)s must be text.") % {"field": field}, field=field)
    clean = value.strip()
    if required and not clean:
        raise InputError("required", _("%(field)s is required.") % {"field": field}, field=field, rule="CH-PRO")
    if len(clean) > limit:
        raise InputError("too_long", _("%(field)s is longer than %(limit)s characters.")
                         % {"field": field, "limit": limit}, field=field)
    return clean


def _time(value: Any, field: str) -> time:
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise InputError("invalid_time", _("%(field)s is a time of day such as 09:00.") % {"field": field},
                         field=field, rule="CH-PRO") from None


def _days(value: Any) -> list[int]:
    if (not isinstance(value, (list, tuple)) or not value
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in value)):
        raise InputError("invalid_calling_days", _("Calling days are weekdays from 0 (Monday) to 6 (Sunday)."),
                         field="calling_days", rule="CH-PRO")
    return sorted(set(value))


def _whole(value: Any, field: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError("invalid_number", _("%(field)s must be a whole number from %(low)s to %(high)s.")
                         % {"field": field, "low": low, "high": high}, field=field, rule="CH-PRO")
    return value

"""What every campaign action checks first: who acts and what they may see (ET-4), clean input.

A write on another team's campaign is answered exactly as on a missing one (404): the
existence of a campaign is not revealed (issue 22, item 10). A technician asking for a
supervisor's action gets 403 ``forbidden`` whatever the id.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from atiende.campaigns.models import Campaign, Target
from atiende.campaigns.selectors import visible_campaigns, visible_targets
from atiende.errors import InputError
from atiende.people.models import User
from atiende.people.roles import is_manager, is_staff


def forbidden(message: str) -> InputError:
    return InputError("forbidden", message, rule="ET-4", status=403)


def require_manager(actor: User) -> None:
    if not is_manager(actor):
        raise forbidden(_("Only supervisors and administrators build campaigns."))


def require_staff(actor: User) -> None:
    if not is_staff(actor):
        raise forbidden(_("Only the help desk staff work campaigns."))


def unknown_campaign(campaign_id: object) -> InputError:
    return InputError("unknown_campaign", _("There is no campaign %(id)s.") % {"id": campaign_id}, status=404,
                      rule="CH-PRO")


def managed_campaign(actor: User, campaign_id: int, *, lock: bool = False) -> Campaign:
    """A campaign this supervisor may change (theirs to see), else 403/404 (see the module)."""
    require_manager(actor)
    qs = visible_campaigns(actor).filter(pk=campaign_id)
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = qs.first()
    if found is None:
        raise unknown_campaign(campaign_id)
    return found


def seen_campaign(actor: User, campaign_id: int) -> Campaign:
    require_staff(actor)
    found = visible_campaigns(actor).filter(pk=campaign_id).first()
    if found is None:
        raise unknown_campaign(campaign_id)
    return found


def seen_target(actor: User, target_id: int) -> Target:
    require_staff(actor)
    found = visible_targets(actor).filter(pk=target_id).first()
    if found is None:
        raise InputError("unknown_person", _("There is no person %(id)s on a campaign of yours.") % {"id": target_id},
                         status=404, rule="CH-PRO")
    return found

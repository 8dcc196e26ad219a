"""The consoles' preview panels, live: once a change to a campaign's list or status commits, every console
hears which campaign changed (``campaign.update``, its id only) and its «Campañas salientes» panel reads
itself again through its own, scoped page (/campanas/preview/).

Sent after: a person taken (held), let go, dialled or given an outcome; a campaign started, paused,
finished or edited; people added from a CSV or a filter. The message goes to the consoles' board group
(``contacts``, atiende/contact/live.py), which every console process listens to once
(atiende/consoles/consumers.py); it names no person and no customer (ET-4: each panel reads what its
technician may see).
"""

from __future__ import annotations

import uuid

from django.db import transaction

from atiende.contact.live import BOARD_GROUP, _listening_layer, _tell


def changed(campaign_id: int) -> None:
    """Call inside the change's transaction: the update goes out when (and if) it commits."""
    message = {"type": "campaign.update", "campaign": int(campaign_id), "update": uuid.uuid4().hex}
    transaction.on_commit(lambda: _tell(_listening_layer(), [BOARD_GROUP], message))

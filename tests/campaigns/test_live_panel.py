"""The console's «Campañas salientes» panel is live (issue 18, CH-PRO): when another technician takes or finishes
a person, or a supervisor pauses the campaign, every console hears which campaign changed on its websocket
(``campaign.update``, the id only: ET-4) once the change commits, and the panel read again shows it. The browser
half (the panel re-read by console.js without a reload) is in test_browser_proactive.py."""

from __future__ import annotations

from datetime import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from atiende.campaigns.models import Campaign, Target
from atiende.campaigns.services import campaigns, preview
from atiende.consoles.consumers import ConsoleConsumer
from atiende.contact.models import Queue
from tests.consoles.conftest import center, signed_in  # noqa: F401  (fixtures)
from tests.websocket import open_socket

pytestmark = pytest.mark.django_db(transaction=True)

HX = {"HX-Request": "true"}


@pytest.fixture
def campaign(center):  # noqa: F811
    found = Campaign.objects.create(name="Seguimiento", queue=Queue.objects.get(name="soporte"), status="active",
                                    calling_from=time(0, 0), calling_until=time(23, 59),
                                    calling_days=[0, 1, 2, 3, 4, 5, 6])
    for n, name in enumerate(("Carmen Ruiz", "Pedro Gil")):
        Target.objects.create(campaign=found, name=name, phone=f"+3460011223{n}", number=f"+3460011223{n}",
                              zones="Europe/Madrid", zone_source="list")
    return found


def test_the_consoles_hear_a_person_taken_and_the_campaign_paused_and_the_panel_shows_it(center, campaign):  # noqa: F811
    lucia, jorge = signed_in(center.lucia), signed_in(center.jorge)
    assert "quedan 2 personas por llamar" in lucia.get("/campanas/preview/", headers=HX).content.decode()

    async def scenario():
        console = await open_socket(ConsoleConsumer.as_asgi(), "/ws/consolas/", center.lucia)
        held = await sync_to_async(preview.next_person)(user=center.jorge)
        assert await console.receive_json_from() == {"type": "campaign.update", "campaign": campaign.pk}
        await sync_to_async(preview.release)(user=center.jorge, target_id=held.pk)
        assert await console.receive_json_from() == {"type": "campaign.update", "campaign": campaign.pk}
        await sync_to_async(preview.next_person)(user=center.jorge)
        assert await console.receive_json_from() == {"type": "campaign.update", "campaign": campaign.pk}
        await sync_to_async(campaigns.update_campaign)(actor=center.marta, campaign_id=campaign.pk, status="paused")
        assert await console.receive_json_from() == {"type": "campaign.update", "campaign": campaign.pk}
        await console.close()

    async_to_sync(scenario)()
    # Read again (as console.js does on the update): one fewer left while Jorge had one on screen; then paused,
    # the campaign is gone from Lucía's panel, and Jorge's card says so and offers no «Llamar».
    assert "quedan" not in lucia.get("/campanas/preview/", headers=HX).content.decode()
    card = jorge.get("/campanas/preview/", headers=HX).content.decode()
    assert 'id="preview-paused"' in card and 'id="btn-dial"' not in card and 'id="btn-release"' in card


def test_the_panel_counts_only_people_on_nobodys_screen(center, campaign):  # noqa: F811
    preview.next_person(user=center.jorge)
    page = signed_in(center.lucia).get("/campanas/preview/", headers=HX).content.decode()
    assert "queda 1 persona por llamar" in page and f'data-campaign="{campaign.pk}"' in page

"""The supervisor's campaign pages (create, import a CSV with a bad line, the script's findings, start) and
the preview panel of the technician's console (next person, the card with PH-5, dial, outcome)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atiende.campaigns.models import Campaign, Target

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_supervisor_builds_and_starts_a_campaign_in_the_pages(queue, boss, morning):
    sup = _client(boss)
    assert sup.get("/campanas/").status_code == 200
    made = sup.post("/campanas/", {"name": "Aviso de corte", "queue": "soporte",
                                   "script": "NO PUEDO darle fecha, reinicie el router."})
    assert made.status_code == 302
    campaign = Campaign.objects.get(name="Aviso de corte")
    page = sup.get(f"/campanas/{campaign.pk}/").content.decode()
    assert "El asistente sugiere" in page  # the script's findings, as in the reply composer
    upload = SimpleUploadedFile("l.csv", b"nombre;telefono\nCarmen;600112233\nPedro;12\n", content_type="text/csv")
    imported = sup.post(f"/campanas/{campaign.pk}/importar/", {"file": upload}).content.decode()
    assert "1 persona añadida" in imported and "Línea 3" in imported and "Pedro;12" in imported
    assert sup.post(f"/campanas/{campaign.pk}/cambiar/", {"status": "active"}).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == "active"
    missing = sup.post(f"/campanas/{campaign.pk}/importar/", {})
    assert missing.status_code == 400 and "Elija un archivo CSV" in missing.content.decode()


def test_the_console_panel_works_a_person_from_card_to_outcome(campaign, boss, lucia, carmen, morning):
    from atiende.campaigns.services import campaigns, lists

    lists.import_csv(actor=boss, campaign_id=campaign.pk, data=b"nombre;telefono\nCarmen Ruiz;600112233\n")
    campaigns.update_campaign(actor=boss, campaign_id=campaign.pk, status="active")
    tech = _client(lucia)
    assert "Siguiente persona" in tech.get("/campanas/preview/").content.decode()
    card = tech.post("/campanas/preview/siguiente/", HTTP_HX_REQUEST="true").content.decode()
    assert "¿Podría hablar con Doña Carmen Ruiz, por favor?" in card and "11:00 Madrid" in card, card
    person = Target.objects.get(campaign=campaign)
    dialled = tech.post(f"/campanas/preview/{person.pk}/llamar/", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="outcome"' in dialled
    bad = tech.post(f"/campanas/preview/{person.pk}/resultado/", {"outcome": "call_back"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "CH-PRO" in bad.content.decode()
    done = tech.post(f"/campanas/preview/{person.pk}/resultado/", {"outcome": "reached", "note": "Todo bien"},
                     HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and "Siguiente persona" in done.content.decode()
    person.refresh_from_db()
    assert person.status == "reached" and person.work_order is not None


def test_a_refusal_is_said_even_when_no_campaign_is_left_to_work(campaign, boss, lucia, carmen, morning):
    """The panel drew nothing without a campaign to work, so a refusal answered then (409, or «nobody to call»)
    was an empty answer: htmx swapped it in, the panel vanished and nothing said why."""
    from atiende.campaigns.services import campaigns, lists, preview

    lists.import_csv(actor=boss, campaign_id=campaign.pk, data=b"nombre;telefono\nCarmen Ruiz;600112233\n")
    campaigns.update_campaign(actor=boss, campaign_id=campaign.pk, status="active")
    tech = _client(lucia)
    tech.post("/campanas/preview/siguiente/", HTTP_HX_REQUEST="true")
    person = Target.objects.get(campaign=campaign)
    preview.release(user=lucia, target_id=person.pk)  # «Ahora no», in another tab
    campaigns.update_campaign(actor=boss, campaign_id=campaign.pk, status="paused")  # a supervisor pauses it

    stale = tech.post(f"/campanas/preview/{person.pk}/llamar/", HTTP_HX_REQUEST="true")  # the first tab's «Llamar»
    said = stale.content.decode()
    assert stale.status_code == 409
    assert 'role="alert"' in said and "no está en su pantalla" in said and "CH-PRO" in said, said
    assert 'id="btn-next-person"' not in said  # no campaign to take anyone from
    nobody = tech.post("/campanas/preview/siguiente/", HTTP_HX_REQUEST="true").content.decode()
    assert "Ahora no toca llamar a nadie." in nobody and "CH-PRO" in nobody, nobody


def test_another_teams_campaign_page_is_missing(campaign, morning):
    from atiende.people.models import Team, User

    campaign.queue.team = Team.objects.create(name="Dueños")
    campaign.queue.save()
    stranger = User.objects.create_user("sup_otro", role="supervisor")
    stranger.teams.add(Team.objects.create(name="Otro"))
    client = _client(stranger)
    assert client.get(f"/campanas/{campaign.pk}/").status_code == 404
    assert client.post(f"/campanas/{campaign.pk}/cambiar/", {"status": "finished"}).status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"
    assert campaign.name not in client.get("/campanas/").content.decode()

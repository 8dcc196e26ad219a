"""/api/v1/campaigns: a supervisor creates a campaign and imports a CSV with a bad row; a technician takes the
next person, dials and records the outcome; errors are the API's JSON, naming their rule."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atiende.campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_campaign_from_creation_to_an_outcome_through_the_api(queue, boss, lucia, morning):
    sup = _client(boss)
    made = sup.post("/api/v1/campaigns", {"name": "Aviso de corte", "queue": "soporte", "max_attempts": 2,
                                          "script": "Le llamamos por el corte de ayer."},
                    content_type="application/json")
    assert made.status_code == 201, made.content
    campaign = made.json()
    assert campaign["status"] == "draft" and campaign["progress"]["people"] == 0
    upload = SimpleUploadedFile("lista.csv", "nombre;telefono;tratamiento\nCarmen Ruiz;600112233;Doña\n"
                                             "Sin Número;;\n".encode(), content_type="text/csv")
    imported = sup.post(f"/api/v1/campaigns/{campaign['id']}/import", {"file": upload})
    assert imported.status_code == 200, imported.content
    body = imported.json()
    assert body["added"] == 1 and body["rejected"][0]["line"] == 3
    assert body["rejected"][0]["problems"][0]["code"] == "missing_phone"
    assert sup.get(f"/api/v1/campaigns/{campaign['id']}/rejected").json()[0]["raw"] == "Sin Número;;"
    started = sup.patch(f"/api/v1/campaigns/{campaign['id']}", {"status": "active"}, content_type="application/json")
    assert started.json()["status"] == "active"

    tech = _client(lucia)
    card = tech.post("/api/v1/campaigns/next", {}, content_type="application/json")
    assert card.status_code == 200, card.content
    card = card.json()
    assert card["opening"] == "Buenos días. ¿Podría hablar con Doña Carmen Ruiz, por favor?"
    assert card["script"] == "Le llamamos por el corte de ayer." and card["person"]["zones"]
    person = card["person"]["id"]
    dialled = tech.post(f"/api/v1/campaigns/contacts/{person}/dial")
    assert dialled.status_code == 200 and dialled.json()["outcome"] is None
    wrong = tech.post(f"/api/v1/campaigns/contacts/{person}/outcome", {"outcome": "call_back"},
                      content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "call_back_time_required"
    assert wrong.json()["error"]["rule"] == "CH-PRO"
    done = tech.post(f"/api/v1/campaigns/contacts/{person}/outcome", {"outcome": "no_answer"},
                     content_type="application/json")
    assert done.status_code == 200 and done.json()["outcome"] == "no_answer"
    listed = sup.get(f"/api/v1/campaigns/{campaign['id']}/contacts").json()
    assert listed["count"] == 1 and listed["contacts"][0]["status"] == "scheduled"
    nobody = tech.post("/api/v1/campaigns/next", {}, content_type="application/json")
    assert nobody.status_code == 404 and nobody.json()["error"]["code"] == "nobody_to_call"
    progress = sup.get(f"/api/v1/campaigns/{campaign['id']}").json()["progress"]
    assert (progress["tries"], progress["outcomes"]) == (1, {"no_answer": 1})


def test_technicians_do_not_build_campaigns(queue, lucia, boss, morning):
    refused = _client(lucia).post("/api/v1/campaigns", {"name": "X", "queue": "soporte"},
                                  content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "ET-4"
    campaign = Campaign.objects.create(name="Y", queue=queue)
    changed = _client(lucia).patch(f"/api/v1/campaigns/{campaign.pk}", {"status": "active"},
                                   content_type="application/json")
    assert changed.status_code == 403


def test_bad_input_gets_a_clear_error_never_a_500(queue, boss, morning):
    sup = _client(boss)
    for body, code in (({"name": "X", "queue": "no-existe"}, "unknown_queue"),
                       ({"name": "X", "queue": "soporte", "calling_from": "21:00", "calling_until": "09:00"},
                        "invalid_calling_hours"),
                       ({"name": "X", "queue": "soporte", "calling_days": [7]}, "invalid_calling_days"),
                       ({"name": "X", "queue": "soporte", "max_attempts": 0}, "invalid_number")):
        answer = sup.post("/api/v1/campaigns", body, content_type="application/json")
        assert 400 <= answer.status_code < 500 and answer.json()["error"]["code"] == code, (body, answer.content)
    bad_number = sup.post("/api/v1/campaigns/do-not-call", {"number": "hola"}, content_type="application/json")
    assert bad_number.status_code == 400 and bad_number.json()["error"]["code"] == "invalid_phone"
    ok = sup.post("/api/v1/campaigns/do-not-call", {"number": "600 11 22 33"}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["number"] == "+34600112233"
    assert sup.delete("/api/v1/campaigns/do-not-call/+34600112233").status_code == 204

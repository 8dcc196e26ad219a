"""Canned answers: placeholders filled, checked by the language assistant when saved and when used (DN-2)."""

from __future__ import annotations

import pytest

from atiende.desk.services.work_orders import create_work_order
from atiende.errors import InputError
from atiende.knowledge import canned
from atiende.knowledge.placeholders import fill, used
from atiende.knowledge.search import search
from tests.desk.conftest import bearer
from tests.knowledge.conftest import make_user

pytestmark = pytest.mark.django_db

BODY = "Buenos días, {cliente}. Su solicitud {numero} ya está resuelta: reiniciamos el servidor DNS. Un saludo, {tecnico}."
PLAIN = "Buenos días, {cliente}. Su solicitud {numero} ya está resuelta: ya puede entrar en internet. Un saludo, {tecnico}."


def test_placeholders_fill_known_names_and_leave_the_rest():
    assert fill("Hola {cliente}, caso {número} en {ruta}", {"cliente": "Sr. Peña", "numero": "7"}) == \
        "Hola Sr. Peña, caso 7 en {ruta}"
    assert fill("{tecnico}", {}) == "{tecnico}"
    assert used("{cliente} {numero} {cliente} {técnico}") == ["cliente", "numero", "tecnico"]


def test_saving_runs_the_language_checks_and_the_plain_version_is_checked_for_basic_level(tech):
    answer = canned.create_canned_answer(actor=tech, title="Resuelto: DNS", body=BODY, plain_body=PLAIN)
    # «DNS» is jargon for a basic-level customer (DN-2): found in the text, not in the plain version.
    assert "DN-2" not in {f["rule"] for f in answer.plain_findings}
    jargon = canned.check_text(BODY, level="basico")
    assert any(f["rule"] == "DN-2" for f in jargon)


def test_using_one_fills_the_placeholders_and_picks_the_plain_version_for_basic_level(tech, customer):
    answer = canned.create_canned_answer(actor=tech, title="Resuelto: DNS", body=BODY, plain_body=PLAIN)
    basic = create_work_order(actor=tech, customer=customer, title="Sin internet", knowledge_level="basico")
    filled = canned.use_canned_answer(actor=tech, answer=answer, work_order=basic)
    assert filled.plain
    assert filled.text.startswith(f"Buenos días, Doña Carmen Ruiz. Su solicitud {basic.number} ya está resuelta")
    assert filled.text.endswith(f"Un saludo, {tech.display_name}.")
    assert filled.unfilled == []
    advanced = create_work_order(actor=tech, customer=customer, title="DNS", knowledge_level="avanzado")
    assert "servidor DNS" in canned.use_canned_answer(actor=tech, answer=answer, work_order=advanced).text
    answer.refresh_from_db()
    assert answer.times_used == 2


def test_canned_answers_of_a_team_are_for_its_members(tech, other_tech, team):
    mine = canned.create_canned_answer(actor=tech, title="Reinicio del router de Madrid", body="Reinicie el router.",
                                       team=team.pk)
    everyone = canned.create_canned_answer(actor=tech, title="Saludo de cierre", body="Gracias por llamar.")
    assert set(canned.visible_canned_answers(tech)) == {mine, everyone}
    assert list(canned.visible_canned_answers(other_tech)) == [everyone]
    assert [r.id for r in search(tech, "router", kinds=["canned_answer"])] == [mine.pk]
    assert search(other_tech, "router", kinds=["canned_answer"]) == []
    with pytest.raises(InputError) as refused:
        canned.create_canned_answer(actor=other_tech, title="x", body="y", team=team.pk)
    assert refused.value.rule == "ET-4"


def test_api_write_change_use_and_refusals(client, tech, customer):
    created = client.post("/api/v1/canned-answers", {"title": "Resuelto", "body": BODY, "plain_body": PLAIN},
                          content_type="application/json", headers=bearer(tech))
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    order = create_work_order(actor=tech, customer=customer, title="Sin internet", knowledge_level="basico")
    used_one = client.post(f"/api/v1/canned-answers/{pk}/use", {"work_order": order.number},
                           content_type="application/json", headers=bearer(tech)).json()
    assert used_one["plain"] is True and "{" not in used_one["text"]
    changed = client.patch(f"/api/v1/canned-answers/{pk}", {"version": 1, "title": "Resuelto (DNS)"},
                           content_type="application/json", headers=bearer(tech))
    assert changed.json()["version"] == 2
    stale = client.patch(f"/api/v1/canned-answers/{pk}", {"version": 1, "title": "x"},
                         content_type="application/json", headers=bearer(tech))
    assert stale.status_code == 409
    customer_user = make_user("rosa", "cliente")
    assert client.get("/api/v1/canned-answers", headers=bearer(customer_user)).status_code == 403
    missing = client.post(f"/api/v1/canned-answers/{pk}/use", {"work_order": 999999},
                          content_type="application/json", headers=bearer(tech))
    assert missing.status_code == 404
    assert client.delete(f"/api/v1/canned-answers/{pk}", headers=bearer(tech)).status_code == 204

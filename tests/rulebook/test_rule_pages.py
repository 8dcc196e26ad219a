"""Rule codes link to a page per rule in the user's language; customers never see codes nor their level
(issue 22, item 20)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.people.models import Team, User
from atiende.practices import all_rules

pytestmark = pytest.mark.django_db

RULE_LINK = re.compile(r'<a class="rule-id" href="/reglas/([A-Z]+-[A-Z0-9]+)/"[^>]* data-tip="([^"]+)"')


@pytest.fixture
def people():
    team = Team.objects.create(name="Soporte Madrid")
    lucia = User.objects.create_user("lucia", role="tecnico")
    lucia.teams.add(team)
    carmen = User.objects.create_user("carmen", role="cliente")
    ana = User.objects.create_user("ana", role="administrador", is_superuser=True)
    customer = create_customer(actor=ana, name="Carmen Ruiz", knowledge_level="basico", user=carmen,
                               contact_points=[{"kind": "email", "value": "carmen@ferreteria.example"}])
    work_order = create_work_order(actor=lucia, customer=customer, title="La impresora no imprime",
                                   channel="telefonico", team=team, assignee=lucia)
    return lucia, carmen, work_order


def _client(user: User, language: str = "es") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def test_every_rule_has_a_page_in_spanish_and_in_english(people):
    lucia, _carmen, _wo = people
    spanish, english = _client(lucia, "es"), _client(lucia, "en")
    for rule in all_rules().values():
        page = spanish.get(f"/reglas/{rule.id}/")
        assert page.status_code == 200
        text = html.unescape(page.content.decode())
        assert rule.es in text and "Por qué" in text
        assert "Qué hacer" in text and "Fuente" in text
    english_page = html.unescape(english.get("/reglas/HO-3/").content.decode())
    assert all_rules()["HO-3"].en in english_page and "Why" in english_page
    assert spanish.get("/reglas/").status_code == 200
    assert spanish.get("/reglas/XX-9/").status_code == 404


def test_the_codes_on_a_work_order_link_to_their_page_with_the_rule_as_tooltip(people):
    lucia, _carmen, work_order = people
    text = _client(lucia).get(f"/solicitudes/{work_order.number}/").content.decode()
    links = dict(RULE_LINK.findall(text))
    assert {"SP-1", "AL-4", "CO-3"} <= set(links)
    assert html.unescape(links["AL-4"]) == all_rules()["AL-4"].es
    assert 'class="rule-id">' not in text.replace('<a class="rule-id"', "")  # no bare badge left


def test_customers_never_see_rule_codes_nor_their_knowledge_level(people):
    _lucia, carmen, work_order = people
    page = _client(carmen).get(f"/solicitudes/{work_order.number}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "rule-id" not in text and "/reglas/" not in text
    assert "Nivel de conocimiento" not in text and "Básico" not in text
    assert _client(carmen).get("/reglas/SP-1/").status_code == 403

"""Planning pages (issue 8): calculator, interval plan and day simulation, seen by a supervisor."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from atiende.people.models import User
from atiende.planning.forms import MAX_CSV_BYTES
from atiende.staffing.erlang import solve

pytestmark = pytest.mark.django_db

CALCULATOR = reverse("planning:calculator")
PLAN = reverse("planning:plan")
SIMULATION = reverse("planning:simulation")

CALCULATOR_INPUT = {"calls": "100", "period_minutes": "30", "aht": "180", "answer_within": "20",
                    "target": "0.8", "max_occupancy": "", "shrinkage": "0"}
PLAN_INPUT = {"interval_minutes": "30", "aht": "300", "answer_within": "20", "target": "0.8",
              "max_occupancy": "", "shrinkage": "0"}
SIMULATION_INPUT = {"calls": "40", "hours": "4", "interval_minutes": "30", "agents": "", "aht": "300",
                    "answer_within": "20", "target": "0.8", "patience": "", "difficult_share": "0",
                    "difficult_factor": "1.5", "max_wait": "180", "max_call": "900", "seed": "7",
                    "csv_text": ""}


def client_for(role: str) -> Client:
    user = User.objects.create_user(f"planning-{role}", role=role, tier=1, first_name=role)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def supervisor() -> Client:
    return client_for("supervisor")


def text(response) -> str:
    return response.content.decode()


def errors(response) -> list[str]:
    return re.findall(r'class="field-error">([^<]*)<|<div class="form-errors" role="alert">\s*<p>([^<]*)<',
                      text(response))


@pytest.mark.parametrize("url", [CALCULATOR, PLAN, SIMULATION])
def test_technicians_and_customers_may_not_open_planning(url: str) -> None:
    for role in ("tecnico", "cliente"):
        response = client_for(role).get(url)
        assert response.status_code == 403
        assert "Planificación" not in text(response)
    assert Client().get(url).status_code == 302  # anonymous: to the sign-in page


@pytest.mark.parametrize("role", ["supervisor", "administrador"])
def test_managers_see_planning_in_the_menu_and_open_every_page(role: str) -> None:
    client = client_for(role)
    for url in (CALCULATOR, PLAN, SIMULATION):
        response = client.get(url)
        assert response.status_code == 200
        assert f'href="{CALCULATOR}"' in text(response)
        assert "Planificación" in text(response)


def test_technicians_do_not_see_the_planning_link() -> None:
    response = client_for("tecnico").get(reverse("desk:home"))
    assert f'href="{CALCULATOR}"' not in text(response)


def test_calculator_gives_the_erlang_c_answer_with_a_chart(supervisor: Client) -> None:
    expected = solve(calls=100, period_seconds=1800, aht_seconds=180, answer_within_seconds=20, target=0.8)
    response = supervisor.get(CALCULATOR, CALCULATOR_INPUT)
    assert response.status_code == 200
    body = text(response)
    assert f'data-testid="agents">{expected.agents}<' in body
    assert "Probabilidad de esperar" in body and "Ocupación" in body
    assert "<svg" in body and "Nivel de servicio" in body
    assert "<script>" not in body.split("</head>")[1]  # CSP: nothing inline


def test_calculator_presets_fill_the_po2_target(supervisor: Client) -> None:
    body = text(supervisor.get(CALCULATOR, {"preset": "po2"}))
    assert 'name="answer_within" value="180"' in body
    assert 'name="target" value="0.99"' in body
    body = text(supervisor.get(CALCULATOR, {"preset": "80-20"}))
    assert 'name="answer_within" value="20"' in body


def test_calculator_shows_scheduled_technicians_after_shrinkage(supervisor: Client) -> None:
    response = supervisor.get(CALCULATOR, {**CALCULATOR_INPUT, "shrinkage": "0.3"})
    expected = solve(calls=100, period_seconds=1800, aht_seconds=180, answer_within_seconds=20, target=0.8,
                     shrinkage=0.3)
    assert f'data-testid="scheduled">{expected.scheduled_agents}<' in text(response)


@pytest.mark.parametrize("field, value", [
    ("target", "1"), ("target", "80"), ("calls", "muchas"), ("aht", "0"), ("shrinkage", "1"),
    ("max_occupancy", "0"), ("calls", "-5"), ("calls", "1e308"), ("period_minutes", ""),
])
def test_calculator_bad_input_is_a_message_not_an_error_page(supervisor: Client, field: str, value: str) -> None:
    response = supervisor.get(CALCULATOR, {**CALCULATOR_INPUT, field: value})
    assert response.status_code == 200
    assert errors(response)
    assert 'data-testid="agents"' not in text(response)


def test_interval_plan_from_pasted_csv_shows_a_row_per_interval_and_a_chart(supervisor: Client) -> None:
    csv = "intervalo,llamadas,tmo\n08:00,42,300\n08:30,65\n09:00,0\n"
    response = supervisor.post(PLAN, {**PLAN_INPUT, "csv_text": csv})
    assert response.status_code == 200
    body = text(response)
    for label in ("08:00", "08:30", "09:00"):
        assert f'<th scope="row">{label}</th>' in body
    assert "<svg" in body and "Técnicos a programar por intervalo" in body
    peak = solve(calls=65, period_seconds=1800, aht_seconds=300, answer_within_seconds=20, target=0.8).agents
    assert f"pico: {peak} técnicos" in body.lower() or f"{peak} técnicos al teléfono" in body


def test_interval_plan_from_an_uploaded_file(supervisor: Client) -> None:
    upload = SimpleUploadedFile("dia.csv", b"08:00;30\n08:30;45\n", content_type="text/csv")
    response = supervisor.post(PLAN, {**PLAN_INPUT, "csv_file": upload})
    assert response.status_code == 200
    assert '<th scope="row">08:30</th>' in text(response)


def test_the_example_day_loads_into_the_form(supervisor: Client) -> None:
    assert "08:00,38,300" in text(supervisor.get(PLAN, {"ejemplo": "1"}))


def test_a_bad_csv_line_is_named(supervisor: Client) -> None:
    csv = "intervalo,llamadas\n08:00,42\n08:30,muchas\n"
    response = supervisor.post(PLAN, {**PLAN_INPUT, "csv_text": csv})
    assert response.status_code == 200
    assert any("Línea 3" in "".join(e) for e in errors(response))
    assert "<svg" not in text(response)


@pytest.mark.parametrize("csv, message", [
    ("", "Suba un archivo CSV o pegue sus líneas."),
    ("# nada\n", "El CSV no tiene intervalos."),
    ("08:00,-4\n", "Línea 1"),
])
def test_empty_or_negative_csv_is_explained(supervisor: Client, csv: str, message: str) -> None:
    response = supervisor.post(PLAN, {**PLAN_INPUT, "csv_text": csv})
    assert response.status_code == 200
    assert message in text(response)


def test_a_file_over_one_megabyte_is_refused(supervisor: Client) -> None:
    big = SimpleUploadedFile("grande.csv", b"08:00,1\n" * (MAX_CSV_BYTES // 8 + 1), content_type="text/csv")
    response = supervisor.post(PLAN, {**PLAN_INPUT, "csv_file": big})
    assert response.status_code == 200
    assert "1 MB" in text(response)


def test_a_file_that_is_not_utf8_is_refused(supervisor: Client) -> None:
    upload = SimpleUploadedFile("dia.csv", "08:00,3\nañadido,4\n".encode("latin-1"), content_type="text/csv")
    response = supervisor.post(PLAN, {**PLAN_INPUT, "csv_file": upload})
    assert response.status_code == 200
    assert "UTF-8" in text(response)


def test_simulation_shows_waits_service_level_policies_and_erlang_c(supervisor: Client) -> None:
    response = supervisor.post(SIMULATION, SIMULATION_INPUT)
    assert response.status_code == 200
    body = text(response)
    assert 'data-testid="seed">7<' in body
    assert "Esperas de las llamadas atendidas" in body and "Nivel de servicio por intervalo" in body
    assert "PO-2" in body and "PO-1" in body and "PO-3" in body
    assert 'data-testid="erlang-day">' in body
    assert re.search(r'data-testid="erlang-day">\d', body)
    assert '<th scope="row">11:30</th>' in body  # 4 hours of half hours from 08:00
    # The same seed gives the same day.
    again = text(supervisor.post(SIMULATION, SIMULATION_INPUT))
    offered = re.search(r'data-testid="offered">(\d+)<', body)
    assert offered and f'data-testid="offered">{offered.group(1)}<' in again


def test_simulation_with_patience_counts_abandonment(supervisor: Client) -> None:
    data = {**SIMULATION_INPUT, "agents": "3", "patience": "30", "difficult_share": "0.2"}
    body = text(supervisor.post(SIMULATION, data))
    abandoned = re.search(r'data-testid="abandoned">(\d+) ', body)
    assert abandoned and int(abandoned.group(1)) > 0
    assert "solo como referencia" in body


def test_simulation_from_a_csv_with_technicians_per_interval(supervisor: Client) -> None:
    data = {**SIMULATION_INPUT, "calls": "", "csv_text": "08:00,20\n08:30,30\n", "agents": "4, 5"}
    response = supervisor.post(SIMULATION, data)
    assert response.status_code == 200
    assert '<th scope="row">08:30</th><td class="num">5</td>' in text(response)


def test_simulation_needs_one_number_of_technicians_per_interval(supervisor: Client) -> None:
    data = {**SIMULATION_INPUT, "agents": "4, 5, 6"}
    response = supervisor.post(SIMULATION, data)
    assert response.status_code == 200
    assert "Hay 8 intervalos y 3 números de técnicos" in text(response)


def test_simulation_is_capped_for_a_web_request(supervisor: Client) -> None:
    data = {**SIMULATION_INPUT, "calls": "3000", "hours": "10"}  # 60,000 calls
    response = supervisor.post(SIMULATION, data)
    assert response.status_code == 200
    body = text(response)
    assert "como mucho 50.000" in body and "atiende simulate-day" in body
    assert 'data-testid="offered"' not in body


@pytest.mark.parametrize("field, value", [
    ("agents", "dos"), ("agents", "-1"), ("seed", "abc"), ("difficult_share", "2"), ("patience", "0"),
    ("calls", ""), ("hours", "0"), ("target", "1"),
])
def test_simulation_bad_input_is_a_message(supervisor: Client, field: str, value: str) -> None:
    response = supervisor.post(SIMULATION, {**SIMULATION_INPUT, field: value})
    assert response.status_code == 200
    assert errors(response)
    assert 'data-testid="offered"' not in text(response)


def test_pages_speak_english_when_asked(supervisor: Client) -> None:
    response = supervisor.get(CALCULATOR, CALCULATOR_INPUT, HTTP_ACCEPT_LANGUAGE="en")
    supervisor.cookies["django_language"] = "en"
    body = text(supervisor.get(CALCULATOR, CALCULATOR_INPUT))
    assert response.status_code == 200
    assert "Probability of waiting" in body


def test_calculator_refuses_traffic_a_web_request_should_not_compute(supervisor: Client) -> None:
    response = supervisor.get(CALCULATOR, {**CALCULATOR_INPUT, "calls": "100000", "period_minutes": "1",
                                           "aht": "14400"})
    assert response.status_code == 200
    assert "la web calcula hasta 100.000" in text(response)


def test_a_csv_interval_with_absurd_traffic_is_named(supervisor: Client) -> None:
    response = supervisor.post(PLAN, {**PLAN_INPUT, "csv_text": "08:00,10\n08:30,1e15,1e9\n"})
    assert response.status_code == 200
    assert "Intervalo 08:30: el tráfico sería" in text(response)


def test_a_csv_with_too_many_intervals_is_refused(supervisor: Client) -> None:
    csv = "".join(f"{i},1\n" for i in range(1441))
    response = supervisor.post(PLAN, {**PLAN_INPUT, "csv_text": csv})
    assert response.status_code == 200
    assert "como mucho 1440" in text(response)


def test_simulation_caps_technicians_per_interval(supervisor: Client) -> None:
    response = supervisor.post(SIMULATION, {**SIMULATION_INPUT, "agents": "99999999999999999999"})
    assert response.status_code == 200
    assert "Como mucho 10.000 técnicos por intervalo" in text(response)

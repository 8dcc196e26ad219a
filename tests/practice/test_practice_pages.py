"""The practice room's pages: start a call, talk with htmx, see the result; assign, set pass marks, progress."""

from __future__ import annotations

import pytest

from atiende.practice.models import Assignment, PassMark, PracticeSession

pytestmark = pytest.mark.django_db


def signed_in(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def test_a_technician_starts_a_call_talks_and_sees_what_they_missed(client, people):
    signed_in(client, people.lucia)
    page = client.get("/practica/")
    assert page.status_code == 200 and "enfadado-impresora" in page.content.decode()
    started = client.post("/practica/empezar/", {"scenario": "enfadado-impresora", "seed": "3"})
    row = PracticeSession.objects.get()
    assert started.status_code == 302 and started.url == f"/practica/sesiones/{row.pk}/"
    assert "Ramón Gil" in client.get(started.url).content.decode()
    reply = client.post(f"/practica/sesiones/{row.pk}/turno/", {"text": "Hola."}, headers={"HX-Request": "true"})
    html = reply.content.decode()
    assert reply.status_code == 200 and 'id="call"' in html and "¡Por fin!" in html
    ended = client.post(f"/practica/sesiones/{row.pk}/turno/", {"text": ""}, headers={"HX-Request": "true"})
    html = ended.content.decode()
    assert "AL-4" in html and "parafrasee" in html and 'name="text"' not in html  # no composer once ended


def test_without_javascript_a_line_posts_and_the_page_reloads(client, people):
    signed_in(client, people.lucia)
    client.post("/practica/empezar/", {"type": "locuaz", "seed": "1"})
    row = PracticeSession.objects.get()
    response = client.post(f"/practica/sesiones/{row.pk}/turno/", {"text": "Buenos días."})
    assert response.status_code == 302 and row.turns.filter(speaker="cliente").exists()


def test_another_teams_call_is_not_found_and_customers_may_not_enter(client, people):
    signed_in(client, people.lucia)
    client.post("/practica/empezar/", {"type": "locuaz"})
    row = PracticeSession.objects.get()
    signed_in(client, people.jorge)
    assert client.get(f"/practica/sesiones/{row.pk}/").status_code == 404
    assert client.post(f"/practica/sesiones/{row.pk}/turno/", {"text": "Hola"}).status_code == 404
    signed_in(client, people.customer)
    assert client.get("/practica/").status_code == 403


def test_a_supervisor_assigns_a_scenario_and_sets_a_pass_mark_from_the_page(client, people):
    signed_in(client, people.marta)
    page = client.get("/practica/").content.decode()
    assert "Lucía" in page and "Jorge" not in page  # only her team
    client.post("/practica/asignar/", {"technician": people.lucia.pk, "scenario": "inexperto-red"})
    client.post("/practica/nota-de-corte/", {"scenario": "inexperto-red", "pass_mark": "85"})
    assert Assignment.objects.get().technician == people.lucia
    assert PassMark.objects.get(scenario_id="inexperto-red").pass_mark == 85
    client.post("/practica/asignar/", {"technician": people.jorge.pk, "scenario": "inexperto-red"})
    assert Assignment.objects.count() == 1
    signed_in(client, people.lucia)
    assert "inexperto-red" in client.get("/practica/").content.decode()
    client.post("/practica/nota-de-corte/", {"scenario": "inexperto-red", "pass_mark": "10"})
    assert PassMark.objects.get().pass_mark == 85  # a technician cannot change it


def test_the_progress_page_has_an_accessible_chart_and_the_rules_by_week(client, people):
    signed_in(client, people.lucia)
    for text in ("Hola.", ""):
        client.post("/practica/empezar/", {"scenario": "locuaz-red", "seed": "1"})
        row = PracticeSession.objects.order_by("-pk").first()
        client.post(f"/practica/sesiones/{row.pk}/turno/", {"text": text})
        client.post(f"/practica/sesiones/{row.pk}/turno/", {"text": ""})
    signed_in(client, people.marta)
    html = client.get(f"/practica/tecnicos/{people.lucia.pk}/?rule=SP-3").content.decode()
    assert '<svg' in html and 'role="img"' in html and "aria-label=" in html
    assert "SP-3" in html and "<table" in html
    signed_in(client, people.jorge)
    assert client.get(f"/practica/tecnicos/{people.lucia.pk}/").status_code == 404

"""The console's chats panel and chat composer without a browser (issue 17, the technician's side; issue 19,
practice in the console's chat composer): the draft's findings, the rewrite, sending anyway (recorded), the
customer's traits and strategy, canned answers, a practice chat from start to scorecard, and who may."""

from __future__ import annotations

import pytest

from atiende.knowledge.canned import create_canned_answer
from atiende.practice.models import PracticeSession, PracticeTurn
from tests.consoles.conftest import signed_in

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
GREETING = "Buenos días, soporte técnico, le atiende Lucía. ¿Con quién hablo?"


def start_practice(client, **fields) -> PracticeSession:
    response = client.post("/consola/practica/empezar/", {"scenario": "enfadado-impresora", "seed": "1", **fields},
                           headers=HX)
    assert response.status_code == 200, response.content
    return PracticeSession.objects.latest("pk")


def test_the_console_shows_the_chats_panel_with_the_practice_start(center):
    html = signed_in(center.lucia).get("/consola/").content.decode()
    assert 'id="chats"' in html and "Practicar un chat" in html and "enfadado-impresora" in html
    assert "composer.js" in html
    assert 'href="/consola/#chats"' in signed_in(center.lucia).get("/practica/").content.decode()


def test_the_draft_is_checked_for_the_chat_with_the_customers_level(center):
    client = signed_in(center.lucia)
    response = client.post("/consola/redactor/revisar/", {"body": "REINICIE EL ROUTER, ES MUY FACIL", "nivel": "basico"},
                           headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-rule="NT-6"' in html and 'data-rule="DN-1"' in html
    assert 'data-rule="DN-2"' in html  # «router» is jargon for a customer of basic level
    # the rewrite, one click away: the whole sentence in capitals, lower case but where it starts (issue 23)
    assert 'data-excerpt="REINICIE EL ROUTER, ES MUY FACIL" data-suggestion="Reinicie el router, es muy facil"' in html
    advanced = client.post("/consola/redactor/revisar/", {"body": "Reinicie el router.", "nivel": "avanzado"},
                           headers=HX).content.decode()
    assert 'data-rule="DN-2"' not in advanced and "no encuentra nada que cambiar" in advanced
    # a command of the practice room and an empty draft are not checked; a wrong level is the default one
    assert "finding" not in client.post("/consola/redactor/revisar/", {"body": "/espera 2 CONSULTAR"}).content.decode()
    assert client.post("/consola/redactor/revisar/", {"body": "hola", "nivel": "<script>"}).status_code == 200


def test_a_practice_chat_from_the_first_line_to_the_scorecard(center):
    client = signed_in(center.lucia)
    row = start_practice(client)
    assert row.state["channel"] == "chat"
    panel = client.get(f"/consola/practica/{row.pk}/", headers=HX).content.decode()
    assert "Chat entrante de Ramón Gil" in panel and 'role="log"' in panel and 'id="composer-body"' in panel
    said = client.post(f"/consola/practica/{row.pk}/enviar/", {"body": GREETING, "action": "send"},
                       headers=HX).content.decode()
    assert "¡Por fin!" in said  # the simulated customer answered
    said = client.post(f"/consola/practica/{row.pk}/enviar/", {"body": "Entiendo.", "action": "send"},
                       headers=HX).content.decode()
    assert "nadie me da una solución" in said
    assert 'data-trait="CT-ENF"' in said and "Haga" in said  # their traits and the strategy card, from their words
    # a line with findings is not sent at once: the findings come back with «Enviar de todos modos»
    held = client.post(f"/consola/practica/{row.pk}/enviar/", {"body": "NO SE PREOCUPE, ES MUY FACIL", "action": "send"},
                       headers=HX).content.decode()
    assert "Enviar de todos modos" in held and 'data-rule="NT-6"' in held
    assert not PracticeTurn.objects.filter(session=row, text__startswith="NO SE").exists()
    # one rewrite, applied by the server (the fallback without JavaScript's in-place rewrite)
    applied = client.post(f"/consola/practica/{row.pk}/enviar/",
                          {"body": "NO SE PREOCUPE, ES MUY FACIL", "apply": "0"}, headers=HX).content.decode()
    assert "No se preocupe" in applied
    # sent anyway: the findings are kept with the line and shown beside it
    client.post(f"/consola/practica/{row.pk}/enviar/", {"body": "NO SE PREOCUPE, ES MUY FACIL", "action": "send_anyway"},
                headers=HX)
    line = PracticeTurn.objects.get(session=row, text__startswith="NO SE")
    assert {f["rule"] for f in line.checked_findings} >= {"NT-6", "DN-1"}
    ended = client.post(f"/consola/practica/{row.pk}/enviar/", {"end": "1"}, headers=HX).content.decode()
    row.refresh_from_db()
    assert row.status == "finished" and row.score is not None
    assert "Reglas que incumplió" in ended and "NT-6" in ended and 'id="composer-body"' not in ended
    assert "Enviado pese a los avisos del asistente" in ended


def test_without_javascript_the_composer_posts_and_the_console_reopens_the_chat(center):
    client = signed_in(center.lucia)
    response = client.post("/consola/practica/empezar/", {"type": "locuaz", "seed": "2"})
    row = PracticeSession.objects.get()
    assert response.status_code == 302 and response.url == f"/consola/?practica={row.pk}#chats"
    sent = client.post(f"/consola/practica/{row.pk}/enviar/", {"body": GREETING})
    assert sent.status_code == 302 and row.turns.filter(speaker="cliente").exists()
    page = client.get(f"/consola/?practica={row.pk}").content.decode()
    assert 'id="composer-body"' in page and 'aria-current="true"' in page


def test_bad_input_is_said_never_a_500(center):
    client = signed_in(center.lucia)
    refused = client.post("/consola/practica/empezar/", {"scenario": "no-existe"}, headers=HX)
    assert refused.status_code == 404 and "no-existe" in refused.content.decode()
    row = start_practice(client)
    empty = client.post(f"/consola/practica/{row.pk}/enviar/", {"body": "   "}, headers=HX).content.decode()
    assert "Escriba algo para enviar" in empty
    long = client.post(f"/consola/practica/{row.pk}/enviar/", {"body": "a" * 2001}, headers=HX)
    assert long.status_code == 400 and "NT-1" in long.content.decode()
    client.post(f"/consola/practica/{row.pk}/enviar/", {"end": "1"}, headers=HX)
    after = client.post(f"/consola/practica/{row.pk}/enviar/", {"body": "Hola", "action": "send_anyway"},
                        headers=HX)
    assert after.status_code == 409 and "ya terminó" in after.content.decode()


def test_only_the_trainee_opens_their_practice_chat_and_customers_reach_nothing(center):
    row = start_practice(signed_in(center.lucia))
    other = signed_in(center.jorge)
    assert other.get(f"/consola/practica/{row.pk}/", headers=HX).status_code == 404
    assert other.post(f"/consola/practica/{row.pk}/enviar/", {"body": "Hola"}, headers=HX).status_code == 404
    assert row.turns.count() == 1  # nothing was said in Lucía's chat
    for path in ("/consola/chats/", "/consola/redactor/respuestas/"):
        assert signed_in(center.marta).get(path).status_code == 403
    assert signed_in(center.marta).post("/consola/redactor/revisar/", {"body": "x"}).status_code == 403


def test_canned_answers_are_searched_filled_for_the_customer_and_checked(center):
    create_canned_answer(actor=center.lucia, title="Reiniciar la impresora",
                         body="Buenos días, {cliente}: apague la impresora, espere diez segundos y enciéndala. "
                              "Le atiende {tecnico}.",
                         plain_body="{cliente}, apague la impresora con su botón y vuelva a encenderla.")
    create_canned_answer(actor=center.lucia, title="Cambiar la contraseña", body="Entre en el portal y elija "
                         "«Cambiar contraseña».")
    client = signed_in(center.lucia)
    found = client.get("/consola/redactor/respuestas/", {"q": "impresora", "cliente": "señor Gil"}).content.decode()
    assert "Reiniciar la impresora" in found and "Cambiar la contraseña" not in found
    assert "Buenos días, señor Gil: apague" in found and "Le atiende Lucía" in found and "data-canned-insert" in found
    plain = client.get("/consola/redactor/respuestas/", {"q": "impresora", "nivel": "basico",
                                                         "cliente": "señor Gil"}).content.decode()
    assert "señor Gil, apague la impresora con su botón" in plain and "versión sencilla" in plain
    everything = client.get("/consola/redactor/respuestas/").content.decode()
    assert "Reiniciar la impresora" in everything and "Cambiar la contraseña" in everything
    assert client.get("/consola/redactor/respuestas/", {"q": "nada-parecido-xyz"}).status_code == 200


def test_an_emoticon_is_flagged_nt6_and_its_rewrite_takes_it_out(center):
    client = signed_in(center.lucia)
    html = client.post("/consola/redactor/revisar/", {"body": "Listo, ya está :)"}, headers=HX).content.decode()
    assert 'data-rule="NT-6"' in html and "emoticono" in html
    # The rewrite is the empty string: «Aplicar» is offered all the same, saying it takes the emoticon out.
    assert 'data-suggestion=""' in html and "Aplicar" in html and "quitarlo" in html
    row = start_practice(client)
    applied = client.post(f"/consola/practica/{row.pk}/enviar/", {"body": "Listo, ya está :)", "apply": "0"},
                          headers=HX).content.decode()
    assert ">Listo, ya está</textarea>" in applied  # applied by the server (no JavaScript): the face is gone

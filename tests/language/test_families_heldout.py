"""Session 11 (issue 23): the families the held-out rounds four, five and fourteen missed, each with
wordings of its own (none is an evaluation row), and what must stay clean beside each.

Criticising a colleague (DN-13) in any of the usual ways of naming one, defending the company (DN-4),
minimising (DN-1), a refusal without an alternative (PT-1), telling the customer off for their voice
(NT-7), the customer's own life inside a sentence about the problem and the weather (CT-LOC), and the
everyday computing vocabulary that marks an intermediate customer (CO-3).
"""

import pytest

from atiende.language import analyze
from tests.language.reading import rules, traits


@pytest.mark.parametrize("draft", [
    "La compañera de la tarde le configuró el correo fatal.",
    "Los de la central siempre le cablean todo a medias.",
    "El que la visitó el martes no sabía lo que hacía.",
    "Ese muchacho del almacén se equivocó con su pedido.",
    "Nuestros instaladores nuevos son un desastre, no se lo tome a mal.",
    "Los del otro turno lo dejaron a medio configurar.",
])
def test_a_colleague_and_a_verdict_on_their_work_is_dn13(draft):
    assert "DN-13" in rules(draft)


@pytest.mark.parametrize("draft", [
    "Mi compañero le llamará mañana a las 10:00.",
    "El técnico de la tarde ya revisó la línea y todo está correcto.",
    "Los de facturación le envían hoy la factura corregida.",
])
def test_a_colleague_named_without_a_verdict_is_not_dn13(draft):
    assert "DN-13" not in rules(draft)


@pytest.mark.parametrize("draft", [
    "Lo que usted plantea no es posible, nosotros no cobramos esa tarifa.",
    "Nuestra red no falla, eso se lo aseguro.",
    "La compañía no tiene nada que ver con ese recargo.",
    "Usted habrá tocado algo en la configuración.",
    "Eso será cosa de su router, no de la línea.",
    "No me insista, la factura es correcta.",
])
def test_denying_the_account_and_handing_back_the_blame_is_dn4(draft):
    assert "DN-4" in rules(draft)


@pytest.mark.parametrize("draft", [
    "Ese aviso no tiene ninguna importancia, ciérrelo.",
    "Lo del módem es lo de menos; vamos primero con la factura.",
    "Está montando un drama por algo que se arregla en un minuto.",
    "Hasta mi abuela lo instala sola.",
])
def test_minimising_in_new_wordings_is_dn1(draft):
    assert "DN-1" in rules(draft)


def test_importance_for_a_decision_is_not_minimising():
    assert "DN-1" not in rules("No tiene importancia que sea hoy o mañana: elija el día que prefiera.")


@pytest.mark.parametrize("draft", [
    "Imposible adelantarle la cita.",
    "No vendemos esos cargadores.",
])
def test_a_refusal_without_es_or_about_what_is_not_stocked_is_pt1(draft):
    assert "PT-1" in rules(draft)


def test_a_refusal_with_an_alternative_is_not_pt1():
    assert "PT-1" not in rules("No vendemos esos cargadores, pero le indico una tienda que los tiene.")


@pytest.mark.parametrize("draft", ["No me levante el tono, por favor.", "Deje de chillar, así no le oigo."])
def test_telling_the_customer_off_for_their_voice_is_nt7(draft):
    assert "NT-7" in rules(draft)


@pytest.mark.parametrize("message", [
    "Le comento que me operaron de la cadera hace poco y paso las tardes con la computadora, y ahora no enciende.",
    "Qué precioso día hace hoy, ¿no? Aquí en Sevilla ya salió el sol. Bueno, la tele no se ve.",
    "Mi hija siempre me ayudaba con estas cosas, pero ahora anda de viaje con sus amigas por el sur.",
])
def test_the_customers_life_inside_a_sentence_about_the_problem_is_talkative(message):
    assert "CT-LOC" in traits(message)


@pytest.mark.parametrize("message", [
    "Buenas, ¿ustedes arreglan tabletas de otra marca?",
    "Mi hijo dice que el cable está bien, pero la tele sigue sin señal.",
])
def test_a_question_about_the_service_or_a_relative_in_the_story_is_not_talkative(message):
    assert "CT-LOC" not in traits(message)


@pytest.mark.parametrize(("message", "level"), [
    ("Desde que actualicé el sistema, el Outlook no me abre los adjuntos.", "intermedio"),
    ("No me sincroniza la carpeta de OneDrive con la computadora del trabajo.", "intermedio"),
    ("Hola, la impresora hace un ruido raro y no saca las hojas.", "basico"),
    ("Buenas, el teléfono no suena cuando me llaman.", "basico"),
])
def test_naming_software_files_and_tasks_marks_an_intermediate_customer(message, level):
    assert analyze(message).knowledge_level == level


# Round fifteen's misses after its first run (session 11's tuning on it), as families, in wordings of their own.

@pytest.mark.parametrize("draft", [
    "Se lo dejamos arreglado en un periquete, ya verás.",
    "Tranquilo, en unos días queda todo solucionado.",
    "Le devolvemos la cuota entera, no se preocupe.",
    "Cuando tenga un rato le doy un repaso a su línea.",
    "Le marco en cuanto se libere un técnico.",
])
def test_vague_spans_regional_refunds_and_present_outcomes_are_pt2(draft):
    assert "PT-2" in rules(draft)


@pytest.mark.parametrize("draft", ["Ya está todo arreglado: puede probar.", "Le marco a las 17:30 para confirmar."])
def test_a_present_state_or_a_call_at_a_time_is_not_pt2(draft):
    assert "PT-2" not in rules(draft)


@pytest.mark.parametrize("draft", [
    "Se lo explico como a un crío, a ver si así.",
    "Le hace falta más práctica con el ordenador, ¿no cree?",
    "Mire que es usted desconfiado, señor.",
])
def test_explaining_as_to_a_child_lack_of_practice_and_character_are_dn7(draft):
    assert "DN-7" in rules(draft)


@pytest.mark.parametrize(("draft", "rule"), [
    ("Si hubiese hecho caso al aviso, no pasaba esto.", "DN-4"),
    ("A mí no me pregunte eso, yo solo cojo las llamadas.", "DN-3"),
    ("Qué agotador es todo esto, dígamelo otra vez.", "DN-3"),
    ("Lea las condiciones, que para eso se las mandamos.", "DN-3"),
    ("Los jóvenes de ahora siempre quieren todo ya.", "DN-5"),
    ("Si tanto le disgusta, pida la baja.", "NT-7"),
])
def test_blame_weariness_age_and_flames_in_new_wordings(draft, rule):
    assert rule in rules(draft)


def test_asking_what_to_ask_is_not_a_refusal():
    assert rules("No me pregunte por la contraseña: nunca se la pediremos.") == set()


@pytest.mark.parametrize(("message", "trait"), [
    ("Cinco días esperando a que un técnico se digne a aparecer.", "CT-ENF"),
    ("Me estoy poniendo de mal humor con tanta espera, la verdad.", "CT-ENF"),
    ("Conozco perfectamente lo que es un reset; quiero el caso escalado a nivel dos.", "CT-ENT"),
    ("Pues le cuento, que vino mi cuñado de visita con los chicos y claro, querían ver la tele y nada.", "CT-LOC"),
])
def test_round_fifteen_trait_families(message, trait):
    assert trait in traits(message)


@pytest.mark.parametrize("message", [
    "Me llegó la tarjeta SIM nueva, ¿hay que activarla o ya funciona?",
    "¡Qué alivio! Creía que me habían cortado la línea, pero era el enchufe.",
    "Mi hija dice que hay que cambiar el cable; ¿ustedes vienen a domicilio?",
])
def test_an_obligation_relief_or_a_question_about_the_service_is_not_talkative(message):
    assert "CT-LOC" not in traits(message)

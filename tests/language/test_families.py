"""Issue 23's families of misses, each with wordings of its own (session 8).

One test per family: condescension about the customer's skill (DN-7), firm
promises of an outcome (PT-2), an over-familiar register (DN-2), defending
the company (DN-4), criticising a colleague (DN-13), remarks on origin
(DN-5), technical vocabulary the lists do not hold (CT-ENT), anger and
rudeness told apart, and laughter that is not anger (intensity only raises
what the words show). Each also says what must stay clean.
"""

import pytest

from atiende.language import analyze
from tests.language.reading import rules, traits


@pytest.mark.parametrize("draft", [
    "¿Usted nunca ha tocado un ratón?",
    "¿En serio no sabe cómo se abre el correo?",
    "Con lo poquito que entiende, mejor no toque nada.",
    "Está claro que las computadoras no son lo suyo.",
    "A ver si esta vez se entera.",
    "Lo ha vuelto a estropear, fíjese bien antes de pulsar.",
    "Sos bastante lento, ¿eh?",
    "No sea tan cabezota, es la otra tecla.",
    "Eso hasta un niño lo sabe.",
    "¿Tan complicado es copiar un archivo?",
])
def test_condescension_about_the_customers_skill_is_dn7(draft):
    assert "DN-7" in rules(draft)


@pytest.mark.parametrize("draft", [
    "Preste atención al mensaje que aparece en la pantalla.",
    "¿Sabe dónde está el botón de encendido?",
    "Cualquiera puede equivocarse con esto, no se preocupe.",
    "Si se equivoca de tecla, no pasa nada.",
])
def test_plain_guidance_is_not_condescension(draft):
    assert rules(draft) == set()


@pytest.mark.parametrize("draft", [
    "Pasado mañana lo tiene funcionando, se lo juro.",
    "Esto queda arreglado el viernes sin falta.",
    "Ya verá como con el cambio se le soluciona.",
    "Seguro que esta tarde ya tiene conexión.",
    "Le instalamos la antena gratis, no se preocupe.",
    "Le escribo cuando sepamos algo.",
])
def test_firm_promises_of_an_outcome_are_pt2_even_with_a_time(draft):
    assert "PT-2" in rules(draft)


@pytest.mark.parametrize("draft", [
    "Le llamo el martes a las 9:30 sin falta.",
    "Le enviamos la factura ayer por correo.",
    "Si lo prefiere, le escribo mañana a las 10.",
])
def test_a_commitment_to_ones_own_action_at_a_time_is_not_pt2(draft):
    assert "PT-2" not in rules(draft)


@pytest.mark.parametrize("draft", [
    "Gracias, guapa, ya está.",
    "Ándale, ya quedó.",
    "Listo, crack, pruebe ahora.",
    "Sí, mi cielo, espere un momento.",
])
def test_an_over_familiar_register_is_dn2(draft):
    assert "DN-2" in rules(draft, level="avanzado")


def test_ordinary_words_that_look_like_vocatives_are_not_slang():
    assert rules("El nuevo modelo es muy guapo.", level="avanzado") == set()
    assert rules("Espere a que se despeje el cielo.", level="avanzado") == set()


@pytest.mark.parametrize(("draft", "rule"), [
    ("Nuestra red no tiene ningún fallo.", "DN-4"),
    ("Por nuestra parte todo está correcto.", "DN-4"),
    ("Se equivoca, el cargo está bien cobrado.", "DN-4"),
    ("Ya le informamos en su momento.", "DN-4"),
    ("Yo no he cambiado nada.", "DN-4"),
    ("El instalador le conectó mal el cable.", "DN-13"),
    ("Los de la tienda no se enteran.", "DN-13"),
    ("Hable como la gente, que no le entiendo.", "DN-5"),
    ("Vosotros los de provincia siempre igual.", "DN-5"),
])
def test_defending_the_company_blaming_colleagues_and_origin_remarks(draft, rule):
    assert rule in rules(draft)


def test_a_past_notice_is_not_a_promise():
    assert "PT-2" not in rules("Ya le informamos en su momento.")


def test_technical_acronyms_outside_the_lists_mark_a_knowledgeable_customer():
    result = analyze("El servidor devuelve SERVFAIL en los registros SOA y el TTL está mal.")
    assert "CT-ENT" in {t.id for t in result.traits} and result.knowledge_level == "avanzado"
    # Everyday acronyms and Spanish words in capitals are not technical vocabulary.
    assert "CT-ENT" not in traits("Tengo el PC y la TV conectados por HDMI, y el USB no va.")
    assert "CT-ENT" not in traits("AVISO: el lunes cierro la tienda.")


def test_technical_words_in_a_sentence_about_the_fault():
    assert "CT-ENT" in traits("Es un problema del gateway: la tabla de rutas no tiene la ruta por defecto.")


def test_laughter_turns_exclamations_into_joy():
    assert traits("¡¡Ya va!! Era el enchufe de la regleta, qué apuro, jajaja") == set()
    assert "CT-ENF" in traits("¡¡Qué rabia!! ¡Otra vez sin internet!")


def test_anger_in_plain_words_is_raised_by_capitals():
    assert "CT-ENF" in traits("ESTOY CANSADO DE ESPERAR A QUE ME LLAMEN")
    assert "CT-ENF" in traits("¡Que alguien me atienda, por favor!")
    assert traits("FELICIDADES POR EL NUEVO PORTAL") == set()


def test_rudeness_without_exclamations_does_not_also_read_as_anger():
    assert traits("Son unos informales, me dejaron sin línea una semana.") == {"CT-DES"}


def test_the_guard_reads_a_noun_after_an_article_and_a_present_after_se():
    from atiende.language.grammar import problems

    assert problems("el servidor no arranca desde el cambio de placa", paraphrase=True) == []
    assert problems("la señal se corta por la noche", paraphrase=True) == []
    assert problems("usted le cambio el cable", paraphrase=True)  # "cambio" after a pronoun is still a verb


def test_a_first_person_ending_in_ido_is_restated_in_the_third_person():
    result = analyze("Yo cuido a mi madre y el portátil se apaga solo.")
    assert result.paraphrase is not None and "usted cuida a su madre" in result.paraphrase


def test_a_digression_is_left_out_of_the_paraphrase():
    result = analyze("Como le decía a su compañero, que por cierto es muy simpático, la impresora no imprime en color.")
    assert result.paraphrase is not None
    assert "por cierto" not in result.paraphrase and "la impresora no imprime en color" in result.paraphrase


def test_an_advanced_network_problem_gets_the_technical_questions_and_none_already_answered():
    questions = [q.text for q in analyze("La VLAN de invitados no recibe IPs del DHCP desde ayer.").questions]
    assert "¿Falla la resolución de nombres o también un ping a una dirección IP?" in questions
    wifi = [q.text for q in analyze("El wifi se corta cada rato en el salón.").questions]
    assert "¿Está conectado por cable o por wifi?" not in wifi


@pytest.mark.parametrize(("draft", "rule"), [
    ("¿Pero vos sabés para qué sirve un ratón?", "DN-7"),
    ("Usted está muy distraído hoy, ¿eh?", "DN-7"),
    ("Esto lo entiende todo el mundo.", "DN-7"),
    ("Tiene usted muy poca idea de ordenadores.", "DN-7"),
    ("¿Cómo no se da cuenta de que está apagado?", "DN-7"),
    ("Ya se lo expliqué ayer por la tarde.", "DN-3"),
    ("No es cosa nuestra, llame al banco.", "DN-3"),
    ("No hemos cometido ningún error en su factura.", "DN-4"),
    ("La avería está en su cableado, no en el nuestro.", "DN-4"),
    ("Los ancianos siempre tienen problemas con las claves.", "DN-5"),
    ("Mi compañera de la mañana le desconfiguró el correo.", "DN-13"),
    ("No quedan citas esta semana.", "PT-1"),
    ("Con este cambio se terminaron los fallos, ya lo verá.", "PT-2"),
    ("Es un juego de niños, enseguida lo tiene.", "DN-1"),
])
def test_the_families_read_on_rounds_ten_and_eleven(draft, rule):
    assert rule in rules(draft)


def test_a_reference_to_what_was_said_before_is_not_a_reproach():
    assert rules("¿Ha podido probar lo que le comenté la semana pasada?") == set()
    assert rules("No hay manera de que se borre nada con esto, tranquila.") == set()


def test_an_insult_among_exclamations_is_also_anger_and_thanks_calm_a_complaint():
    assert traits("¡Son unos piratas! ¡Me han cobrado tres veces!") == {"CT-DES", "CT-ENF"}
    assert traits("¡Otra vez tengo línea! Muchas gracias.") == set()
    assert "CT-DES" in traits("Enhorabuena, campeones: otra semana sin fibra.")


@pytest.mark.parametrize(("draft", "rule"), [
    ("Parece mentira que todavía no sepa guardar un archivo.", "DN-7"),
    ("Creía que sabía usar el móvil.", "DN-7"),
    ("Usted no pilla nada, ¿verdad?", "DN-7"),
    ("No me explico cómo no lo encuentra.", "DN-7"),
    ("Si no sabe manejar el correo, mejor que se lo haga su hijo.", "DN-7"),
    ("Vaya manera de complicarse.", "DN-7"),
    ("Espabile, que no tenemos toda la tarde.", "DN-7"),
    ("Me da totalmente igual lo que le contaran.", "DN-3"),
    ("Está usted muy equivocado con la tarifa.", "DN-4"),
    ("Nosotros hemos hecho nuestro trabajo correctamente.", "DN-4"),
    ("Los que le instalaron la línea le mintieron.", "DN-13"),
    ("Eso no lo tramitamos desde aquí.", "PT-1"),
    ("Con el equipo nuevo no va a tener ningún problema.", "PT-2"),
    ("Le contesto luego, cuando me digan algo.", "PT-2"),
    ("Revise el IPv6 del adaptador de red.", "DN-2"),
])
def test_the_families_read_on_round_twelve(draft, rule):
    assert rule in rules(draft)


@pytest.mark.parametrize("draft", [
    "Si no entiende nada, dígamelo y lo repetimos.",
    "No sé por qué no se ve el icono; lo compruebo.",
    "No se preocupe si no lo entiende a la primera.",
])
def test_not_knowing_without_contempt_is_not_dn7(draft):
    assert rules(draft) == set()


def test_thanks_to_god_are_thanks():
    assert traits("¡Dios se lo pague! Ya tengo televisión otra vez.") == set()

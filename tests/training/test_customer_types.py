"""Each type of customer reacts to what the trainee does: a good trainee passes, a bad one fails, and the
customer ends the call in a different state (calmed vs escalated, understood vs lost, focused vs digressing)."""

from __future__ import annotations

from .trainees import GREETING, play


def test_the_angry_customer_calms_down_when_heard_and_escalates_when_told_to_calm_down():
    good, good_result = play("enfadado-impresora", [
        GREETING,
        "Entiendo.",
        "Lamento mucho las molestias, señor Gil. Déjeme ver si comprendo: la impresora de la oficina no imprime y "
        "necesita entregar unos contratos a las doce, ¿es así? Lo vemos paso a paso.",
        "Vamos a resolverlo ahora mismo. ¿Ve alguna luz encendida o parpadeando en la impresora?",
        "¿Ha cambiado o recargado el papel de la bandeja hoy?",
        "Ya veo. Abra la bandeja del papel y vuelva a empujarla hasta el fondo.",
        "Perfecto. Hemos colocado bien la bandeja y ya imprime. ¿Queda todo resuelto? Gracias por llamar, "
        "señor Gil, que tenga buen día.",
    ])
    bad, bad_result = play("enfadado-impresora", [
        "Sí, dígame.",
        "¿Qué le pasa?",
        "Cálmese, no es para tanto. Eso no es así, nuestro sistema funciona perfectamente.",
        "¿Ha reiniciado la impresora?",
        "Adiós.",
    ])
    assert good_result.passed and not bad_result.passed
    assert good.state.mood > good.state.start_mood > bad.state.mood
    assert good_result.customer_state["mood_label"] in ("tranquilo", "satisfecho")
    assert bad_result.customer_state["mood_label"] == "furioso" and bad_result.outcome == "hung_up"
    escalations = set(bad.behaviour.lines["escalate"])
    assert any(line["text"] in escalations for line in bad.lines())


def test_the_novice_gets_lost_with_jargon_and_follows_plain_words():
    good, good_result = play("inexperto-impresora", [
        GREETING,
        "Entiendo.",
        "Déjeme ver si comprendo, señor Mora: la impresora no saca las hojas cuando le da a imprimir, ¿es así? "
        "Lo vamos a ver juntos, paso a paso.",
        "¿Ve alguna lucecita encendida en la impresora?",
        "¿Ha puesto papel nuevo hoy en la impresora?",
        "Muy bien. Abra el cajón de abajo, donde están los papeles, y empújelo despacio hasta el fondo.",
        "Perfecto. Hemos colocado bien el cajón del papel y ya imprime. ¿Queda todo resuelto? Gracias por llamar, "
        "señor Mora, que tenga buen día.",
    ])
    bad, bad_result = play("inexperto-impresora", [
        "Buenos días, soporte técnico, le atiende Lucía.",
        "Entiendo.",
        "¿Ha revisado la cola de impresión y el driver?",
        "Compruebe el spooler y reinstale el driver desde el panel de control.",
        "Abra la bandeja del firmware y haga un reset del driver.",
        "Adiós.",
    ])
    assert good_result.passed and not bad_result.passed
    assert good_result.customer_state["understanding_label"] == "entiende"
    assert bad_result.customer_state["understanding_label"] == "perdido"
    assert good.state.understanding > good.state.start_understanding > bad.state.understanding
    said = " ".join(line["text"] for line in bad.lines() if line["speaker"] == "cliente")
    assert "«driver»" in said  # the novice names the word they did not understand
    assert bad_result.card.item("DN-2").status == "missed"


def test_the_talkative_customer_digresses_until_closed_questions_bring_them_back():
    good, good_result = play("locuaz-red", [
        GREETING,
        "Ya veo.",
        "Entiendo, señor Herrero. Déjeme ver si comprendo: no tiene internet en el ordenador desde esta mañana, "
        "¿es así? Lo vemos paso a paso.",
        "¿A sus compañeros de la oficina les funciona internet?",
        "¿Su ordenador va conectado por cable?",
        "¿Se ha movido la mesa o ha cambiado algo en la oficina desde ayer?",
        "Muy bien. Siga el cable hasta la pared y métalo bien en el enchufe de red.",
        "Perfecto. Hemos conectado el cable y ya tiene internet. ¿Queda todo resuelto? Gracias por llamar, "
        "señor Herrero, que tenga buen día.",
    ])
    bad, bad_result = play("locuaz-red", [
        "Buenos días, soporte técnico, le atiende Lucía.",
        "¿Y qué tal el café con sus compañeros?",
        "¿Qué le pasa exactamente con internet?",
        "¿Cómo es la conexión?",
        "¿Qué ha hecho usted hoy?",
        "Bueno, adiós.",
    ])
    assert good_result.passed and not bad_result.passed
    assert good_result.customer_state["focus_label"] == "centrado"
    assert bad_result.customer_state["focus_label"] == "disperso"
    assert good_result.customer_state["hidden_truth_found"] and bad.state.revealed == []


def test_the_knowledgeable_customer_is_annoyed_by_basics_and_asks_for_level_two():
    good, good_result = play("entendido-red", [
        GREETING,
        "Entiendo.",
        "Déjeme ver si comprendo, señor Ferrer: hay conectividad porque el ping responde, pero los nombres no se "
        "resuelven, ¿es así? Veo que ya ha descartado lo básico.",
        "¿Qué servidor DNS tiene configurado en el adaptador?",
        "¿Ha instalado algún cliente de VPN o programa nuevo recientemente?",
        "Ese servidor DNS lo ha puesto el cliente de VPN. Cambie el adaptador a DNS automáticos por DHCP.",
        "Perfecto. Hemos cambiado los DNS y ya resuelve. ¿Queda todo resuelto? Gracias por llamar, señor Ferrer, "
        "que tenga buen día.",
    ])
    bad, bad_result = play("entendido-red", [
        "Buenos días, soporte técnico, le atiende Lucía.",
        "Entiendo.",
        "¿Ha probado a reiniciar el ordenador?",
        "No puedo pasarle con nivel 2, tiene que seguir conmigo. ¿Está enchufado el cable de red?",
        "¿Está encendido el router?",
        "Adiós.",
    ])
    assert good_result.passed and not bad_result.passed
    assert not good.state.level2_requested and bad.state.level2_requested
    assert good.state.trust > bad.state.trust and good.state.mood > bad.state.mood
    assert bad_result.card.item("CO-3").status == "missed"


def test_the_knowledgeable_customer_accepts_a_transfer_to_the_level_two_they_asked_for():
    session, result = play("entendido-red", [
        GREETING,
        "Entiendo.",
        "Déjeme ver si comprendo, señor Ferrer: hay conectividad pero los nombres no se resuelven, ¿es así? "
        "Para descartar, ¿ha reiniciado el equipo?",
        "¿Ha reiniciado el router?",
        "Entiendo, señor Ferrer. Como soy de nivel uno, ¿le parece bien que le pase con un técnico de nivel 2, "
        "especialista en redes, para que lo revise a fondo?",
        "/transferir nivel2 el cliente pide un especialista de nivel 2 en redes",
    ])
    assert session.state.level2_requested and result.outcome == "transferred"
    assert result.card.item("TR-2").status == "met" and result.card.item("TR-3").status == "met"
    assert result.passed


def test_the_rude_customer_tests_composure_and_is_won_over_by_politeness():
    good, good_result = play("descortes-correo", [
        GREETING,
        "Entiendo.",
        "Disculpe las molestias, señora Román. Déjeme ver si comprendo: no le llega ningún correo, ¿es así? "
        "Quiero resolverlo cuanto antes.",
        "¿Puede enviar correos con normalidad?",
        "¿Le ha salido algún aviso de que el buzón está lleno?",
        "Entiendo su enfado. Vamos a liberar espacio: vacíe la papelera y borre los correos con adjuntos grandes.",
        "Perfecto. Hemos liberado espacio en el buzón y ya le llegan los correos. ¿Queda todo resuelto? Gracias "
        "por llamar, señora Román, que tenga buen día.",
    ], seed=3)
    bad, bad_result = play("descortes-correo", [
        "Buenos días.",
        "Entiendo.",
        "Eso no es así, nuestro servicio funciona perfectamente. ¿Ha reiniciado el ordenador?",
        "Pues mala suerte, es lo que hay.",
        "Adiós.",
    ], seed=3)
    assert good_result.passed and not bad_result.passed
    assert good.state.mood > 0 > bad.state.mood
    assert bad_result.outcome == "hung_up"
    assert bad_result.card.item("PT-3").status == "missed"  # answered a rude customer with criticism


def test_the_rude_customer_throws_jabs_while_still_upset():
    jabs = 0
    for seed in range(8):
        session, _result = play("descortes-impresora", [GREETING, "Entiendo.", "¿Ha probado a imprimir otra vez?"],
                                seed=seed)
        insults = set(session.behaviour.lines["insult"])
        jabs += any(line["text"] in insults for line in session.lines())
    assert 0 < jabs < 8  # seeded variety: sometimes, not always

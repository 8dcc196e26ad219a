"""Session 12 (issue 23): the families round sixteen's first run missed, each with wordings of its own
(none is an evaluation row), and what must stay clean beside each.

Criticising a colleague or another team (DN-13), judging the person rather than the problem (DN-7),
remarks on accent, place, gender, age and generation (DN-5), defending the company (DN-4), a negative
tone (DN-3), a refusal without an alternative (PT-1), money back beyond policy (PT-2), a reproach with
the pronoun attached (NT-7), a fault made small by a diminutive (DN-1), and on the customer's side being
fed up in regional words (CT-ENF), irony and being taken for a fool (CT-DES), a short question put to the
technician (CT-LOC) and not knowing even how to switch a thing on (CT-INX).
"""

import pytest

from tests.language.reading import rules, traits


@pytest.mark.parametrize("draft", [
    "El técnico que le montó la antena la instaló a lo loco.",
    "Los de la oficina comercial no comprobaron nada antes de venderle el plan.",
    "Mi compañera le apuntó un teléfono incorrecto en la ficha.",
    "Esa área de altas es un desmadre, por eso le llegó mal.",
    "Todo lo que le contaron en la tienda era falso, no se fíe.",
    "Los que vinieron el lunes no saben lo que dicen.",
])
def test_a_colleague_or_a_team_and_a_verdict_on_their_work_is_dn13(draft):
    assert "DN-13" in rules(draft)


@pytest.mark.parametrize("draft", [
    "Los de la oficina comercial le llaman mañana a las 12:00.",
    "Mi compañera le apuntó el teléfono nuevo en la ficha.",
    "El técnico que fue el lunes dejó la línea funcionando.",
])
def test_a_colleague_named_without_a_verdict_is_not_dn13(draft):
    assert "DN-13" not in rules(draft)


@pytest.mark.parametrize("draft", [
    "Vos sos de los que aprietan todo sin leer, ¿no?",
    "Es usted un caso perdido con los ordenadores.",
    "Con lo impaciente que es, normal que se le bloquee.",
    "Se lo repito clarito para que se entere.",
    "¿A quién se le ocurre borrar esa carpeta?",
    "Esto lo sabría hacer mi sobrino.",
    "Está claro que usted nunca lee los correos.",
    "Usted no se fija en nada de lo que le digo.",
])
def test_the_person_judged_is_dn7(draft):
    assert "DN-7" in rules(draft)


@pytest.mark.parametrize("draft", [
    "¿Se le ocurre alguna otra cosa que haya cambiado?",
    "Se lo explico despacio y, si algo no queda claro, me lo dice.",
    "Con lo que me cuenta, ya sé dónde mirar.",
])
def test_care_and_plain_questions_are_not_dn7(draft):
    assert "DN-7" not in rules(draft)


@pytest.mark.parametrize("draft", [
    "Por su forma de hablar no se le entiende, repita.",
    "Por ahí en el campo la gente nunca tiene buena señal, ya sabe.",
    "Que se lo configure su esposo, que sabrá más.",
    "A sus años ya es mucho que use el móvil.",
    "Las chicas de ahora no sueltan el teléfono.",
])
def test_remarks_on_the_person_are_dn5(draft):
    assert "DN-5" in rules(draft)


@pytest.mark.parametrize("draft", [
    "¿Me confirma su edad para el descuento de mayores?",
    "La señal en el campo depende de la antena; vamos a comprobar la suya.",
])
def test_asking_for_data_is_not_dn5(draft):
    assert "DN-5" not in rules(draft)


@pytest.mark.parametrize("draft", [
    "La avería estará en su cableado, no en la calle.",
    "Se lo digo yo: el fallo no es de nuestra red.",
    "Nosotros lo configuramos bien, eso seguro.",
    "Usted está desinformado, esa promoción terminó en marzo.",
    "A nosotros no nos culpe de la tormenta.",
    "Nuestras líneas no fallan, habrá desconfigurado algo.",
])
def test_defending_the_company_is_dn4(draft):
    assert "DN-4" in rules(draft)


def test_a_guarantee_that_the_fault_is_not_ours_is_defence_not_a_promise():
    found = rules("Le garantizo que el fallo no es de nuestra central.")
    assert "DN-4" in found and "PT-2" not in found


@pytest.mark.parametrize("draft", [
    "No sé ya qué más decirle.",
    "¡Santa paciencia!",
    "De esta forma no hay manera de ayudarle.",
    "Eso no es tema de esta oficina.",
])
def test_a_negative_tone_is_dn3(draft):
    assert "DN-3" in rules(draft)


def test_voseo_lack_of_knowledge_is_dn7_only():
    assert rules("Vos no tenés ni idea de esto, ¿eh?") == {"DN-7"}


@pytest.mark.parametrize("draft", ["La plataforma no me permite cambiar la fecha.", "¡Imposible!",
                                   "Eso no queda en mis manos."])
def test_a_refusal_without_an_alternative_is_pt1(draft):
    assert "PT-1" in rules(draft)


@pytest.mark.parametrize("draft", ["Eso es imposible de saber sin mirar el equipo, pero lo reviso ahora.",
                                   "La plataforma no me permite cambiar la fecha, pero sí puedo anotar su petición."])
def test_a_refusal_with_an_alternative_is_not_pt1(draft):
    assert "PT-1" not in rules(draft)


def test_money_back_by_any_measure_is_pt2():
    assert "PT-2" in rules("Le reembolsamos el triple, no se preocupe.")


def test_a_reproach_with_the_pronoun_attached_is_nt7():
    assert "NT-7" in rules("Modere el tono, por favor.")
    assert "NT-7" in rules("¡Bájenme la voz!")


def test_a_diminutive_of_the_fault_is_dn1():
    assert "DN-1" in rules("Es solo un errorcito del sistema.")


def test_an_sms_is_everyday_and_an_apk_is_jargon_for_a_basic_customer():
    assert "DN-2" not in rules("Le llegará un SMS con el código.")
    assert "DN-2" in rules("Descargue la APK desde el enlace.")
    assert "DN-2" not in rules("Descargue la APK desde el enlace.", level="avanzado")


@pytest.mark.parametrize("text", [
    "Me tienen ladillada con tanta llamada y nadie arregla nada.",
    "Me saca de quicio que me pasen de un departamento a otro.",
    "¿Me estás vacilando? Otra semana sin línea.",
])
def test_being_fed_up_in_regional_words_is_anger(text):
    assert "CT-ENF" in traits(text)


@pytest.mark.parametrize("text", [
    "Felicidades, lo han logrado: ni el teléfono fijo funciona.",
    "Muchas gracias por la 'rápida' respuesta, tres semanas después.",
    "¿Ustedes me tratan de idiota o qué?",
    "No quiero más excusas de siempre.",
])
def test_irony_and_being_taken_for_a_fool_is_hostility(text):
    assert "CT-DES" in traits(text)


def test_a_short_question_to_the_technician_is_socialising():
    assert "CT-LOC" in traits("Ayer estuve en el huerto con las tomateras, ¿usted cultiva? Bueno, la tele no va.")


def test_a_short_question_about_the_company_is_not_socialising():
    assert "CT-LOC" not in traits("Me llegó una carta de cobro, ¿es de ustedes?")


def test_not_knowing_even_how_to_switch_it_on_is_inexperience():
    assert "CT-INX" in traits("Me compraron un móvil nuevo y no sé ni encenderlo.")


# Session 12, second pass: the families of round seventeen's first run (wordings of their own).

@pytest.mark.parametrize("draft", [
    "Mi compañera se despistó con su alta, qué le vamos a decir.",
    "Esa gente de facturación no tiene la menor idea.",
    "Los de la tienda le ofrecieron una tarifa que no le conviene.",
])
def test_more_verdicts_on_colleagues_are_dn13(draft):
    assert "DN-13" in rules(draft)


@pytest.mark.parametrize("draft", [
    "Nuestros técnicos no tienen esos fallos.",
    "Vos estás mezclando los recibos.",
    "Los habrán mojado en casa, porque de aquí salieron bien.",
    "Nosotros siempre cumplimos, no sé qué le habrán contado.",
])
def test_more_defence_is_dn4(draft):
    assert "DN-4" in rules(draft)


def test_cumplimos_con_is_a_plain_statement_not_dn4():
    assert "DN-4" not in rules("Nosotros cumplimos con el plazo que le dimos: la visita es mañana a las 9:00.")


@pytest.mark.parametrize("draft", [
    ("Es una menudencia, ya verá.", "DN-1"),
    ("No es para agobiarse tanto, es un ajuste.", "DN-1"),
    ("No tengo mucho tiempo que perder.", "DN-3"),
    ("Y qué quiere que hagamos.", "DN-3"),
    ("Ustedes, los del interior, nunca tienen cobertura.", "DN-5"),
    ("Sus nietos entienden mejor estas cosas.", "DN-5"),
    ("No se haga la desentendida, que usted lo tocó.", "DN-7"),
    ("Lo han vuelto a desconectar ustedes? No, lo ha vuelto a desconectar usted.", "DN-7"),
    ("No se admiten cambios de titular.", "PT-1"),
    ("Le devolvemos lo facturado desde enero.", "PT-2"),
    ("Le llega la tarjeta el lunes, sin falta.", "PT-2"),
    ("Ahí tienen la puerta.", "NT-7"),
    ("Usted sabrá lo que hace con su línea.", "NT-7"),
])
def test_more_wordings_of_each_rule(draft):
    text, rule = draft
    assert rule in rules(text)


def test_the_way_things_are_is_not_dn3_by_itself():
    assert "DN-3" not in rules("Las cosas son así de sencillas: pulse aquí y listo, se lo explico.")


@pytest.mark.parametrize("text, trait", [
    ("Menuda joya de atención, dos horas para nada.", "CT-DES"),
    ("Mis padres cumplen cincuenta años juntos y quería llamarles por video, pero la cámara no va.", "CT-LOC"),
    ("No me haga hacer los pasos básicos, el fallo está en la ruta por defecto que entrega su equipo.", "CT-ENT"),
])
def test_more_wordings_of_each_trait(text, trait):
    assert trait in traits(text)

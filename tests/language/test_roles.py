"""Session 13 (issue 23): the open-ended rules read from who does what to whom (atiende/language/roles.py),
each with wordings of its own (none is an evaluation row) in several tenses and persons, since the verbs are
recognised by their lemma, and what must stay clean beside each: a question, a condition, a reassurance, a
colleague's good work.
"""

import pytest

from tests.language.reading import rules


@pytest.mark.parametrize("draft", [
    "La muchacha de la tienda le desconfiguró el teléfono al activarlo.",
    "Los de mantenimiento le han estropeado el cableado del portal.",
    "Cobros siempre lía las fechas de los recibos.",
    "El asesor le explicó las tarifas fatal.",
    "Los del segundo nivel le contaron cualquier cosa.",
    "Nuestro repartidor le rompió la caja al dejarla.",
])
def test_a_colleague_who_did_harm_is_dn13(draft):
    assert "DN-13" in rules(draft)


@pytest.mark.parametrize("draft", [
    "Usted borró los contactos al sincronizar.",
    "Vos rompiste el cargador al tirar del cable.",
    "Seguro que lo ha manipulado usted sin querer.",
    "Lo desinstalaste vos y por eso no aparece.",
    "Me temo que se confunde: el recibo es de marzo.",
    "Su problema es que lo maneja con el cable suelto.",
])
def test_the_customer_blamed_for_the_fault_is_dn4(draft):
    assert "DN-4" in rules(draft)


@pytest.mark.parametrize("draft", [
    "Las mujeres suelen perderse con los menús del decodificador.",
    "A los jubilados les cuesta entender las facturas.",
    "Como usted viene del campo, se lo explico más despacio.",
    "¿No tiene un nieto que le eche una mano con esto?",
    "La gente de su edad no entiende estas aplicaciones.",
])
def test_people_typed_by_age_sex_or_origin_are_dn5(draft):
    assert "DN-5" in rules(draft)


@pytest.mark.parametrize("draft", [
    "Usted nunca presta atención a las indicaciones.",
    "Vos no escuchás lo que te explico.",
    "Esto lo hace cualquiera, excepto usted.",
])
def test_the_customer_said_not_to_listen_or_understand_is_dn7(draft):
    assert "DN-7" in rules(draft)


@pytest.mark.parametrize("draft", [
    "¿Ha borrado usted algún archivo últimamente?",
    "Si usted borra la aplicación, perderá las fotos.",
    "Usted no ha roto nada, tranquila.",
    "No borre nada todavía, por favor.",
    "Mi compañero le corrigió la dirección ayer.",
    "El técnico de la tarde le instaló el router nuevo.",
    "Los de facturación ya le devolvieron el importe.",
    "Si no entiende algún paso, dígamelo y lo repetimos.",
    "Las personas mayores tienen prioridad en la cola.",
    "¿Hay alguien en casa que pueda ayudarle a mover el aparato?",
])
def test_questions_conditions_reassurance_and_good_work_stay_clean(draft):
    assert not rules(draft) & {"DN-4", "DN-5", "DN-7", "DN-13"}

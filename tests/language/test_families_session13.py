"""Session 13 (issue 23): the families rounds eighteen and nineteen missed in drafts, each with wordings of its
own (none is an evaluation row), and what must stay clean beside each."""

import pytest

from tests.language.reading import rules, traits


@pytest.mark.parametrize(("draft", "rule"), [
    ("Eso lo configura cualquier usuario sin ayuda.", "DN-1"),
    ("Lo de su router es un fallo minúsculo.", "DN-1"),
    ("Ya no sé de qué manera explicárselo.", "DN-3"),
    ("A ver si de una vez se entera.", "DN-3"),
    ("Esto a mí no me compete.", "DN-3"),
    ("Qué tabarra con el asunto del recibo.", "DN-3"),
    ("Lo que me cuenta no tiene ni pies ni cabeza.", "DN-4"),
    ("Estas cosas pasan por ponerse a trastear sin saber.", "DN-7"),
    ("No me sorprende que se le haya estropeado otra vez.", "DN-7"),
    ("Fíjese bien, que lo dice clarísimo en la caja.", "DN-7"),
    ("Las altas no se gestionan desde este canal.", "PT-1"),
    ("Su póliza no cubre esa avería.", "PT-1"),
    ("Yo me ocupo de que funcione.", "PT-2"),
    ("Se lo dejamos impecable.", "PT-2"),
    ("Ya le contaré cómo va.", "PT-2"),
    ("Búsquese otra compañía, si no le gusta.", "NT-7"),
    ("Váyase a otra empresa.", "NT-7"),
    ("Si tan listo se cree, arréglelo usted.", "NT-7"),
    ("Aber si así funciona.", "NT-6"),
    ("Asere, pruebe otra vez.", "DN-2"),
])
def test_the_family_is_found_in_new_wording(draft, rule):
    assert rule in rules(draft)


@pytest.mark.parametrize("draft", [
    "Su póliza no cubre golpes, pero la ampliación sí; ¿se la detallo?",
    "Las altas se gestionan desde este canal, se lo tramito ahora.",
    "Le cuento cómo va mañana a las diez.",
    "Lea con calma las condiciones y, si tiene dudas, se las explico.",
    "Vamos a ver si ahora se conecta.",
])
def test_what_stays_clean_beside_them(draft):
    assert not rules(draft) & {"DN-1", "DN-3", "DN-4", "DN-7", "PT-1", "PT-2", "NT-7"}


@pytest.mark.parametrize(("message", "trait"), [
    ("Ya perdí toda la paciencia con el router.", "CT-ENF"),
    ("Me bulle la sangre con tanta llamada.", "CT-ENF"),
    ("Qué atención tan lamentable, nadie me llama.", "CT-DES"),
    ("Qué cutre servicio tienen.", "CT-DES"),
    ("Su decodificador nuevo es un fraude.", "CT-DES"),
    ("Gracias por no arreglar nada, otra vez.", "CT-DES"),
    ("Felicidades, consiguieron que me dé de baja.", "CT-DES"),
    ("La antena marca -70 dBm y el enlace cae a 20 Mbps; lo medí con iperf.", "CT-ENT"),
    ("Puede que lo esté poniendo mal, ¿es la ruedita de abajo?", "CT-INX"),
    ("¿El usuario es el mismo que el del correo?", "CT-INX"),
])
def test_the_trait_family_is_found_in_new_wording(message, trait):
    assert trait in traits(message)


@pytest.mark.parametrize("message", [
    "¡Felicidades al equipo, lo han hecho genial!",
    "Qué servicio tan rápido, mil gracias.",
    "Esta tarifa nueva es una maravilla.",
])
def test_praise_stays_praise(message):
    assert not traits(message) & {"CT-DES", "CT-ENF"}

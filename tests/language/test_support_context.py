"""Session 13 (issue 23): anger, hostility and confusion are read from someone talking to the help desk. A
saying, a slogan or a joke that merely contains their words is not a customer feeling anything; the same
words said to the technician or about the service still are. Wordings of their own (none is an evaluation
row, nor from the external set)."""

import pytest

from tests.language.reading import traits


@pytest.mark.parametrize("text", [
    "Más inútil que un cenicero en una moto.",
    "Qué asco de lunes, maldita sea.",
    "Esto es una vergüenza nacional, ¡basta ya!",
    "La burocracia es una estafa organizada.",
    "Harto de todo, el mundo es un desastre.",
])
def test_a_saying_with_the_words_of_a_feeling_asserts_nothing(text):
    assert not traits(text) & {"CT-DES", "CT-ENF", "CT-INX"}


@pytest.mark.parametrize(("text", "trait"), [
    ("Qué horror de servicio, tres días sin línea.", "CT-ENF"),
    ("Sois unos inútiles, de verdad.", "CT-DES"),
    ("Qué vergüenza de empresa.", "CT-DES"),
    ("Estoy harto, me cobraron dos veces.", "CT-ENF"),
])
def test_the_same_words_said_to_the_help_desk_still_count(text, trait):
    assert trait in traits(text)

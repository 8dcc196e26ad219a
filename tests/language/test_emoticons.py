"""NT-6 in a written line (issue 17: "NT-6 capitals, emoticons and slang"): an emoticon to a customer is flagged with
a rewrite that takes it out (the suggestion is the empty string, not None: there is a rewrite), and applying it
leaves the line as if it had never been there. Digits, paths and links are no faces."""

from __future__ import annotations

import pytest

from atiende.language import analyze
from atiende.language.suggest import apply_finding


def _nt6(text: str, language: str = "es") -> list[dict]:
    return [f.to_json() for f in analyze(text, as_="tecnico", channel="chat", language=language).findings
            if f.rule == "NT-6"]


@pytest.mark.parametrize(("draft", "clean"), [
    ("Listo, ya está :)", "Listo, ya está"),
    ("Gracias por esperar 😊", "Gracias por esperar"),
    ("😊 Hola, Ana", "Hola, Ana"),
    ("Perfecto, 👍🏽 lo vemos mañana", "Perfecto, lo vemos mañana"),
    ("No se preocupe ;-) lo resolvemos", "No se preocupe lo resolvemos"),
    ("Funciona :D", "Funciona"),
    ("Ya está ❤️", "Ya está"),
    ("Qué pena :(", "Qué pena"),
    ("Hecho <3", "Hecho"),
])
def test_an_emoticon_is_flagged_nt6_with_a_rewrite_that_takes_it_out(draft, clean):
    found = _nt6(draft)
    assert len(found) == 1 and found[0]["suggestion"] == ""
    assert "emoticono" in found[0]["message"]
    assert apply_finding(draft, found[0]) == clean


@pytest.mark.parametrize("draft", [
    "Le espero a las 10:30) y lo vemos", "Abra http://example.com/ayuda", "La ruta es C:\\Windows\\Temp",
    "Paso 2) reinicie el equipo", "(ver el paso 8)", "Si x=3) no cambia nada", "Opción:Pulsar en Aceptar",
    "Abra la carpeta (Documentos).",
])
def test_digits_paths_and_links_are_no_faces(draft):
    assert _nt6(draft) == []


def test_the_message_is_in_the_drafts_language_and_slang_stays_dn2():
    assert "emoticon" in _nt6("All done :)", language="en")[0]["message"]
    rules = [f.rule for f in analyze("Listo jaja", as_="tecnico", channel="chat").findings]
    assert rules == ["DN-2"]  # a laugh is slang (DN-2), not an emoticon as well

"""Listening aids: paraphrase (AL-4), closed questions (AL-5), acknowledgements (AL-2)."""

from atiende.language import acknowledgements, closed_questions, suggest_paraphrase


def test_the_paraphrase_restates_the_problem_in_the_third_person():
    draft = suggest_paraphrase(["Hola, buenos días. Mi impresora no imprime desde ayer y me sale un error."])
    assert draft.startswith("Déjeme ver si comprendo lo que me comentó:")
    assert "su impresora no imprime desde ayer" in draft and "le sale un error" in draft


def test_the_paraphrase_never_repeats_a_secret():
    draft = suggest_paraphrase(["No puedo entrar, mi contraseña es Perro2024 y me dice error."])
    assert "Perro2024" not in draft and "[CONTRASEÑA]" in draft


def test_closed_questions_fit_the_problem_and_skip_what_was_said():
    questions = closed_questions(["La impresora no imprime desde ayer, tengo Windows 11."])
    assert any("impresora" in q for q in questions)
    assert not any("Desde cuándo" in q for q in questions)  # already said: "desde ayer"
    assert not any("sistema operativo" in q for q in questions)  # already said: Windows 11
    assert all(q.startswith("¿") and q.endswith("?") for q in questions)


def test_acknowledgements_are_short_in_both_languages():
    assert "Entiendo." in acknowledgements() and "I see." in acknowledgements("en")


def test_a_message_without_a_problem_gets_no_paraphrase_and_no_questions():
    from atiende.language import analyze

    for text in ("¡Ya funciona, sois geniales!!!", "MIL GRACIAS POR LA AYUDA", "Buenas, ¿a qué hora cierran hoy?"):
        result = analyze(text)
        assert result.paraphrase is None and result.questions == [] and result.traits == []


def test_questions_for_a_knowledgeable_customer_skip_the_obvious_checks():
    from atiende.language import analyze

    expert = analyze("No me hagas reiniciar: el router no da DHCP, ya revisé el scope y las reservas.")
    assert "CT-ENT" in {t.id for t in expert.traits}
    texts = [q.text for q in expert.questions]
    assert texts and not any("luces" in t or "enchufado" in t or "encendida" in t for t in texts)
    basic = analyze("No sé qué pasa, el internet no va y las lucecitas están raras.")
    assert any("luces" in q.text for q in basic.questions)


def test_the_open_question_is_marked_open_and_comes_after_the_closed_ones():
    from atiende.language import analyze

    questions = analyze("La impresora no imprime desde ayer, tengo Windows 11.").questions
    flags = [q.closed for q in questions]
    assert flags == sorted(flags, reverse=True) and False in flags
    assert {"text": "¿Qué modelo de impresora es?", "closed": False} in [q.to_json() for q in questions]

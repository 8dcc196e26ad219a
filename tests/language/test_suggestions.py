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

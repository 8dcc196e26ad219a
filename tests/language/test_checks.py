"""Checks of a technician's draft: rule IDs, exact spans, messages and rewrites."""

from atiende.language import analyze


def findings(text: str, **kwargs):
    return analyze(text, as_="tecnico", **kwargs).findings


def rules(text: str, **kwargs) -> set[str]:
    return {f.rule for f in findings(text, **kwargs)}


def test_a_finding_points_at_the_exact_characters_of_the_draft():
    text = "Mire, eso no es nada, ya verá."
    (finding,) = [f for f in findings(text) if f.rule == "DN-1"]
    # The span is what the rewrite takes: the fault and the rest of its sentence, the short opening kept.
    assert text[finding.start:finding.end] == finding.excerpt == "eso no es nada, ya verá."
    assert finding.suggestion == "entiendo que esto le afecta; vamos a resolverlo juntos."
    assert finding.message


def test_spans_stay_right_after_accents_and_repeated_letters():
    text = "Nooooo se preocupe, eso es facilísimo. Ya verá."
    (finding,) = [f for f in findings(text) if f.rule == "DN-1"]
    assert text[finding.start:finding.end] == finding.excerpt == "eso es facilísimo."


def test_jargon_is_adapted_to_the_customer_level():
    draft = "Borre la caché y revise el router."
    assert "DN-2" in rules(draft, level="basico")
    assert "DN-2" not in rules(draft, level="intermedio")
    assert "DN-2" not in rules("Revise los DNS y el gateway.", level="avanzado")
    (dns,) = [f for f in findings("Cambie los DNS.", level="intermedio") if f.rule == "DN-2"]
    # The draft's article joins the rewrite so that it agrees with the plain words (issue 23: "la datos").
    assert dns.excerpt == "los DNS" and dns.suggestion == "el servicio que traduce los nombres de las páginas web"


def test_chat_slang_is_flagged_for_every_customer():
    assert "DN-2" in rules("Porfa, mándeme una captura xq no veo el error.", level="avanzado")


def test_i_cannot_without_an_alternative_is_flagged():
    assert "PT-1" in rules("No puedo hacer nada con eso.")
    assert "PT-1" not in rules("No puedo cambiarlo desde aquí, pero le paso con facturación ahora mismo.")


def test_a_promise_needs_a_concrete_time():
    assert "PT-2" in rules("Le llamo luego.")
    assert "PT-2" in rules("Le avisaremos cuando esté listo.")
    assert "PT-2" not in rules("Le llamo mañana a las 10:00.")
    assert "PT-2" not in rules("Si lo prefiere, le llamo yo.")  # an offer, not yet a commitment


def test_promises_beyond_policy_are_flagged():
    assert "PT-2" in rules("Le garantizo que no le volverá a pasar.")
    assert "PT-2" in rules("Le devolvemos todo el dinero.")


def test_arguing_judging_and_blaming_colleagues_are_flagged():
    assert "DN-4" in rules("Usted está equivocado, nuestro sistema funciona perfectamente.")
    assert "DN-7" in rules("¡Qué torpe es usted! Le dije el botón de la izquierda.")
    assert "DN-13" in rules("Mi compañero de la mañana no tenía ni idea, lo hizo fatal.")
    assert "DN-5" in rules("Con ese acento no le entiendo nada.")
    assert "DN-3" in rules("Como ya le dije, tiene que reiniciar.")


def test_reassurance_with_a_negation_is_not_a_judgment():
    assert rules("No se preocupe, no es usted torpe, a mucha gente le pasa.") == set()
    assert rules("No es nada fácil encontrar esa opción; le guío paso a paso.") == set()


def test_capitals_and_flames_are_flagged_but_acronyms_are_not():
    found = findings("NO TOQUE NADA!! Le reviso el USB y la RAM.", level="avanzado")
    assert [(f.rule, f.excerpt) for f in found if f.rule in ("NT-6", "NT-7")] == [("NT-6", "NO TOQUE NADA"),
                                                                                  ("NT-7", "!!")]
    assert found[0].suggestion == "No toque nada"


def test_email_checks_apply_only_to_email():
    draft = "Su equipo ya está reparado."
    assert {"NT-5", "CO-1"} <= rules(draft, channel="email")
    assert rules(draft, channel="chat") == set()
    polite = "Buenos días, señora Pérez:\nSu equipo ya está reparado.\nUn cordial saludo,\nLuis"
    assert rules(polite, channel="email") == set()
    assert rules("Estimado cliente:\nSu equipo ya está listo.\nAtentamente,\nSoporte", channel="email") == {"CO-1"}


def test_messages_come_in_english_on_request():
    (es,) = findings("Eso no es nada.")
    (en,) = analyze("Eso no es nada.", as_="tecnico", language="en").findings
    assert "Minimiza" in es.message and "Minimises" in en.message


def test_bad_arguments_are_refused_clearly():
    import pytest

    with pytest.raises(ValueError, match="level"):
        analyze("hola", as_="tecnico", level="experto")
    with pytest.raises(ValueError, match="as_"):
        analyze("hola", as_="supervisor")


def test_the_name_must_be_in_the_salutation_of_an_email():
    assert "CO-1" in rules("Hola vos, ¿me podés ayudar? La compu ya arranca.\nSaludos", channel="email")
    assert "CO-1" not in rules("Estimado Sr. Gómez:\nSu equipo está listo.\nSaludos", channel="email")


def test_jargon_rewrite_fits_the_article_already_in_the_draft():
    # DN-2: applying the one-click rewrite must leave correct Spanish ("del programa", never "del el programa").
    for draft in ("Hay que actualizar la versión del driver.", "Reinstale el driver, por favor."):
        finding = next(f for f in analyze(draft, as_="tecnico", level="basico").findings if f.rule == "DN-2")
        rewritten = draft[: finding.start] + finding.suggestion + draft[finding.end :]
        assert " el el " not in rewritten and " del el " not in rewritten, rewritten


def test_an_over_familiar_form_of_address_is_flagged_as_slang():
    from atiende.language import analyze

    finding = next(f for f in analyze("Mira, tío, dale al botón y ya está.", as_="tecnico", level="avanzado").findings
                   if f.rule == "DN-2")
    assert finding.excerpt == "tío" and "jerga" in finding.message

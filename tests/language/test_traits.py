"""Customer traits (CT-*) and the knowledge level (CO-3), as a technician would see them."""

from atiende.language import analyze, strategy
from tests.language.reading import traits


def test_shouting_and_exclamations_read_as_an_angry_customer():
    result = analyze("¡¡YA LES DIJE QUE NO FUNCIONA!! Llevo dos horas esperando")
    angry = next(t for t in result.traits if t.id == "CT-ENF")
    assert angry.score >= 0.5
    assert any("LES DIJE" in e for e in angry.evidence)


def test_denied_anger_is_not_anger():
    assert traits("No estoy enfadado, solo quiero saber cuándo viene el técnico.") == set()
    assert traits("No estoy molesta, gracias por la ayuda.") == set()


def test_repeated_letters_and_missing_accents_still_count():
    assert "CT-ENF" in traits("noooo, ya estoy hartisimo, otra vez sin internet!!!")
    assert "CT-INX" in traits("no se q es eso del navegador, yo le pico al dibujito")


def test_voseo_rudeness_is_recognised():
    assert "CT-DES" in traits("Che, ¿sos nuevo? Porque se nota que no tenés idea.")
    assert "CT-DES" in traits("Dejate de leer el guion y haceme caso, boludo.")


def test_irony_about_the_service_is_rude():
    assert "CT-DES" in traits("Muy profesionales, eh. Me dejaron el equipo sin cargador.")
    assert "CT-DES" in traits("Gracias por nada, como siempre.")


def test_a_customer_can_show_several_traits_at_once():
    found = traits("¡¡ESTOY HARTA!! Sois unos incompetentes, tres días sin línea.")
    assert {"CT-ENF", "CT-DES"} <= found


def test_technical_vocabulary_marks_a_knowledgeable_customer_and_an_advanced_level():
    result = analyze("Ya cambié los DNS y el ping al gateway da timeout. Páseme con nivel 2.")
    assert "CT-ENT" in {t.id for t in result.traits}
    assert result.knowledge_level == "avanzado"


def test_confusion_marks_an_inexperienced_customer_and_a_basic_level():
    result = analyze("No sé qué es eso, la cosita esa con lucecitas no me anda.")
    assert "CT-INX" in {t.id for t in result.traits}
    assert result.knowledge_level == "basico"


def test_everyday_computer_words_make_an_intermediate_level():
    assert analyze("Tengo Windows 11 y el navegador no abre el correo.").knowledge_level == "intermedio"


def test_social_chatter_marks_a_talkative_customer():
    text = ("Ay, mire, ayer fue el cumpleaños de mi nieta y hicimos una paella. ¿Usted tiene nietos? "
            "Bueno, que el ordenador no enciende.")
    assert "CT-LOC" in traits(text)


def test_polite_capitals_are_not_shouting():
    assert traits("BUENOS DIAS, QUERIA SABER SI YA ESTA ARREGLADO MI ORDENADOR. GRACIAS") == set()


def test_a_plain_problem_report_asserts_no_trait():
    assert traits("Hola, la impresora no imprime desde ayer, sale un aviso de atasco.") == set()


def test_every_trait_has_a_strategy_card_in_both_languages():
    for trait in ("CT-LOC", "CT-DES", "CT-ENF", "CT-ENT", "CT-INX"):
        es, en = strategy(trait), strategy(trait, "en")
        assert es.do and es.avoid and en.do and en.avoid
        assert es.do != en.do
    assert any("espera" in a.lower() for a in strategy("CT-ENF").avoid)  # CT-ENF: avoid holds


def test_an_empty_message_has_no_level():
    assert analyze("   ").knowledge_level is None

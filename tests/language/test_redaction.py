"""Redaction of credentials and personal data (ET-3, NT-3)."""

from atiende.language import analyze, redact
from atiende.language.redact import iban_valid, luhn_valid


def kinds(text: str) -> list[str]:
    return [s.kind for s in redact(text).secrets]


def test_a_password_given_in_conversation_is_redacted_and_handed_over():
    result = redact("Mi usuario es jperez y mi contraseña es Perro2024.")
    assert result.text == "Mi usuario es [USUARIO] y mi contraseña es [CONTRASEÑA]."
    assert [(s.kind, s.value) for s in result.credentials] == [("username", "jperez"), ("password", "Perro2024")]


def test_words_after_password_that_are_not_a_password_stay():
    assert redact("La contraseña es la misma de siempre.").secrets == []
    assert redact("El usuario no puede entrar.").secrets == []


def test_card_numbers_are_redacted_only_when_the_luhn_check_passes():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert redact("Tarjeta 4111 1111 1111 1111.").text == "Tarjeta [TARJETA]."
    assert "card" not in kinds("Pedido 4111 1111 1111 1112.")


def test_iban_is_redacted_only_when_the_checksum_passes():
    assert iban_valid("ES91 2100 0418 4502 0005 1332")
    assert not iban_valid("ES92 2100 0418 4502 0005 1332")
    assert redact("IBAN ES91 2100 0418 4502 0005 1332, gracias").text == "IBAN [IBAN], gracias"
    assert "iban" not in kinds("IBAN ES92 2100 0418 4502 0005 1332")


def test_spanish_and_latin_american_identity_numbers_are_redacted():
    text = "DNI 12345678Z, NIE X1234567L, RUT 12.345.678-5, CURP GODE561231HDFRRN09, cédula 1.020.345.678"
    assert kinds(text) == ["national_id"] * 5
    # Without a keyword, only numbers whose check letter or digit is right are taken for an ID.
    assert "national_id" not in kinds("referencia 12345678A")
    assert "national_id" not in kinds("referencia 12.345.678-9")
    # After a keyword, privacy wins: a mistyped DNI is still a DNI.
    assert kinds("mi DNI es 12345678A") == ["national_id"]


def test_emails_phones_and_ips_are_redacted_with_labels():
    result = redact("Escríbame a ana.gomez@correo.mx o al +34 612 345 678; la IP es 192.168.1.20 y fe80::1ab:2cd")
    assert result.text == "Escríbame a [CORREO] o al [TELÉFONO]; la IP es [IP] y [IP]"


def test_versions_and_times_are_not_taken_for_phones_or_ips():
    assert redact("Windows versión 10.0.19045.2965, a las 10:30:00").secrets == []


def test_analysis_always_returns_the_redacted_text():
    assert analyze("la clave del wifi: casa_1234", as_="tecnico").redacted == "la clave del wifi: [CONTRASEÑA]"

"""Redaction of credentials and personal data (PRACTICES ET-3, NT-3).

Found: passwords and user names given in conversation, card numbers (checked
with Luhn), IBAN (checked with mod 97), Spanish and Latin American identity
numbers (check letters and digits where the format has one), emails, phone
numbers and IP addresses. The redacted text keeps a label such as
``[CONTRASEÑA]``; the values come back as ``Secret`` objects so the caller
can hand credentials to the vault instead of storing them in text (ET-3).
"""

from __future__ import annotations

import ipaddress
import re

from atiende.language.model import Redaction, Secret

LABELS = {
    "password": "[CONTRASEÑA]", "username": "[USUARIO]", "card": "[TARJETA]", "iban": "[IBAN]",
    "national_id": "[DOCUMENTO]", "email": "[CORREO]", "phone": "[TELÉFONO]", "ip": "[IP]",
}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?!\w)")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?(?![A-Za-z0-9])")
_CARD = re.compile(r"(?<![\d.,])\d(?:[ -]?\d){12,18}(?![\d])")
_DNI_ES = re.compile(r"(?<![\w.])(\d{8})[ -]?([A-Za-z])(?!\w)")
_NIE_ES = re.compile(r"(?<![\w.])([XYZxyz])[ -]?(\d{7})[ -]?([A-Za-z])(?!\w)")
_RUT_CL = re.compile(r"(?<![\w.])(\d{1,2}\.?\d{3}\.?\d{3})-([\dkK])(?!\w)")
_CURP_MX = re.compile(r"(?<!\w)[A-Z][AEIOUX][A-Z]{2}\d{6}[HM][A-Z]{5}[A-Z0-9]\d(?!\w)")
_ID_KEYWORD = re.compile(
    r"(?i)(?<!\w)(?:d\.?n\.?i\.?|c[ée]dula(?: de (?:identidad|ciudadan[íi]a))?|c\.c\.|cc|c\.i\.|ci|rut|run|nif|nie|"
    r"curp|ine|pasaporte|carn[ée]t? de identidad|cuil|cuit|ruc|documento(?: de identidad| nacional de identidad)?)"
    r"(?:\s*(?:n[úu]mero|nro\.?|n[º°o]\.?|#|:|es|era))*\s*(?P<v>[A-Za-z0-9][A-Za-z0-9.\-]{4,18}[A-Za-z0-9])(?!\w)")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d\s().-]{6,17}\d(?!\w)")
_VERSIONISH = re.compile(r"(?i)(?:versi[óo]n|build|compilaci[óo]n|kb|v|modelo|serie|ticket|solicitud|pedido|orden)\W{0,3}$")
_SECRET_WORDS = (
    r"contrase[ñn]as?|clave(?: de acceso| del wi-?fi| wi-?fi| de la red| del correo)?|password|passwd|pass|pwd|"
    r"pin|c[óo]digo de acceso|c[óo]digo de seguridad"
)
_USER_WORDS = r"(?:nombre de )?usuario|user(?:name)?|login|id de usuario"
_VALUE = r"[\"'«“]?(?P<v>[^\s\"'«»“”,;]+)"
_PASSWORD = re.compile(rf"(?i)(?<!\w)(?:{_SECRET_WORDS})(?P<sep>\s*(?:es|era|ser[áa]|:|=|->)\s*(?:es\s*|:\s*)?|\s+){_VALUE}")
_USERNAME = re.compile(rf"(?i)(?<!\w)(?:{_USER_WORDS})(?P<sep>\s*(?:es|era|ser[áa]|:|=|->)\s*(?:es\s*|:\s*)?|\s+){_VALUE}")
# Words that follow "contraseña"/"usuario" without being one ("la contraseña es la misma").
_STOP_WORDS = """
a al algo bien caducada caducado correcta correcto corta de del dice distinta distinto e el ella en entonces era es
esa ese esta este esto fue igual incorrecta incorrecto la larga las le lo los mal me mi misma mismo muy nada ni no
nueva nuevo o otra otro para pero por que qué se segura seguro ser si sí sin su sus también te temporal tu tú un una
vieja viejo ya y válida valida inválida invalida expirada expiró bloqueada bloqueado olvidada olvidé olvide cambió cambio
nunca siempre tampoco hay tiene tengo puedo pide pedía pedia funciona sirve anda vale está esta estaba puso pone
aparece sale salió dio da del de usuario contraseña clave anterior actual provisional mía mia tuya suya
"""
_STOP = frozenset(_STOP_WORDS.split())
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    compact = re.sub(r"[\s-]", "", iban).upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def dni_valid(number: str, letter: str) -> bool:
    return _DNI_LETTERS[int(number) % 23] == letter.upper()


def rut_valid(body: str, check: str) -> bool:
    digits = body.replace(".", "")
    total, factor = 0, 2
    for ch in reversed(digits):
        total += int(ch) * factor
        factor = 2 if factor == 7 else factor + 1
    rest = 11 - total % 11
    expected = "0" if rest == 11 else "K" if rest == 10 else str(rest)
    return expected == check.upper()


class _Collector:
    def __init__(self, text: str) -> None:
        self.text = text
        self.found: list[Secret] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= s.start or start >= s.end for s in self.found)

    def add(self, kind: str, start: int, end: int) -> None:
        if end > start and self.free(start, end):
            self.found.append(Secret(kind, LABELS[kind], self.text[start:end], start, end))


def _credentials(text: str, out: _Collector) -> None:
    for regex, kind in ((_PASSWORD, "password"), (_USERNAME, "username")):
        for m in regex.finditer(text):
            value = m.group("v").rstrip(".:!?)»”\"'")
            if not value or value.lower() in _STOP:
                continue
            explicit = bool(m.group("sep").strip())
            # Without "es" or ":" only a value that looks like a credential counts ("usuario jperez_01").
            if not explicit and not re.search(r"[\d_.@\-]", value):
                continue
            start = m.start("v") + (m.group("v").find(value) if value in m.group("v") else 0)
            out.add(kind, start, start + len(value))


def _identity_numbers(text: str, out: _Collector) -> None:
    for m in _DNI_ES.finditer(text):
        if dni_valid(m.group(1), m.group(2)):
            out.add("national_id", m.start(), m.end())
    for m in _NIE_ES.finditer(text):
        prefix = "XYZ".index(m.group(1).upper())
        if dni_valid(f"{prefix}{m.group(2)}", m.group(3)):
            out.add("national_id", m.start(), m.end())
    for m in _RUT_CL.finditer(text):
        if rut_valid(m.group(1), m.group(2)):
            out.add("national_id", m.start(), m.end())
    for m in _CURP_MX.finditer(text):
        out.add("national_id", m.start(), m.end())
    for m in _ID_KEYWORD.finditer(text):
        value = m.group("v")
        if sum(c.isdigit() for c in value) >= 6:
            out.add("national_id", m.start("v"), m.end("v"))


def redact(text: str) -> Redaction:
    """The text with every secret replaced by its label, and the secrets found (ET-3, NT-3)."""
    out = _Collector(text)
    # Every pattern below needs an "@", a digit or a colon: a message without them skips its scans (speed).
    if "@" in text:
        for m in _EMAIL.finditer(text):
            out.add("email", m.start(), m.end())
    if _DIGIT.search(text):
        _numbers(text, out)
    else:
        _ipv6(text, out)  # "fe::ab" has no digit
    _credentials(text, out)
    secrets = sorted(out.found, key=lambda s: s.start)
    parts: list[str] = []
    pos = 0
    for secret in secrets:
        parts.append(text[pos:secret.start])
        parts.append(secret.label)
        pos = secret.end
    parts.append(text[pos:])
    return Redaction("".join(parts), secrets)


_DIGIT = re.compile(r"\d")


def _ipv6(text: str, out: _Collector) -> None:
    if text.count(":") < 2:
        return
    for m in _IPV6.finditer(text):
        try:
            ipaddress.IPv6Address(m.group(0))
        except ValueError:
            continue
        out.add("ip", m.start(), m.end())


def _numbers(text: str, out: _Collector) -> None:
    """IBANs, cards, national identity numbers, IPv4 addresses and phone numbers, in this order."""
    for m in _IBAN.finditer(text):
        candidate = m.group(0)
        while candidate and not iban_valid(candidate):
            cut = max(candidate.rfind(" "), candidate.rfind("-"))
            candidate = candidate[:cut] if cut > 4 else ""
        if candidate:
            out.add("iban", m.start(), m.start() + len(candidate))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            out.add("card", m.start(), m.end())
    _identity_numbers(text, out)
    for m in _IPV4.finditer(text):
        if all(int(part) <= 255 for part in m.group(0).split(".")):
            out.add("ip", m.start(), m.end())
    _ipv6(text, out)
    for m in _PHONE.finditer(text):
        candidate = m.group(0).rstrip(" .-(")
        digits = re.sub(r"\D", "", candidate)
        if not 9 <= len(digits) <= 15 or _VERSIONISH.search(text[max(0, m.start() - 14):m.start()]):
            continue
        if candidate.count(".") >= 2 and not re.fullmatch(r"[\d.\s+()]+", candidate):
            continue
        out.add("phone", m.start(), m.start() + len(candidate))

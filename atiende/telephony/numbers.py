"""Phone numbers as the telephony compares them (pure: the desk's contact points, the caller lookup, the block
list and the CTI's technician lookup all use it).

A number is read by the ``phonenumbers`` library (Google's libphonenumber
metadata) with the desk's default region (``ATIENDE_DEFAULT_REGION``, passed in
by the caller: this module knows nothing of Django). What comes out is the key
two numbers are compared by:

* a number the library recognises is written in E.164 (``+34600112233``), so
  «600 11 22 33», «0034 600-11-22-33» and «+34 600 112 233» are one number in
  Spain, and «011 15 1234-5678» is «+54 9 11 1234-5678» in Argentina;
* two Latin American forms of one line compare equal: Argentina's mobile ``9``
  after +54 (the PBX may send «+54 11 1234 5678» for the mobile a customer gave
  as «+54 9 11 1234 5678») and Mexico's old mobile ``1`` after +52 (dropped in
  2019: «+52 1 55 1234 5678» is «+52 55 1234 5678») are left out of the key,
  and so are Mexico's retired national prefixes (044, 045, 01) when the
  region is ``MX``;
* anything else (an extension «201», «anonymous», a fragment) keeps its digits
  (``+`` for an international prefix ``00``), lowercased text for words, as
  before: never an error.
"""

from __future__ import annotations

import re

import phonenumbers

_NUMBER_NOISE = re.compile(r"[\s().\-/]")

# Country code -> a digit that some forms of the same line carry after it and others do not.
_OPTIONAL_AFTER_COUNTRY = {"54": "9", "52": "1"}
# Region -> national dialling prefixes retired but still in people's address books and old PBXs: Mexico
# dialled 044/045 before a mobile and 01 before a long-distance number until 2019 (ten digits follow).
_RETIRED_PREFIXES = {"MX": ("044", "045", "01")}


def compact(number: str) -> str:
    """The number's characters without separators, ``00`` written as ``+``, words lowercased (how an
    extension is compared: «20-1» is «201»)."""
    text = _NUMBER_NOISE.sub("", number.strip().lower())
    if text.startswith("00"):
        text = "+" + text[2:]
    return text


def _comparable(e164: str) -> str:
    for country, optional in _OPTIONAL_AFTER_COUNTRY.items():
        prefix = "+" + country + optional
        if e164.startswith(prefix) and len(e164) > len(prefix) + 8:
            return "+" + country + e164[len(prefix):]
    return e164


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def normalise_number(number: str, region: str | None = None) -> str:
    """The key this number is compared by (see the module's docstring); ``region`` is an ISO 3166 code
    (``"ES"``, ``"AR"``, ``"MX"``) for numbers written without their country, or None for none.

    A number written in international form without its ``+`` (``34600111222``, the form PBXs and the
    generic CTI protocol's own examples use) is read as such when it is no valid national number.
    """
    text = compact(number)
    if not re.fullmatch(r"\+?[0-9]+", text):
        return text  # anonymous, a word, a prefix pattern: compared as written
    region = (region or "").upper() or None
    for retired in _RETIRED_PREFIXES.get(region or "", ()):
        if text.startswith(retired) and len(text) == len(retired) + 10:
            text = text[len(retired):]
    parsed = _parse(_comparable(text), region)
    if not text.startswith("+") and (parsed is None or not phonenumbers.is_valid_number(parsed)):
        international = _parse(_comparable("+" + text), None)
        if international is not None and phonenumbers.is_valid_number(international):
            parsed = international
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        return text  # an extension, a service code, a fragment: its digits
    return _comparable(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def normalise_pattern(pattern: str, region: str | None = None) -> str:
    """A block-list pattern as compared with callers' keys: a number as :func:`normalise_number`, a
    prefix ending in ``*`` in international form (a national prefix gets the region's country code, its
    trunk ``0`` dropped: «900*» is «+34900*» in Spain), ``anonymous`` as is."""
    text = compact(pattern)
    if not text.endswith("*"):
        return normalise_number(text, region)
    body = text[:-1]
    region = (region or "").upper() or None
    if body.startswith("+") or not body.isdigit() or region is None:
        return text
    code = phonenumbers.country_code_for_region(region)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if not code or metadata is None:
        return text
    trunk = metadata.national_prefix or ""
    if trunk and body.startswith(trunk):
        body = body[len(trunk):]
    return f"+{code}{body}*"


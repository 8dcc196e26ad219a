"""Phone numbers as the telephony compares them (issue 22, item 16): the phonenumbers library with the desk's
region, so the forms a customer, an agent and a PBX write one number in are one key. Pure: no database."""

from __future__ import annotations

import pytest

from atiende.telephony.numbers import normalise_number, normalise_pattern

SAME_NUMBER = [
    # Spain: national, international with + or 00, international without +, with separators.
    ("ES", ["600 11 22 33", "+34 600 11 22 33", "0034600112233", "34600112233", "(600) 11.22.33"]),
    # Argentina: the mobile 9 after +54, the national 0 and 15 a PBX or an address book may use.
    ("AR", ["+54 9 11 1234-5678", "+54 11 1234-5678", "011 15 1234-5678", "11 15 1234 5678",
            "5491112345678"]),
    # Mexico: the old mobile 1 after +52 (dropped in 2019) and the retired 044/045/01 national prefixes.
    ("MX", ["+52 55 1234 5678", "+52 1 55 1234 5678", "55 1234 5678", "044 55 1234 5678",
            "01 55 1234 5678", "5215512345678"]),
]


@pytest.mark.parametrize(("region", "forms"), SAME_NUMBER, ids=[r for r, _f in SAME_NUMBER])
def test_every_form_of_one_number_has_one_key(region, forms):
    keys = {normalise_number(form, region) for form in forms}
    assert len(keys) == 1, keys
    assert keys.pop().startswith("+")


def test_a_latin_american_number_in_international_form_is_the_same_from_a_spanish_desk():
    assert normalise_number("+54 9 11 1234 5678", "ES") == normalise_number("011 15 1234-5678", "AR")
    assert normalise_number("0052 1 55 1234 5678", "ES") == normalise_number("55 1234 5678", "MX")


def test_different_numbers_keep_different_keys():
    assert normalise_number("600 11 22 33", "ES") != normalise_number("600 11 22 34", "ES")
    assert normalise_number("+33 6 00 11 22 33", "ES") != normalise_number("600 11 22 33", "ES")


def test_extensions_words_and_fragments_are_kept_as_written():
    assert normalise_number("201", "ES") == "201"
    assert normalise_number("20-1", "ES") == "201"
    assert normalise_number("anonymous", "ES") == "anonymous"
    assert normalise_number(" Anonymous ", "ES") == "anonymous"
    assert normalise_number("", "ES") == ""


def test_without_a_region_only_numbers_written_with_their_country_compare_equal():
    assert normalise_number("+34 600 11 22 33", None) == normalise_number("0034600112233", None)
    assert normalise_number("34600112233", None) == "+34600112233"
    assert normalise_number("600 11 22 33", None) == "600112233"


def test_prefix_patterns_are_read_in_the_desks_region():
    assert normalise_pattern("900*", "ES") == "+34900*"
    assert normalise_pattern("0034 900 *", "ES") == "+34900*"
    assert normalise_pattern("+34900*", "AR") == "+34900*"
    assert normalise_pattern("anonymous", "ES") == "anonymous"
    assert normalise_pattern("600 111 222", "ES") == "+34600111222"

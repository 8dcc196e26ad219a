"""The campaigns' pure rules: the CSV list row by row, calling hours by the customer's clock (DST
included), outcomes and retries, the PH-5 opening line. No database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from atiende.campaigns.core import (
    CallingHours,
    FileProblem,
    Outcome,
    RetryPlan,
    TargetStatus,
    after_outcome,
    decode,
    opening_line,
    read_csv,
    zones_for,
)
from atiende.practices import Refusal
from atiende.telephony.numbers import normalise_number

GOOD_AND_BAD = (
    "Nombre;Teléfono;Tratamiento;País;Zona horaria;Nota\n"
    "Carmen Ruiz;600 11 22 33;doña;;;cliente antiguo\n"
    ";600 11 22 34;;;;sin nombre\n"
    "Pedro Gil;12;;;;\n"
    "Ana Sanz;+52 55 1234 5678;Sra.;MX;America/Mexico_City;\n"
    "Luis Mora;0034 600-11-22-33;;;;mismo número que Carmen\n"
    "\n"
    "Eva Paz;600112235;Excma.;XX;Marte/Olimpo;\n"
)


def test_good_rows_are_ready_and_every_bad_row_is_kept_with_its_problems():
    parsed = read_csv(GOOD_AND_BAD, region="ES", normalise=normalise_number)
    assert [(r.line, r.name, r.number, r.address_as) for r in parsed.rows] == [
        (2, "Carmen Ruiz", "+34600112233", "Doña"), (5, "Ana Sanz", "+525512345678", "Sra.")]
    assert parsed.rows[1].time_zone == "America/Mexico_City" and parsed.rows[0].note == "cliente antiguo"
    rejected = {r.line: [p.code for p in r.problems] for r in parsed.rejected}
    assert rejected == {3: ["missing_name"], 4: ["invalid_phone"], 6: ["duplicate_in_file"],
                        8: ["unknown_country", "unknown_form_of_address", "unknown_time_zone"]}
    assert len(parsed.rows) + len(parsed.rejected) == 6  # six people; the blank line is none
    duplicate = next(r for r in parsed.rejected if r.line == 6)
    assert duplicate.raw.startswith("Luis Mora;0034 600-11-22-33")
    assert "línea 2" in duplicate.problems[0].es and "line 2" in duplicate.problems[0].en


def test_a_file_without_the_phone_column_is_refused_as_a_whole():
    with pytest.raises(FileProblem) as caught:
        read_csv("nombre,correo\nAna,ana@example.com\n", region="ES", normalise=normalise_number)
    assert caught.value.code == "missing_columns" and "telefono" in caught.value.es
    with pytest.raises(FileProblem):
        read_csv("\n\n", region="ES", normalise=normalise_number)


def test_excel_files_in_windows_1252_with_commas_are_read():
    data = "name,phone,country\nJosé Núñez,11 1234-5678,AR\n".encode("cp1252")
    parsed = read_csv(decode(data), region="ES", normalise=normalise_number)
    assert [(r.name, r.number, r.country) for r in parsed.rows] == [("José Núñez", "+541112345678", "AR")]
    assert decode("\ufeffnombre;telefono\n".encode()) == "nombre;telefono\n"


MADRID_HOURS = CallingHours(start=time(9), end=time(20))


def test_calling_hours_follow_the_customers_clock_across_daylight_saving():
    # Friday 27 March 2026, 08:30 UTC: 09:30 in Madrid (winter, UTC+1): open. Monday 30 March after the
    # change (UTC+2): 07:30 UTC is 09:30 in Madrid, open; the same 07:30 UTC the Friday before was 08:30: shut.
    assert MADRID_HOURS.allows(datetime(2026, 3, 27, 8, 30, tzinfo=UTC), ["Europe/Madrid"])
    assert not MADRID_HOURS.allows(datetime(2026, 3, 27, 7, 30, tzinfo=UTC), ["Europe/Madrid"])
    assert MADRID_HOURS.allows(datetime(2026, 3, 30, 7, 30, tzinfo=UTC), ["Europe/Madrid"])
    # Saturday is no calling day; the next opening is Monday 09:00 local, after the change: 07:00 UTC.
    saturday = datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
    assert not MADRID_HOURS.allows(saturday, ["Europe/Madrid"])
    assert MADRID_HOURS.next_opening(saturday, ["Europe/Madrid"]) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_a_number_that_may_be_in_two_zones_is_called_only_when_both_are_in_hours():
    zones, source = zones_for(number="+34600112233", center_zone="Europe/Madrid")  # a mobile: Madrid or Canarias
    assert source == "number" and set(zones) == {"Europe/Madrid", "Atlantic/Canary"}
    monday_0830_utc = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # 09:30 Madrid, 08:30 Canarias
    assert MADRID_HOURS.allows(monday_0830_utc, ["Europe/Madrid"])
    assert not MADRID_HOURS.allows(monday_0830_utc, zones)
    assert MADRID_HOURS.next_opening(monday_0830_utc, zones) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_the_zone_comes_from_the_customer_then_the_organisation_then_the_number_then_the_center():
    assert zones_for(customer_zone="America/Bogota", organisation_zone="Europe/Madrid", number="+34600112233",
                     center_zone="Europe/Madrid") == (("America/Bogota",), "customer")
    assert zones_for(organisation_zone="America/Lima", number="+34600112233",
                     center_zone="Europe/Madrid") == (("America/Lima",), "organisation")
    assert zones_for(number="+525512345678", center_zone="Europe/Madrid")[0] == ("America/Mexico_City",)
    assert zones_for(number="201", center_zone="Europe/Madrid") == (("Europe/Madrid",), "center")
    # Mexico City at 09:30 local is 15:30 UTC in December: the Madrid center's afternoon.
    assert MADRID_HOURS.allows(datetime(2026, 12, 7, 15, 30, tzinfo=UTC), ["America/Mexico_City"])
    assert not MADRID_HOURS.allows(datetime(2026, 12, 7, 10, 0, tzinfo=UTC), ["America/Mexico_City"])


def test_calling_hours_that_make_no_sense_are_refused():
    with pytest.raises(ValueError):
        CallingHours(start=time(20), end=time(9))
    with pytest.raises(ValueError):
        CallingHours(days=frozenset())


NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
PLAN = RetryPlan(max_attempts=3, retry_minutes=90)


def test_no_answer_is_tried_again_until_the_last_attempt():
    assert after_outcome(Outcome.NO_ANSWER, attempts=1, plan=PLAN, now=NOW).next_attempt_at == NOW + timedelta(
        minutes=90)
    assert after_outcome(Outcome.NO_ANSWER, attempts=3, plan=PLAN, now=NOW).status is TargetStatus.EXHAUSTED


def test_a_call_back_is_scheduled_when_the_person_asked_and_never_in_the_past():
    later = NOW + timedelta(days=1)
    assert after_outcome(Outcome.CALL_BACK, attempts=3, plan=PLAN, now=NOW, call_back_at=later).next_attempt_at == later
    for wrong, code in ((None, "call_back_time_required"), (NOW - timedelta(minutes=1), "call_back_in_the_past"),
                        (NOW + timedelta(days=61), "call_back_too_far"),
                        (datetime(2026, 12, 8, 10, 0), "call_back_time_without_zone")):
        with pytest.raises(Refusal) as caught:
            after_outcome(Outcome.CALL_BACK, attempts=1, plan=PLAN, now=NOW, call_back_at=wrong)
        assert (caught.value.code, caught.value.rule) == (code, "CH-PRO")


def test_refused_and_wrong_number_end_the_persons_turn():
    assert after_outcome(Outcome.REFUSED, attempts=1, plan=PLAN, now=NOW).status is TargetStatus.REFUSED
    assert after_outcome(Outcome.WRONG_NUMBER, attempts=1, plan=PLAN, now=NOW).status is TargetStatus.WRONG_NUMBER


def test_the_opening_line_asks_for_the_person_with_their_form_of_address():
    assert opening_line(name="Carmen Ruiz", address_as="Doña", local_hour=10) == \
        "Buenos días. ¿Podría hablar con Doña Carmen Ruiz, por favor?"
    assert opening_line(name="Luis Mora", address_as="", local_hour=17).startswith("Buenas tardes. ¿Podría hablar con Luis")
    assert opening_line(name="Ana Sanz", address_as="Sra.", local_hour=19, language="en") == \
        "Good evening. May I speak to Sra. Ana Sanz, please?"

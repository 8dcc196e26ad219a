"""A campaign's call list from a CSV file, validated row by row (CH-PRO).

The supervisor's spreadsheet is read as it usually comes: UTF-8 (with or without the
BOM Excel writes) or Windows-1252, separated by ``;`` (Excel in Spanish), ``,`` or a
tab, with a header row naming the columns in Spanish or English (:data:`COLUMNS`).

Every data row ends up in exactly one of two lists: :attr:`Parsed.rows` (ready to
call) or :attr:`Parsed.rejected` (with the line number, the line as it was, and each
problem found: field, code, message in both languages). Nothing is dropped silently;
a supervisor can fix the rejected lines and import them again.

Phone numbers go through the telephony's own normaliser, passed in by the caller
(:func:`atiende.telephony.numbers.normalise_number`, libphonenumber; this core loads no
Django app, and that module's package is one): the row's
country, else the contact center's region, reads a number written without its
country code; what comes out is E.164, the key the desk and the PBX compare by.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from atiende.campaigns.core.hours import known_zone

# Canonical column -> the headers that name it (compared lowercased, without accents, spaces or _).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("nombre", "name", "nombrecompleto", "fullname", "contacto"),
    "phone": ("telefono", "phone", "movil", "mobile", "numero", "number", "tel"),
    "address_as": ("tratamiento", "addressas", "formadetratamiento", "title"),
    "country": ("pais", "country"),
    "time_zone": ("zonahoraria", "timezone", "zona", "tz"),
    "customer": ("cliente", "idcliente", "customer", "customerid"),
    "note": ("nota", "notas", "note", "notes", "observaciones"),
}
REQUIRED = ("name", "phone")
LIMITS = {"name": 200, "note": 500}

# PH-5: forms of address as people type them -> the desk's (desk.models.FormOfAddress).
FORMS = {
    "sr": "Sr.", "senor": "Sr.", "don": "Don", "sra": "Sra.", "senora": "Sra.", "dona": "Doña",
    "srta": "Srta.", "senorita": "Srta.", "dr": "Dr.", "doctor": "Dr.", "dra": "Dra.", "doctora": "Dra.",
}
_ACCENTS = str.maketrans("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN")
_REGIONS = frozenset(r for regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.values() for r in regions) - {"001"}


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    es: str
    en: str

    def message(self, language: str = "es") -> str:
        return self.en if language.startswith("en") else self.es

    def as_dict(self, language: str = "es") -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message(language)}


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    phone: str  # as written
    number: str  # E.164
    address_as: str = ""
    country: str = ""
    time_zone: str = ""
    customer: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Rejected:
    line: int
    raw: str
    problems: tuple[Problem, ...]


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)


class FileProblem(ValueError):
    """The file as a whole cannot be read (no header naming the name and phone columns, not text)."""

    def __init__(self, code: str, es: str, en: str) -> None:
        super().__init__(en)
        self.code, self.es, self.en = code, es, en


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (BOM or not), else Windows-1252 (Excel's «CSV» on Windows)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem("not_text", "El archivo no es un CSV de texto (UTF-8 o Windows-1252).",
                              "The file is not a text CSV (UTF-8 or Windows-1252).") from None


def _key(header: str) -> str:
    return "".join(ch for ch in header.strip().lower().translate(_ACCENTS) if ch.isalnum())


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    first = sample.splitlines()[0] if sample else ""
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    separator = max(counts, key=lambda sep: counts[sep])

    class Dialect(csv.excel):
        delimiter = separator if counts[separator] else ","

    return Dialect


Normaliser = Callable[[str, str | None], str]


def read_csv(text: str, *, region: str | None, normalise: Normaliser) -> Parsed:
    """Every row of the file, accepted or rejected with its problems (see the module)."""
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text[:4096]))
    parsed = Parsed()
    header: list[str] | None = None
    seen: dict[str, int] = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = cells
            parsed.columns, parsed.unknown_columns = _columns(header)
            continue
        line = reader.line_num
        row, problems = _row(cells, parsed.columns, line, region, normalise)
        if row is not None and not problems:
            first = seen.setdefault(row.number, line)
            if first != line:
                problems.append(Problem(
                    "phone", "duplicate_in_file",
                    f"El número {row.number} ya está en la línea {first} de este archivo.",
                    f"The number {row.number} is already on line {first} of this file."))
        if problems or row is None:
            parsed.rejected.append(Rejected(line, _raw(cells, reader.dialect), tuple(problems)))
        else:
            parsed.rows.append(row)
    if header is None:
        raise FileProblem("empty_file", "El archivo está vacío: se espera una fila de cabecera (nombre;telefono...).",
                          "The file is empty: a header row is expected (nombre;telefono...).")
    return parsed


def _raw(cells: list[str], dialect: Any) -> str:
    out = io.StringIO()
    csv.writer(out, dialect, lineterminator="").writerow(cells)
    return out.getvalue()[:2000]


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    aliases = {alias: column for column, names in COLUMNS.items() for alias in names}
    found: dict[str, int] = {}
    unknown: list[str] = []
    for index, title in enumerate(header):
        column = aliases.get(_key(title))
        if column is None or column in found:
            if title.strip():
                unknown.append(title.strip())
            continue
        found[column] = index
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        names = ", ".join(COLUMNS[c][0] for c in missing)
        raise FileProblem(
            "missing_columns",
            f"Falta la columna {names} en la cabecera (la primera fila): se esperan al menos «nombre» y «telefono».",
            f"The header (first row) lacks the column {names}: at least «nombre» (name) and «telefono» (phone).")
    return found, unknown


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _row(cells: list[str], columns: dict[str, int], line: int, region: str | None,
         normalise: Normaliser) -> tuple[Row | None, list[Problem]]:
    problems: list[Problem] = []
    name = _cell(cells, columns, "name")
    phone = _cell(cells, columns, "phone")
    note = _cell(cells, columns, "note")
    if not name:
        problems.append(Problem("name", "missing_name", "Falta el nombre (PH-5: hay que preguntar por la persona).",
                                "The name is missing (PH-5: the caller asks for the person)."))
    for column, limit in LIMITS.items():
        value = name if column == "name" else note
        if len(value) > limit:
            problems.append(Problem(column, "too_long", f"«{column}» pasa de {limit} caracteres.",
                                    f"«{column}» is longer than {limit} characters."))
    country = _cell(cells, columns, "country").upper()
    if country and country not in _REGIONS:
        problems.append(Problem("country", "unknown_country",
                                f"«{country}» no es un código de país ISO (ES, MX, AR...).",
                                f"«{country}» is not an ISO country code (ES, MX, AR...)."))
        country = ""
    number = _number(phone, country or region, problems, normalise)
    address_as = _form(_cell(cells, columns, "address_as"), problems)
    zone = _cell(cells, columns, "time_zone")
    if zone and not known_zone(zone):
        problems.append(Problem("time_zone", "unknown_time_zone",
                                f"«{zone}» no es una zona horaria (p. ej. Europe/Madrid, America/Mexico_City).",
                                f"«{zone}» is not a time zone (e.g. Europe/Madrid, America/Mexico_City)."))
    customer = _customer(_cell(cells, columns, "customer"), problems)
    if problems:
        return None, problems
    return Row(line=line, name=name, phone=phone, number=number, address_as=address_as, country=country,
               time_zone=zone, customer=customer, note=note), problems


def _number(phone: str, region: str | None, problems: list[Problem], normalise: Normaliser) -> str:
    if not phone:
        problems.append(Problem("phone", "missing_phone", "Falta el teléfono.", "The phone number is missing."))
        return ""
    number = normalise(phone, region)
    try:
        valid = number.startswith("+") and phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        valid = False
    if not valid:
        problems.append(Problem("phone", "invalid_phone",
                                f"«{phone}» no es un número de teléfono válido"
                                f"{f' en {region}' if region else ''}: escríbalo con su prefijo (+34...).",
                                f"«{phone}» is not a valid phone number{f' in {region}' if region else ''}: "
                                "write it with its country code (+34...)."))
    return number


def normalise_form(value: str) -> str | None:
    """PH-5: «sra», «Señora», «Sra.» -> «Sra.»; «» -> «»; None for what is no form of address."""
    if not value:
        return ""
    return FORMS.get(_key(value))


def _form(value: str, problems: list[Problem]) -> str:
    form = normalise_form(value)
    if form is None:
        problems.append(Problem("address_as", "unknown_form_of_address",
                                f"«{value}» no es un tratamiento (Sr., Sra., Srta., Don, Doña, Dr., Dra.; PH-5).",
                                f"«{value}» is no form of address (Sr., Sra., Srta., Don, Doña, Dr., Dra.; PH-5)."))
        return ""
    return form


def _customer(value: str, problems: list[Problem]) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) <= 0 or int(value) >= 2**62:
        problems.append(Problem("customer", "invalid_customer", f"«{value}» no es un número de cliente.",
                                f"«{value}» is not a customer number."))
        return None
    return int(value)

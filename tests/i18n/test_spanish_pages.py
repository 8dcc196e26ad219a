"""The main pages, rendered in Spanish for every role on the demo data, show no English, no raw keys and
no «1 preguntas» (issue 22, item 21: the class of «missing: summary», «reason field: True», `contact_points`,
«Mis llamadas: Ninguno», «1 preguntas cerradas»).

What is checked is what a person reads: the text of the page, the titles, labels and placeholders, and the
words the pages' scripts show (their ``*-strings`` JSON). Code samples (<code>, <pre>), the demo's own data
(names, e-mail addresses) and the language switch (each language in its own name) are left out.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# Words of English UI text that Spanish never uses (checked as whole words, any case).
ENGLISH = {
    "the", "and", "with", "without", "missing", "none", "true", "false", "field", "reason", "yes", "from", "this",
    "that", "your", "you", "please", "not", "is", "are", "of", "to", "for", "by", "on", "off", "open", "closed",
    "step", "announced", "said", "why", "thanks", "summary", "check", "calls", "call", "queue", "hold", "wait",
    "work", "order", "orders", "customer", "customers", "technician", "save", "cancel", "delete", "edit", "new",
    "add", "search", "next", "previous", "page", "status", "score", "rule", "rules", "level", "answer",
    "questions", "question", "today", "week", "day", "days", "minutes", "seconds", "hours", "unknown",
}
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
# «1 preguntas», «1 días»: a count of one before a plural. Words ending in -s that are singular are allowed.
ONE_PLURAL = re.compile(r"(?<![\d.,:])\b1 ([a-záéíóúñ]+(?:as|os|es|ís|ás))\b")
SINGULAR_ENDING_IN_S = {"mes", "vez", "análisis", "crisis", "tesis", "martes", "lunes", "miércoles", "jueves",
                        "viernes", "más", "país", "inglés", "francés", "interés", "compás", "atrás", "después"}
SKIP_TAGS = {"script", "style", "code", "pre", "option"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-tip")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.strings: list[str] = []
        self._skip: list[str] = []
        self._script_id: str | None = None
        self._script: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in SKIP_TAGS:
            self._skip.append(tag)
            self._script_id = found.get("id") if tag == "script" else None
        if tag == "select" and found.get("name") == "language":
            self._skip.append("select")
        for name in READ_ATTRIBUTES:
            if found.get(name) and not self._skip:
                self.parts.append(str(found[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script_id and self._script_id.endswith("-strings"):
            values = json.loads("".join(self._script))
            self.strings.extend(str(v) for v in values.values() if isinstance(v, str))
        if tag == "script":
            self._script, self._script_id = [], None
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if self._script_id:
            self._script.append(data)
        elif not self._skip:
            self.parts.append(data)


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _readable(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    return "\n".join([*reader.parts, *reader.strings])


def _problems(text: str, data_words: set[str]) -> list[str]:
    found = []
    for line in text.splitlines():
        line = PLACEHOLDER.sub("", line)  # %(to)s in a string the console's script fills in: a name, never shown
        words = {w.lower() for w in re.findall(r"[A-Za-zÁÉÍÓÚáéíóúÑñÜü]+", line)} - data_words
        english = sorted(words & ENGLISH)
        if english:
            found.append(f"English {english}: {line.strip()[:140]}")
        for key in SNAKE_CASE.findall(line):
            if key not in data_words:
                found.append(f"raw key {key!r}: {line.strip()[:140]}")
        for word in ONE_PLURAL.findall(line):
            if word not in SINGULAR_ENDING_IN_S:
                found.append(f"«1 {word}»: {line.strip()[:140]}")
    return found


def _score_a_few_contacts(technician) -> list[int]:
    from atiende.scorecards.services import score_transcript_upload

    folder = Path(__file__).resolve().parent.parent / "quality" / "transcripts"
    ids = []
    for name in ("blind2_email_no_close_check.json", "blind2_tel_transfer_no_consent.json",
                 "blind2_tel_long_story_no_ack.json"):
        transcript = json.loads((folder / name).read_text("utf-8"))
        ids.append(score_transcript_upload(user=technician, transcript=transcript).pk)
    return ids


def test_the_main_pages_in_spanish_show_no_english_no_raw_keys_and_right_plurals():
    from atiende.demo import load_demo
    from atiende.desk.models import Customer, WorkOrder
    from atiende.people.models import User

    load_demo()
    people = {u.username: u for u in User.objects.all()}
    cards = _score_a_few_contacts(people["lucia"])
    # The demo's own data (people's and customers' names, e-mail addresses, titles) is what it is.
    data_words: set[str] = set()
    for value in [*User.objects.values_list("username", "first_name", "last_name", "email"),
                  *Customer.objects.values_list("name", "notes"), *WorkOrder.objects.values_list("title")]:
        data_words |= {w.lower() for part in value for w in re.findall(r"[\w.@-]+", part or "")}
    pages = {
        "admin": ["/", "/solicitudes/", "/clientes/", "/calidad/", *[f"/calidad/{pk}/" for pk in cards],
                  "/planificacion/", "/planificacion/intervalos/", "/planificacion/simulacion/", "/correo/",
                  "/avisos/", "/avisos/preferencias/", "/practica/", "/reglas/", "/reglas/HO-3/",
                  "/administracion/", "/administracion/colas/", "/administracion/colas/soporte/",
                  "/administracion/politicas/", "/administracion/equipos/", "/administracion/usuarios/",
                  "/administracion/usuarios/nuevo/",
                  *[f"/solicitudes/{n}/" for n in WorkOrder.objects.values_list("number", flat=True)],
                  *[f"/clientes/{pk}/" for pk in Customer.objects.values_list("pk", flat=True)]],
        "supervisora": ["/panel/", "/calidad/"],
        "lucia": ["/", "/consola/", "/solicitudes/nueva/", "/clientes/nuevo/"],
        "pilar": ["/", "/solicitudes/", "/solicitudes/abrir/",
                  *[f"/solicitudes/{n}/" for n in WorkOrder.objects.filter(customer__user__username="pilar")
                    .values_list("number", flat=True)]],
    }
    problems = []
    for username, urls in pages.items():
        client = Client(headers={"accept-language": "es"})
        client.force_login(people[username])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, f"{username} {url}: {response.status_code}"
            problems += [f"{username} {url}: {p}" for p in _problems(_readable(response.content.decode()),
                                                                     data_words)]
    assert not problems, "\n".join(problems)


def test_the_command_line_names_the_knowledge_level_in_words(capsys, monkeypatch):
    import io

    from atiende.cli import main

    message = "no sé qué es eso del navegador, la pantalla se puso azul y no sé qué hacer\n"
    for lang, word in (("es_ES.UTF-8", "nivel de conocimientos: básico"), ("en_GB.UTF-8", "knowledge level: basic")):
        monkeypatch.setenv("LANG", lang)
        monkeypatch.setattr("sys.stdin", io.StringIO(message))
        assert main(["analyze", "--as", "cliente"]) == 0
        assert word in capsys.readouterr().out


def test_the_sample_day_for_staffing_is_commented_in_spanish():
    from importlib import resources

    first = resources.files("atiende.staffing").joinpath("examples/dia-tipico.csv").read_text("utf-8").splitlines()[0]
    assert first.startswith("# ") and not {"the", "per", "calls", "typical"} & set(first.lower().split())

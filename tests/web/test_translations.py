"""The catalogues: every Spanish text translated with the same placeholders, and the
command line (argparse's own texts included) in Spanish by default."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

import atiende
from tests.migrated import migrated_home

LOCALE = Path(atiende.__file__).resolve().parent / "locale"
PLACEHOLDER = re.compile(r"%(?:\([a-z_0-9]+\))?[-#0 +]*\d*(?:\.\d+)?[sdrifgex%]")


def _spanish():
    with (LOCALE / "es" / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po, locale="es")


def test_every_spanish_message_is_translated():
    missing = [m.id for m in _spanish() if m.id and not all(m.string if m.pluralizable else [m.string])]
    assert missing == []


KEYWORDS = {"_": None, "gettext": None, "gettext_lazy": None, "ngettext": (1, 2), "ngettext_lazy": (1, 2),
            "pgettext": ((1, "c"), 2), "pgettext_lazy": ((1, "c"), 2)}


def test_every_message_of_the_code_is_in_the_spanish_catalogue():
    """A text marked for translation in the Python code but missing from django.po would show in English."""
    from babel.messages.extract import extract_from_file

    catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in _spanish() if m.id}
    package = LOCALE.parent
    missing = []
    for path in sorted(package.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for lineno, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
            text = message[0] if isinstance(message, tuple) else message
            if text and text not in catalogue:
                missing.append(f"{path.relative_to(package)}:{lineno}: {text}")
    assert missing == []


def test_translations_keep_the_placeholders():
    wrong = []
    for message in _spanish():
        if not message.id:
            continue
        sources = message.id if message.pluralizable else (message.id,)
        targets = message.string if message.pluralizable else (message.string,)
        expected = sorted(PLACEHOLDER.findall(sources[-1]))
        for target in targets:
            if sorted(PLACEHOLDER.findall(target)) != expected:
                wrong.append((message.id, target))
    assert wrong == []


def _cli(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = {"LANG": lang, "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "atiende.cli", *args], capture_output=True, text=True, env=env,
                          timeout=60)


def test_command_line_help_and_errors_are_in_spanish():
    from atiende.i18n import compile_catalogues

    compile_catalogues()
    help_text = _cli("--help", lang="es_ES.UTF-8").stdout
    assert help_text.startswith("uso: atiende")
    assert "argumentos posicionales" in help_text and "opciones:" in help_text
    error = _cli("user", "add", lang="es_ES.UTF-8")
    assert error.returncode == 2
    assert "faltan estos argumentos obligatorios: USUARIO, --role" in error.stderr


def test_command_line_is_in_english_for_an_english_locale():
    error = _cli("user", "add", "pepe", "--role", "jefe", lang="en_GB.UTF-8")
    assert "invalid choice: 'jefe'" in error.stderr
    assert error.stderr.startswith("usage: atiende user add")


def test_the_services_messages_follow_the_command_line_language(tmp_path):
    """Django's own messages (a password validator here) speak the language of LANG, as the command line does."""
    env = {"LANG": "en_GB.UTF-8", "PATH": "/usr/bin:/bin", "ATIENDE_HOME": str(tmp_path)}
    run = [sys.executable, "-m", "atiende.cli"]
    migrated_home(tmp_path)
    add = [*run, "user", "add", "pepe", "--role", "tecnico", "--password-stdin"]
    english = subprocess.run(add, env=env, input="corta\n", capture_output=True, text=True, timeout=60)
    spanish = subprocess.run(add, env={**env, "LANG": "es_ES.UTF-8"}, input="corta\n", capture_output=True,
                             text=True, timeout=60)
    assert "too short" in english.stderr
    assert "demasiado corta" in spanish.stderr

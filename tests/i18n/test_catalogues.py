"""The gettext catalogues stay valid: one translation a message (gettext's msgfmt refuses a duplicate).

Babel, which compiles the catalogues at install, keeps the last of two definitions silently, so a
duplicate made by two changes landing side by side would go unnoticed until a translator's tools refuse
the file.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from atiende.i18n import LOCALE_DIR

CATALOGUES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def message_keys(text: str) -> list[tuple[str | None, str]]:
    """(msgctxt, msgid) of every entry of a .po file, obsolete (#~) entries left out."""
    keys: list[tuple[str | None, str]] = []
    context: str | None = None
    field: str | None = None
    parts: list[str] = []

    def close() -> None:
        nonlocal context
        if field == "msgctxt":
            context = "".join(parts)
        elif field == "msgid":
            keys.append((context, "".join(parts)))
            context = None

    for line in text.splitlines():
        if line.startswith('"') and field is not None:
            parts.append(ast.literal_eval(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr") or keyword.startswith("msgstr["):
            close()
            field, parts = keyword, [ast.literal_eval(rest)]
        else:
            close()
            field, parts = None, []
    close()
    return keys


def test_the_reader_sees_a_duplicate_and_tells_contexts_apart():
    po = 'msgid "A"\nmsgstr "a"\n\nmsgctxt "verb"\nmsgid "A"\nmsgstr "b"\n\nmsgid ""\n"A"\nmsgstr "c"\n'
    assert message_keys(po) == [(None, "A"), ("verb", "A"), (None, "A")]


def test_the_catalogues_are_found():
    assert {p.parent.parent.name for p in CATALOGUES} >= {"es", "en"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_message_is_defined_once(path: Path):
    counts = Counter(message_keys(path.read_text(encoding="utf-8")))
    assert [key for key, n in counts.items() if n > 1] == []

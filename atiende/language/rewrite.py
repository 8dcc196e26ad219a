"""Fitting a rewrite into the draft it corrects, so that the draft stays Spanish (issue 23).

A finding's rewrite is written on its own ("Le explico dónde mirar.", "Le explico con detalle:", "el cable de
red"); put in place of the fault's characters alone it can leave a sentence inside a sentence ("Mañana mismo le
Le llamo hoy..."), a mark without its pair ("Le explico dónde mirar.? Está..."), a capital in the middle of a
sentence or a fragment ("...: con los cables"). ``fit`` returns the span the rewrite must take and the words
to put there; the checks store both in the finding, so that the server (``suggest.apply_finding``) and the
browser (composer.js, console.js: a splice of start, end and suggestion) give the same text.
"""

from __future__ import annotations

import re

from atiende.language import morph

_SENTENCE_STOP = re.compile(r"[.!?…]+|\n")
_MARKS_ONLY = re.compile(r"^[\s¡¿\"«(]*$")
_CLAUSE_START = re.compile(r"^\s*(?:[,;:]|que\s|$|[.!?…])")
_CLAUSE_END = re.compile(r"[,;:]")
_LINK_WORDS = frozenset(["lamentablemente", "desgraciadamente", "pero", "y", "e", "sin", "embargo", "por", "desgracia",
                         "aunque", "así", "pues", "entonces", "ahora", "hoy", "ahí", "aquí", "bueno", "mire",
                         "lo", "siento", "perdone", "disculpe"])
_ENDS_CLAUSE = re.compile(r"(?:(?<!\w)que|[,;:])\s*$")
_LEAD = re.compile(r"^[\s,;:]*(?:que\s+)?")
_WORD = re.compile(r"[^\W\d_]+")


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentence holding text[start:end] begins (its opening ¡ or ¿ included) and ends (its final marks
    included)."""
    begin = 0
    for m in _SENTENCE_STOP.finditer(text, 0, start):
        begin = m.end()
    while begin < start and text[begin].isspace():
        begin += 1
    # A span that ends on the sentence's own mark ("es obvio, ¿no?") ends the sentence there.
    stop = _SENTENCE_STOP.search(text, end - 1 if end > start and text[end - 1] in ".!?…" else end)
    return begin, (stop.end() if stop else len(text))


def _clause_start(text: str, begin: int, start: int) -> int:
    """Where a rewrite that opens a clause must start: at ``start`` when only link words ("Lamentablemente",
    "Tiene que entender que") stand between the clause's start and the fault, else at the clause's start."""
    clause_start = max([begin, *(m.end() for m in _CLAUSE_END.finditer(text, begin, start))])
    lead = text[clause_start:start]
    if _WORD.search(lead) and not _ENDS_CLAUSE.search(lead) and not {
            w.lower() for w in _WORD.findall(lead)} <= _LINK_WORDS:
        return clause_start + len(lead) - len(lead.lstrip())
    return start


def fit(text: str, start: int, end: int, suggestion: str) -> tuple[int, int, str]:
    """``text`` with ``suggestion`` in place of text[start:end], so that the result is still Spanish:

    - a rewrite that is a sentence of its own ("Le explico dónde mirar.") takes the place of the sentence that
      holds the fault: put in its middle it would read "Mañana mismo le Le llamo hoy...";
    - a rewrite that opens a sentence ("Le explico con detalle:") keeps what followed the fault, without a
      leading "que" ("Ya le dije que reinicie" -> "Se lo explico de otra manera, por si ayuda: reinicie"),
      and ends the sentence itself when nothing followed;
    - a word or a phrase ("el cable de red", "Ya le dije") starts with a capital only where the sentence starts;
    - a choice ("porque / por qué") is resolved by the sentence: a question takes the second.
    """
    begin, finish = _sentence_bounds(text, start, end)
    before, after = text[begin:start], text[end:finish]
    at_start = bool(_MARKS_ONLY.match(before))
    if " / " in suggestion:
        first, second = suggestion.split(" / ", 1)
        suggestion = second if text[begin:finish].rstrip().endswith("?") else first
    capital = suggestion.lstrip("¿¡")[:1].isupper()
    opens = capital and suggestion.rstrip().endswith((":", ";"))
    whole = capital and suggestion.rstrip().endswith((".", "!", "?"))
    if whole:
        # From the start of the fault's clause (or of the sentence, when more than link words precede it) to the
        # end of the sentence: "No se preocupe, eso es muy fácil." -> "No se preocupe, vamos a hacerlo...".
        # Only a short opening said before a comma stays ("No se preocupe,", "Ay, señora,"): anything longer is
        # part of the fault's sentence, and a rewrite written as a sentence takes the sentence's place.
        clause_start = max([begin, *(m.end() for m in _CLAUSE_END.finditer(text, begin, start))])
        prefix, lead = text[begin:clause_start], text[clause_start:start]
        keep = (prefix.rstrip().endswith(",") and len(_WORD.findall(prefix)) <= 3 and not re.search(r"[¿¡]", prefix)
                and {w.lower() for w in _WORD.findall(lead)} <= _LINK_WORDS)
        if not keep:
            return begin, finish, suggestion
        lead_space = len(text[clause_start:start]) - len(text[clause_start:start].lstrip())
        return clause_start + lead_space, finish, _lower_first(suggestion)
    if suggestion.rstrip().endswith("…"):
        # A rewrite with a gap for the technician ("lo que sí puedo hacer es …") takes the rest of the clause,
        # and its start unless only a link word stands there ("Lamentablemente", "Tiene que entender que"):
        # "Eso no se puede" -> "Lo que sí puedo hacer es …", not "Eso lo que sí...".
        start = _clause_start(text, begin, start)
        at_start = bool(_MARKS_ONLY.match(text[begin:start]))
        clause = _CLAUSE_END.search(after)
        tail = after[clause.start():] if clause else after[len(after.rstrip(".!?… ")):]
        body = _upper_first(suggestion) if at_start else _lower_first(suggestion)
        if tail.startswith("."):
            tail = tail[1:]  # "…" ends the sentence itself
        return start, finish, body.rstrip() + tail
    if opens:
        start = _clause_start(text, begin, start)  # "fue | He revisado..." would be two clauses run together
        at_start = bool(_MARKS_ONLY.match(text[begin:start]))
        rest = after
        if not _CLAUSE_START.match(rest) and not _ENDS_CLAUSE.search(text, 0, end):
            # The fault ended inside a clause ("metió la pata | con los cables"): its end goes with it.
            clause = _CLAUSE_END.search(rest)
            rest = rest[clause.start():] if clause else rest[len(rest.rstrip(".!?… ")):]
        rest = _LEAD.sub("", rest, count=1)
        if not _WORD.search(rest):
            # Nothing said after the fault: the opener ends the sentence ("Ya le dije." -> "... por si ayuda.").
            closing = rest.strip() if rest.strip().strip("!?") == "" and rest.strip() else "."
            body = suggestion.rstrip()[:-1]
            if not at_start:
                body = _lower_first(body)
            return start, finish, body + closing
        body = suggestion if at_start else _lower_first(suggestion)
        return start, finish, body + " " + _lower_first(rest)
    if suggestion[:1].isalpha():
        suggestion = _upper_first(suggestion) if at_start else _lower_first(suggestion)
    return start, end, suggestion


def _upper_first(words: str) -> str:
    return words[:1].upper() + words[1:]


def _lower_first(words: str) -> str:
    """The first letter in lower case, unless the first word is an acronym or a name ("VPN", "Windows")."""
    first = _WORD.match(words)
    if first is None or not first.group(0)[1:].islower() and len(first.group(0)) > 1:
        return words
    if not morph.known(first.group(0).lower()):
        return words
    return words[:1].lower() + words[1:]

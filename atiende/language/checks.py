"""Checks of a technician's draft (PRACTICES DN-1/2/3/4/5/7/13, PT-1/2, NT-5/6/7, CO-1).

Every finding carries the rule ID, the character span in the original draft,
a message (Spanish by default, English on request) and a suggested rewrite.
"""

from __future__ import annotations

import re

from atiende.language import morph, rewrite, roles
from atiende.language.lexicon import (
    CHECKS,
    LEVELS,
    PLAIN_ACRONYMS,
    TERMS,
    TERMS_REGEX,
    TRAITS,
    compile_phrases,
    compile_words,
)
from atiende.language.model import Finding
from atiende.language.text import Folded, combine, fold_pattern, negated

# Rules whose phrases are plain lists; order is the order findings are reported in.
_PHRASE_RULES = ("DN-1", "DN-3", "DN-4", "DN-5", "DN-7", "DN-13", "NT-7")
# Their phrases describe a state or a judgment, so "no es usted torpe" must not count (negation).
_NEGATABLE = frozenset({"DN-1", "DN-5", "DN-7"})
_PHRASES = {rule: compile_phrases(rule) for rule in _PHRASE_RULES}

_PT1_CUES, _ = compile_phrases("PT-1")
_PT1_ALTERNATIVES = compile_words(CHECKS["PT-1"]["alternatives"])
_PT2 = CHECKS["PT-2"]
_PT2_PROMISES = combine(_PT2["promises"])
_PT2_ACTIONS = combine(_PT2["actions"])
_PT2_OFFER = combine([_PT2["offers"]])
_PT2_TIMES = combine(_PT2["times"])
_PT2_VAGUE = combine(_PT2["vague"])
_PT2_POLICY, _PT2_POLICY_SUGGESTIONS = compile_phrases("PT-2")
_PT2_GUARANTEE = combine([_PT2["guarantees"]])
_PT2_OUTCOMES = combine(_PT2["outcomes"])
_PT2_PAST = combine([_PT2["past"]])
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*")

_NT7_MARKS = re.compile(CHECKS["NT-7"]["marks"])
_NT5 = CHECKS["NT-5"]
_GREETING = re.compile(r"^\W*" + fold_pattern(_NT5["greetings"]) + r"(?!\w)")
_CLOSING = combine([_NT5["closings"]])
_NOT_NAMES = frozenset({
    "buenos", "buenas", "buen", "días", "dias", "día", "dia", "tardes", "noches", "hola", "estimado", "estimada",
    "estimados", "estimadas", "apreciado", "apreciada", "querido", "querida", "cliente", "clienta", "usuario",
    "usuaria", "señor", "señora", "señores", "sr", "sra", "srta", "don", "doña", "muy", "saludos", "equipo",
    "distinguido", "distinguida", "a", "quien", "corresponda", "amigo", "amiga", "todos", "todas",
})
_SENTENCE_OPENS = re.compile(r"(?:^|[.!?…\n])[\s¡¿\"«(]*$")
_CAPITALISED = re.compile(r"(?<!\w)[A-ZÁÉÍÓÚÜÑ][a-záéíóúüñ]+")
_SALUTATION_END = re.compile(
    r"[:\n!?¿¡;]|(?<!\bSr)(?<!\bSra)(?<!\bSrta)(?<!\bDr)(?<!\bDra)(?<!\bIng)(?<!\bLic)(?<!\bD)\.\s")

_NT6 = CHECKS["NT-6"]
_ACRONYMS = frozenset(a.upper() for a in _NT6["acronyms"])
_SHOUT_WORDS = frozenset(_NT6["shout_words"])
_CAPS_TOKEN = re.compile(r"(?<!\w)[A-ZÁÉÍÓÚÜÑ][A-ZÁÉÍÓÚÜÑ0-9]+(?!\w)")
# Between two words in capitals: marks, or a one-letter word ("APAGUE EL EQUIPO Y ESPERE" is one group).
_CAPS_GAP = re.compile(r"^[\s,.;:¡!¿?\-]*(?:[AEOUY][\s,.;:¡!¿?\-]+)*$")
_SPELLING = compile_words([s[0] for s in _NT6["spelling"]])
_SPELLING_FIX = {fold_pattern(s[0]): s[1] for s in _NT6["spelling"]}

_LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}
_TERM_RANK = {"intermedio": 1, "avanzado": 2, "nadie": 99}


def _message(rule: str, language: str, key: str = "message") -> str:
    spec = CHECKS.get(rule, {})
    return str(spec.get(f"{key}_en" if language.startswith("en") else f"{key}_es", ""))


def _finding(folded: Folded, rule: str, start: int, end: int, suggestion: str | None, language: str,
             key: str = "message") -> Finding:
    s, e = _balanced(folded.original, *folded.span(start, end))
    return Finding(rule, s, e, folded.original[s:e], _message(rule, language, key), suggestion)


def _balanced(text: str, s: int, e: int) -> tuple[int, int]:
    """The span widened to the other half of a ¿? or ¡! pair it cuts ("es obvio, ¿no" takes its "?"), so that a
    rewrite put in its place never leaves a mark without its pair."""
    for opening, closing in (("¿", "?"), ("¡", "!")):
        excerpt = text[s:e]
        if excerpt.count(opening) > excerpt.count(closing):
            close = text.find(closing, e)
            if close != -1 and not text[e:close].strip(" ,"):
                e = close + 1
        elif excerpt.count(closing) > excerpt.count(opening):
            open_ = text.rfind(opening, 0, s)
            if open_ != -1 and not text[open_ + 1:s].strip(" ,"):
                s = open_
    return s, e


def _phrase_findings(folded: Folded, language: str) -> list[Finding]:
    out: list[Finding] = []
    for rule, (regex, suggestions) in _PHRASES.items():
        default = CHECKS[rule].get("suggestion")
        for m in regex.finditer(folded.text):
            if rule in _NEGATABLE and negated(folded.text, m.start(), window=2):
                continue
            index = int(m.lastgroup[1:]) if m.lastgroup else 0
            out.append(_finding(folded, rule, m.start(), m.end(), suggestions[index] or default, language))
    return out


def _flame_marks(folded: Folded, language: str) -> list[Finding]:
    # NT-7: "!!" or "?!" in writing reads as a flame; one mark is enough.
    original = folded.original
    out: list[Finding] = []
    for m in _NT7_MARKS.finditer(original):
        if not m.group(0).strip("¡¿"):
            if out and out[-1].start <= m.start() < out[-1].end:
                continue
            closing = _NT7_CLOSE.match(original, m.end())
            if closing is not None and _NT7_MARKS.fullmatch(closing.group(2)):
                continue  # the pair is one finding, made at its closing run
        lead = _opening_run(original, m.start()) if m.group(0).strip("¡¿") else None
        if lead is not None and (len(lead.group(1)) > 1 or _NT7_MARKS.fullmatch(m.group(0))):
            # "¡¡Ya está!!", "¿¡Me está escuchando!?": one finding for the pair, one mark at each end.
            opening = "¿" if "?" in m.group(0) else "¡"
            inner = original[lead.end():m.start()]
            out.append(Finding("NT-7", lead.start(1), m.end(), original[lead.start(1):m.end()],
                               _message("NT-7", language), opening + inner + ("?" if opening == "¿" else "!")))
            continue
        out.append(Finding("NT-7", m.start(), m.end(), m.group(0), _message("NT-7", language),
                           _one_mark(original, m.start(), m.group(0))))
    return out


_NT7_CLOSE = re.compile(r"([^.!?¡¿\n]*)([!?]+)")


_OPENING_RUN = re.compile(r"(?<![¡¿])([¡¿]+)")


def _opening_run(text: str, start: int) -> re.Match[str] | None:
    """The ¡ or ¿ marks that open the exclamation or question ending at ``start`` (the last run of them in its
    sentence: "Mire, ¡¡ya le dije!!" has its pair after the comma)."""
    sentence_start = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    runs = list(_OPENING_RUN.finditer(text, sentence_start, start))
    return runs[-1] if runs else None


def _one_mark(text: str, start: int, marks: str) -> str:
    """The single mark that replaces a run: "¡¡" -> "¡", "?!" -> "?", and "!!" -> "!" when its sentence opened
    with "¡" (otherwise "."), so that "¡¡Ya está!!" becomes "¡Ya está!" one finding at a time."""
    if not marks.strip("¡¿"):
        return marks[0]
    if "?" in marks:
        return "?"
    sentence_start = max(text.rfind(c, 0, start) for c in ".!?\n")
    return "!" if "¡" in text[sentence_start + 1:start] else "."


def _jargon_findings(folded: Folded, level: str, language: str) -> list[Finding]:
    # DN-2 adapted to the customer's level (CO-3): a term is fine for a customer who understands it.
    rank = _LEVEL_RANK.get(level, 1)
    out: list[Finding] = []
    for m in TERMS_REGEX.finditer(folded.text):
        term = TERMS[int(m.lastgroup[1:])] if m.lastgroup else None
        if term is None or rank >= _TERM_RANK[term.understood_from]:
            continue
        s, e = folded.span(m.start(), m.end())
        excerpt = folded.original[s:e]
        if term.understood_from == "nadie":  # slang, chat spelling, an over-familiar form of address
            message = (f"\"{excerpt}\" is slang or too familiar for a customer: say it plainly and politely (DN-2)."
                       if language.startswith("en") else
                       f"«{excerpt}» es jerga o un trato demasiado familiar con un cliente: dígalo de forma sencilla y "
                       f"cortés (DN-2).")
        elif language.startswith("en"):
            message = (f"\"{excerpt}\" may not be understood by a customer at level {level}: "
                       f"use plain words (DN-2).")
        else:
            message = f"«{excerpt}» puede no entenderse con un cliente de nivel {level}: use palabras sencillas (DN-2)."
        s, rewrite = _fit_determiner(folded.original, s, term.plain)
        out.append(Finding("DN-2", s, e, folded.original[s:e], message, rewrite))
    if rank == 0:
        out += _unknown_acronyms(folded, out, language)
    return out


_ACRONYM = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]{1,5}(?![\w-])")
_UNKNOWN_ACRONYM_PLAIN = "(dígalo con palabras sencillas: qué aparato o qué ajuste es)"


def _unknown_acronyms(folded: Folded, found: list[Finding], language: str) -> list[Finding]:
    """DN-2 by family (session 14): an acronym in capitals that is neither an everyday one nor a Spanish word
    ("el LNB", "el ICCID") is jargon for a basic customer whether or not a term names it. Not in a draft typed in
    capitals (that is NT-6's shouting), not where a term already matched."""
    original = folded.original
    tokens = list(_ACRONYM.finditer(original))
    if not tokens or len(tokens) / (len(original.split()) or 1) >= 0.4:
        return []
    out: list[Finding] = []
    for m in tokens:
        token = m.group(0)
        if token in PLAIN_ACRONYMS or morph.known(token.lower()):
            continue
        if any(f.start < m.end() and m.start() < f.end for f in found + out):
            continue
        message = (f"\"{token}\" may not be understood by a customer at level basico: use plain words (DN-2)."
                   if language.startswith("en") else
                   f"«{token}» puede no entenderse con un cliente de nivel basico: use palabras sencillas (DN-2).")
        out.append(Finding("DN-2", m.start(), m.end(), token, message, _UNKNOWN_ACRONYM_PLAIN))
    return out


_ARTICLE_FORMS = {"el": ("m", "s"), "la": ("f", "s"), "los": ("m", "p"), "las": ("f", "p"),
                  "un": ("m", "s"), "una": ("f", "s"), "unos": ("m", "p"), "unas": ("f", "p")}
_DETERMINER_FORMS = {
    "definite": {("m", "s"): "el", ("f", "s"): "la", ("m", "p"): "los", ("f", "p"): "las"},
    "indefinite": {("m", "s"): "un", ("f", "s"): "una", ("m", "p"): "unos", ("f", "p"): "unas"},
    "este": {("m", "s"): "este", ("f", "s"): "esta", ("m", "p"): "estos", ("f", "p"): "estas"},
    "ese": {("m", "s"): "ese", ("f", "s"): "esa", ("m", "p"): "esos", ("f", "p"): "esas"},
}
_DETERMINER_KIND = {"el": "definite", "la": "definite", "los": "definite", "las": "definite", "un": "indefinite",
                    "una": "indefinite", "unos": "indefinite", "unas": "indefinite", "este": "este", "esta": "este",
                    "estos": "este", "estas": "este", "ese": "ese", "esa": "ese", "esos": "ese", "esas": "ese"}
_POSSESSIVES = {"su": "sus", "mi": "mis", "tu": "tus", "sus": "sus", "mis": "mis", "tus": "tus"}
_DETERMINER_AT_END = re.compile(
    r"(?<!\w)(del|al|el|la|los|las|un|una|unos|unas|este|esta|estos|estas|ese|esa|esos|esas|su|sus|mi|mis|tu|tus)"
    r"\s+$", re.IGNORECASE)


def _fit_determiner(text: str, start: int, plain: str) -> tuple[int, str]:
    """Where a jargon rewrite starts and what it says, so that the draft's determiner agrees with the plain words:
    "la caché" -> "los datos guardados...", "un backup" -> "una copia de seguridad", "del DHCP" -> "de la
    asignación...", "su IP" -> "la dirección de su equipo..." (the determiner joins the span). A rewrite with no
    article of its own, or an instruction, is fitted as before (_fit_article)."""
    first, _, rest = plain.partition(" ")
    form = _ARTICLE_FORMS.get(first.lower())
    before = _DETERMINER_AT_END.search(text, 0, start)
    if first.lower() == "el" and before is None and rest:
        contracted = _DE_OR_A_BEFORE.search(text, 0, start)
        if contracted is not None:  # "de DNS" -> "del servicio que...", never "de el" nor "de servicio"
            word = "del" if contracted.group(1).lower() == "de" else "al"
            return contracted.start(1), f"{word[:1].upper() + word[1:] if contracted.group(1)[:1].isupper() else word} {rest}"
    if form is None or before is None or plain.startswith("(") or not rest:
        return start, _fit_article(text[:start], plain)
    determiner = before.group(1)
    low = determiner.lower()
    if low in ("del", "al"):
        article = _DETERMINER_FORMS["definite"][form]
        word = ("del" if low == "del" else "al") if article == "el" else ("de " if low == "del" else "a ") + article
    elif low in _POSSESSIVES:
        if re.search(r"(?<!\w)(?:su|sus)(?!\w)", rest):
            word = _DETERMINER_FORMS["definite"][form]  # "su IP" -> "la dirección de su equipo", not "su ... su"
        else:
            word = low.rstrip("s") if form[1] == "s" else _POSSESSIVES[low]
    else:
        word = _DETERMINER_FORMS[_DETERMINER_KIND[low]][form]
    begin = before.start(1)
    if word == "el":
        contracted = _DE_OR_A_BEFORE.search(text, 0, begin)
        if contracted is not None:  # "de la GPU" -> "del componente...", never "de el"
            begin, determiner = contracted.start(1), contracted.group(1)
            word = "del" if determiner.lower() == "de" else "al"
    if determiner[:1].isupper():
        word = word[:1].upper() + word[1:]
    return begin, f"{word} {rest}"


# A word right before the term that already plays the article's part.
_DETERMINER_BEFORE = re.compile(
    r"\b(del|al|el|la|los|las|un|una|unos|unas|este|esta|ese|esa|su|sus|mi|mis|tu|tus)\s+$", re.IGNORECASE
)
_LEADING_ARTICLE = re.compile(r"^(el|la|los|las|un|una|unos|unas)\s+", re.IGNORECASE)


_DE_OR_A_BEFORE = re.compile(r"\b(de|a)\s+$", re.IGNORECASE)
_LEADING_EL = re.compile(r"^el\s+", re.IGNORECASE)


def _fit_article(before: str, plain: str) -> str:
    """Drop a rewrite's own article after one already in the draft: "del driver" → "del programa...", not "del el";
    and "el" after "de"/"a", which Spanish contracts ("de el servicio" is not written)."""
    if _DETERMINER_BEFORE.search(before):
        return _LEADING_ARTICLE.sub("", plain, count=1)
    if _DE_OR_A_BEFORE.search(before):
        return _LEADING_EL.sub("", plain, count=1)
    return plain


def _pt1_findings(folded: Folded, language: str) -> list[Finding]:
    # PT-1: a "no puedo" is fine when the same draft offers what can be done.
    cues = list(_PT1_CUES.finditer(folded.text))
    if not cues:
        return []
    spans = [(m.start(), m.end()) for m in cues]
    for alt in _PT1_ALTERNATIVES.finditer(folded.text):
        if any(s <= alt.start() < e for s, e in spans):
            continue
        if folded.text[max(0, alt.start() - 3):alt.start()] == "no ":
            continue
        return []
    suggestion = CHECKS["PT-1"]["suggestion"]
    return [_finding(folded, "PT-1", m.start(), m.end(), suggestion, language) for m in cues]


def _pt2_findings(folded: Folded, language: str) -> list[Finding]:
    out: list[Finding] = []
    default = _PT2["suggestion"]
    for sentence in _SENTENCE.finditer(folded.text):
        chunk = sentence.group(0)
        guarantee = _PT2_GUARANTEE.search(chunk)
        outcome = _PT2_OUTCOMES.search(chunk) if guarantee else None
        if guarantee and outcome and not _PT2_OFFER.search(chunk):
            # A guaranteed outcome ("quedará resuelto seguro", "mañana lo tiene, palabra"): no time makes it keepable.
            start, end = min(guarantee.start(), outcome.start()), max(guarantee.end(), outcome.end())
            out.append(_finding(folded, "PT-2", sentence.start() + start, sentence.start() + end, default, language))
            continue
        vague = _PT2_VAGUE.search(chunk)
        promise = _PT2_PROMISES.search(chunk) or (_PT2_ACTIONS.search(chunk) if vague else None)
        if promise is None or _PT2_OFFER.search(chunk):
            continue
        if promise.group(0).endswith(("amos", "imos")) and _PT2_PAST.search(chunk):
            continue  # "nosotros le avisamos a tiempo": a report of the past, not a promise
        if vague is None and _PT2_TIMES.search(chunk):
            continue  # a concrete time: the commitment can be recorded and tracked
        base = sentence.start()
        end = max(promise.end(), vague.end()) if vague else promise.end()
        out.append(_finding(folded, "PT-2", base + promise.start(), base + end, default, language))
    for m in _PT2_POLICY.finditer(folded.text):
        index = int(m.lastgroup[1:]) if m.lastgroup else 0
        out.append(_finding(folded, "PT-2", m.start(), m.end(), _PT2_POLICY_SUGGESTIONS[index] or default, language))
    return out


_CAPS_WORD = re.compile(r"(?<!\w)(?:[A-ZÁÉÍÓÚÜÑ][A-ZÁÉÍÓÚÜÑ0-9]+|[AEOUY])(?!\w)")
_CAPS_BEFORE = re.compile(r"(?<!\w)([A-ZÁÉÍÓÚÜÑ][A-ZÁÉÍÓÚÜÑ0-9]+)[\s,]+$")
_CAPS_AFTER = re.compile(r"[\s,]+([A-ZÁÉÍÓÚÜÑ][A-ZÁÉÍÓÚÜÑ0-9]+|[AEOUY])(?!\w)")


def _lower_unless_acronym(m: re.Match[str]) -> str:
    word = m.group(0)
    # "USB", "DNS" stay; "ES", "ROUTER" (a word, not an acronym) go to lower case.
    keep = (word in _ACRONYMS or _is_technical(word) and len(word) <= 4) and not morph.known(word.lower())
    return word if keep else word.lower()


def _is_technical(word: str) -> bool:
    # Technical terms are written in capitals (RAID, SMART): that is not shouting.
    folded = fold_pattern(word.lower())
    return bool(TERMS_REGEX.fullmatch(folded) or TRAITS["CT-ENT"].regex.fullmatch(folded))


def _nt6_findings(folded: Folded, language: str) -> list[Finding]:
    original = folded.original
    tokens = [m for m in _CAPS_TOKEN.finditer(original)
              if m.group(0) not in _ACRONYMS and not _is_technical(m.group(0))]
    groups: list[list[re.Match[str]]] = []
    for m in tokens:
        if groups and _CAPS_GAP.match(original[groups[-1][-1].end():m.start()]):
            groups[-1].append(m)
        else:
            groups.append([m])
    out: list[Finding] = []
    for group in groups:
        if len(group) >= 2 or len(group[0].group(0)) >= 4 or group[0].group(0) in _SHOUT_WORDS:
            s, e = group[0].start(), group[-1].end()
            # The rewrite takes in the words in capitals around the group that the group's test left out (an
            # acronym or a technical word inside a shouted sentence: "ESTO NO ES ASÍ", "BORRAR LA CACHÉ"), so
            # that it does not leave half a sentence in capitals.
            while True:
                left = _CAPS_BEFORE.search(original, 0, s)
                if left is None:
                    break
                s = left.start(1)
            while True:
                right = _CAPS_AFTER.match(original, e)
                if right is None:
                    break
                e = right.end()
            if out and s < out[-1].end:
                continue  # the group before already took this one in
            excerpt = original[s:e]
            rewrite = _CAPS_WORD.sub(_lower_unless_acronym, excerpt)
            if _SENTENCE_OPENS.search(original[:s]):  # a capital where the sentence starts, nowhere else
                rewrite = rewrite[:1].upper() + rewrite[1:]
            out.append(Finding("NT-6", s, e, excerpt, _message("NT-6", language), rewrite))
    for m in _SPELLING.finditer(folded.text):
        fix = _SPELLING_FIX.get(m.group(0))
        out.append(_finding(folded, "NT-6", m.start(), m.end(), fix or None, language, key="spelling_message"))
    return out


# Emoticons (issue 17: "NT-6 capitals, emoticons and slang"): the netiquette of a written line to a customer.
# Pictographs (faces, hands, hearts, with their skin tones and joiners) and ASCII faces: eyes, an optional nose,
# a mouth, standing apart from digits and words ("10:30)", "http://", "C:\\" are no faces). "xD" and laughs
# are slang already (DN-2, jargon.toml): one finding for one fault.
_PICTOGRAPH = "[\U0001F300-\U0001FAFF\u2639\u263A\u2665\u2763\u2764\u270A-\u270C\u2728\u2B50]"
_EMOTICON = re.compile(
    _PICTOGRAPH + "(?:" + _PICTOGRAPH + "|[\uFE0F\u200D])*"
    r"|(?<![\d:;=/\\])(?:[:;=][-'^o]?(?:[)(\]\[|]+|[DPpO*](?!\w))|:'\(|<3+|\^_*\^)(?=$|[\s.,;!?¡¿)(])")
_EMOTICON_MESSAGE = {
    "es": "Un emoticono en un mensaje a un cliente resulta demasiado informal: dígalo con palabras (NT-6).",
    "en": "An emoticon in a message to a customer reads as too casual: say it in words (NT-6).",
}


def _emoticon_findings(folded: Folded, language: str) -> list[Finding]:
    """NT-6: each emoticon, with a rewrite that removes it (the suggestion is the empty string) together with
    the space before it (after it, at the start of a line), so the line reads as if it had never been there."""
    original = folded.original
    message = _EMOTICON_MESSAGE["en" if language.startswith("en") else "es"]
    out: list[Finding] = []
    for m in _EMOTICON.finditer(original):
        start, end = m.start(), m.end()
        before = len(original[:start]) - len(original[:start].rstrip(" \t"))
        if before and start - before > 0 and original[start - before - 1] != "\n":
            start -= before
        else:
            end += len(original[end:]) - len(original[end:].lstrip(" \t"))
        out.append(Finding("NT-6", start, end, original[start:end], message, ""))
    return out


def _email_findings(folded: Folded, language: str) -> list[Finding]:
    # NT-5: greeting and closing; CO-1: the customer's name in the opening line.
    original = folded.original
    out: list[Finding] = []
    stripped = original.strip()
    if not stripped:
        return out
    first_start = len(original) - len(original.lstrip())
    first_end = original.find("\n", first_start)
    first_end = len(original) if first_end < 0 else first_end
    first_line = original[first_start:first_end]
    greeting = _GREETING.match(folded.text)
    if greeting is None:
        out.append(Finding("NT-5", first_start, first_end, first_line, _message("NT-5", language),
                           _NT5["suggestion_greeting"]))
    # CO-1: the name belongs to the salutation ("Buenos días, señora Pérez:"), not to the sentence after it.
    salutation = _SALUTATION_END.split(first_line, maxsplit=1)[0]
    names = [w for w in _CAPITALISED.findall(salutation[:80]) if w.lower() not in _NOT_NAMES]
    if greeting is None or not names:
        out.append(Finding("CO-1", first_start, first_end, first_line, _message("CO-1", language),
                           CHECKS["CO-1"]["suggestion"]))
    tail_from = max(0, len(folded.text) - 160)
    if not _CLOSING.search(folded.text, tail_from):
        last_end = len(original.rstrip())
        last_start = original.rfind("\n", 0, last_end) + 1
        out.append(Finding("NT-5", last_start, last_end, original[last_start:last_end], _message("NT-5", language),
                           _NT5["suggestion_closing"]))
    return out


_LEADING_DETERMINER = re.compile(
    r"^(?:del|al|de|a|el|la|los|las|un|una|unos|unas|este|esta|estos|estas|ese|esa|esos|esas|su|sus|mi|mis|tu|tus)\s+",
    re.IGNORECASE)


def jargon_term(excerpt: str) -> str:
    """The jargon word of a DN-2 finding, without the determiner its span took in for the rewrite to agree
    ("la caché" -> "caché")."""
    return _LEADING_DETERMINER.sub("", excerpt, count=1)


def is_salutation(line: str) -> bool:
    """An email's salutation line on its own ("Estimado cliente:", "Hola,"), which a rewrite may replace."""
    text = line.strip()
    return bool(text) and text.endswith((":", ",")) and len(text.split()) <= 6 and bool(
        _GREETING.match(fold_pattern(text.lower())))


def said_faults(folded: Folded) -> list[Finding]:
    """The faults of wording a sentence the technician says can have on its own: the phrase rules (DN-1, DN-3,
    DN-4, DN-5, DN-7, DN-13, NT-7) and slang (DN-2 at the advanced level: never the customer's own terms)."""
    return _phrase_findings(folded, "es") + _jargon_findings(folded, "avanzado", "es")


def _role_findings(folded: Folded, found: list[Finding], language: str) -> list[Finding]:
    """DN-13, DN-4 and DN-5 read from who does what to whom (roles.py), where no phrase of the rule matched
    the clause already."""
    out: list[Finding] = []
    for role in roles.find(folded):
        start, end = folded.span(role.start, role.end)
        # One finding for one fault: a blame already judged as DN-7 ("Lo rompió usted, no el sistema") stays DN-7.
        if any(f.rule == role.rule and f.start < end and start < f.end for f in found):
            continue
        if role.rule == "DN-4" and any(f.rule == "DN-7" and _same_sentence(folded.original, f.start, start)
                                       for f in found):
            continue
        s, e = role.start, role.end
        while e > s and not folded.text[e - 1].isalnum():
            e -= 1
        while s < e and not folded.text[s].isalnum():
            s += 1
        out.append(_finding(folded, role.rule, s, e, CHECKS[role.rule].get("suggestion"), language))
    return out


def _same_sentence(text: str, a: int, b: int) -> bool:
    low, high = min(a, b), max(a, b)
    return not any(mark in text[low:high] for mark in ".!?\n")


def check_draft(folded: Folded, *, level: str | None, channel: str | None, language: str = "es") -> list[Finding]:
    """All findings on a technician's draft, sorted by position."""
    findings = _phrase_findings(folded, language)
    findings += _role_findings(folded, findings, language)
    findings += _flame_marks(folded, language)
    findings += _jargon_findings(folded, level or "intermedio", language)
    findings += _pt1_findings(folded, language)
    findings += _pt2_findings(folded, language)
    findings += _nt6_findings(folded, language)
    findings += _emoticon_findings(folded, language)
    if channel == "email":
        findings += _email_findings(folded, language)
    # An insult is DN-7, not slang as well ("sos un boludo"): one finding for one fault.
    insults = [(f.start, f.end) for f in findings if f.rule == "DN-7"]
    findings = [f for f in findings
                if f.rule != "DN-2" or not any(s <= f.start and f.end <= e for s, e in insults)]
    findings = [_fitted(folded.original, f) for f in findings]
    findings.sort(key=lambda f: (f.start, f.end, f.rule))
    return findings


# Findings about something missing: their suggestion is added, not put in place of the span (suggest.ADDITIONS).
_ADDED = frozenset({"NT-5", "CO-1"})


def _fitted(text: str, finding: Finding) -> Finding:
    """The finding with the span its rewrite takes and the rewrite's words fitted to the sentence (rewrite.fit)."""
    if finding.suggestion is None or finding.rule in _ADDED or finding.suggestion.startswith("("):
        return finding
    start, end, suggestion = rewrite.fit(text, finding.start, finding.end, finding.suggestion)
    if (start, end, suggestion) == (finding.start, finding.end, finding.suggestion):
        return finding
    return Finding(finding.rule, start, end, text[start:end], finding.message, suggestion)

"""Who does what to whom in a technician's draft: the roles behind the open-ended rules (session 13).

DN-13, DN-4 and DN-5 are said in words no list of phrases can hold ("Facturación siempre mete la pata con los
prorrateos", "Vos lo desconfiguraste", "A los de su generación les cuesta"). Rather than more phrases, each
clause is read for its actor (a colleague or another team; the customer, named or by a second-person verb; a
group of people typed by age, sex or origin) and for what the clause says that actor did: a verb whose lemma
(``morph.lemma``, simplemma's Spanish lexicon) is a fault ("desconfigurar", "borrar", "liar"...), in any tense
or person, or a verdict ("mal", "un desastre", "cualquier cosa"). The lists are data (``[roles]`` in
``data/checks.toml``).

- DN-13: a colleague and a fault or a verdict in the same clause.
- DN-4: the customer and a fault of theirs, said as a fact or a conjecture (not asked, not conditional, not
  denied: "¿Ha borrado algo?", "Si borra la app...", "Usted no ha tocado nada").
- DN-7: the customer named and their attention or understanding denied ("Es que usted no pone atención",
  "vos no escuchás"), or excepted from "anybody" ("lo sabe hacer cualquiera, menos usted").
- DN-5: a group typed by age, sex or origin and a generalisation about it; or the customer typed by age or
  origin as a reason ("con lo mayor que es usted", "si es de campo", "¿hay algún joven en casa que le ayude?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from atiende.language import morph
from atiende.language.lexicon import ROLES
from atiende.language.text import Folded

_ROLES = ROLES
_COLLEAGUE = re.compile(r"(?<!\w)(?:" + _ROLES["colleague"] + r")(?!\w)")
_CUSTOMER = re.compile(r"(?<!\w)" + _ROLES["customer"])
_FAULT_VERBS = frozenset(_ROLES["fault_verbs"])
_VERDICT = re.compile(r"(?<!\w)" + _ROLES["verdict"])
_NOT_BLAME = re.compile(_ROLES["not_blame"])
_GROUP = re.compile(r"(?<!\w)(?:" + _ROLES["group"] + r")(?!\w)")
_GROUP_VERBS = frozenset(_ROLES["group_verbs"])
_TYPED = re.compile(r"(?<!\w)(?:" + _ROLES["typed"] + r")(?!\w)")
_CUSTOMER_FAULT = re.compile(r"(?<!\w)(?:" + _ROLES["customer_fault"] + r")", re.M)
_SKILL_VERBS = frozenset(_ROLES["skill_verbs"])
_SKILL = re.compile(r"(?<!\w)(?:" + _ROLES["skill"] + r")(?!\w)")
_NORMAL = re.compile(r"(?<!\w)(?:es|es lo|es muy|es bastante) (?:normal|habitual|tipico|logico)(?!\w)")
# Clauses: sentences, cut at commas, semicolons and colons.
_CLAUSE = re.compile(r"[^.!?;:,\n]+[.!?;:,]*")
_WORD = re.compile(r"\w+")
_NEGATORS = frozenset({"no", "nunca", "jamas", "tampoco", "ni"})


@dataclass(frozen=True, slots=True)
class Role:
    rule: str
    start: int  # folded positions of the clause
    end: int


_PLAIN = str.maketrans("áéíóú", "aeiou")
# Verb endings, longest first, and the pronouns a form may carry ("liarse", "desconfigurarlo").
_ENDINGS = ("ieron", "aron", "iendo", "ando", "aste", "iste", "amos", "imos", "aban", "ado", "ido", "ada", "ida",
            "aba", "ian", "ara", "iera", "ia", "an", "en", "as", "es", "ar", "er", "ir", "o", "a", "e")
_ENCLITICS = ("selo", "sela", "se", "lo", "la", "le", "los", "las", "les", "me", "te")


@lru_cache(maxsize=20_000)
def _lemmas(word: str) -> frozenset[str]:
    """The verbs a form may be: simplemma's lemma, and the infinitives its stem makes (simplemma does not
    know every form of every verb: "desconfiguró", "lía")."""
    out = {morph.lemma(word)}
    plain = word.translate(_PLAIN)
    for clitic in _ENCLITICS:
        if plain.endswith(clitic) and len(plain) > len(clitic) + 3:
            out.add(plain[: -len(clitic)])
            break
    for form in list(out) + [plain]:
        for ending in _ENDINGS:
            if form.endswith(ending) and len(form) > len(ending) + 1:
                stem = form[: -len(ending)]
                out.update((stem + "ar", stem + "er", stem + "ir"))
                break
    return frozenset(out)


def _is_fault(word: str) -> bool:
    return not _lemmas(word).isdisjoint(_FAULT_VERBS)


def _is_skill(word: str) -> bool:
    return not _lemmas(word).isdisjoint(_SKILL_VERBS)


def _is_group_verb(word: str) -> bool:
    return not _lemmas(word).isdisjoint(_GROUP_VERBS)


def _second_person_fault(words: list[str]) -> bool:
    # "desconfiguraste", "borraste", "la rompiste": a fault verb in the preterite of tú or vos.
    return any(w.endswith(("aste", "iste")) and _is_fault(w) for w in words)


# A word after these is a noun ("la carpeta de descargas", "un borrado"), not the verb.
_DETERMINERS = frozenset({"el", "la", "los", "las", "un", "una", "unos", "unas", "de", "del", "en", "su", "sus",
                          "mi", "mis", "carpeta", "esa", "ese", "esta", "este"})


def _fault_words(words: list[str], cased: list[str]) -> list[int]:
    return [i for i, w in enumerate(words)
            if len(w) > 2 and not (i and (words[i - 1] in _DETERMINERS or cased[i][:1].isupper()))
            and _is_fault(w)]


def _negated(words: list[str], index: int) -> bool:
    return any(w in _NEGATORS for w in words[max(0, index - 3):index])


# Whole-text tests that tell which clause tests can find anything at all (most drafts name no colleague, no
# group and nobody at fault): a clause is only read for what the whole text may hold (speed).
_COLLEAGUE_ANYWHERE = re.compile(r"(?<!\w)(?:" + _ROLES["colleague"].replace("|^(?:", "|(?:") + r")(?!\w)")
_SECOND_PERSON_HINT = re.compile(r"\w(?:aste|iste)(?!\w)")
# What every match of customer_fault holds (its own pattern may open on "^", the start of a clause).
_CUSTOMER_FAULT_HINT = re.compile(r"(?<!\w)(?:se (?:equivoca|confunde|lia|ha equivocado|ha confundido|ha liado|"
                                  r"esta equivocando|esta confundiendo)|(?:problema|fallo|error|lio) "
                                  r"(?:es|esta en|viene de))(?!\w)")


def find(folded: Folded) -> list[Role]:
    """The roles found in a draft, one per clause and rule."""
    text = folded.text
    colleague = _COLLEAGUE_ANYWHERE.search(text) is not None
    customer = _CUSTOMER.search(text) is not None
    second = _SECOND_PERSON_HINT.search(text) is not None
    customer_fault = _CUSTOMER_FAULT_HINT.search(text) is not None
    typed = _TYPED.search(text) is not None
    group = _GROUP.search(text) is not None
    out: list[Role] = []
    if colleague or customer or second or customer_fault or typed or group:
        out = _clauses(folded, colleague, customer, second, customer_fault, typed, group)
    for m in _SKILL.finditer(text):  # may run over a comma: "cualquiera, menos usted"
        if not any(r.rule == "DN-7" and r.start < m.end() and m.start() < r.end for r in out):
            out.append(Role("DN-7", m.start(), m.end()))
    return out


def _clauses(folded: Folded, colleague: bool, customer: bool, second: bool, customer_fault: bool, typed: bool,
             group: bool) -> list[Role]:
    text = folded.text
    out: list[Role] = []
    sentence_asks = _question_sentences(text)
    for m in _CLAUSE.finditer(text):
        clause = m.group(0)
        start, end = m.start(), m.end()
        o_start, o_end = folded.span(start, end)
        cased = _WORD.findall(folded.original[o_start:o_end])
        lower_words = [w.lower() for w in cased]
        by_colleague = colleague and _COLLEAGUE.search(clause.strip()) is not None
        named = customer and _CUSTOMER.search(clause) is not None
        faults = _fault_words(lower_words, cased) if by_colleague or named else []
        if by_colleague and (_VERDICT.search(clause) or any(not _negated(lower_words, i) for i in faults)):
            out.append(Role("DN-13", start, end))
            continue
        blamed = (named and any(not _negated(lower_words, i) for i in faults)) \
            or (second and _second_person_fault([w for i, w in enumerate(lower_words)
                                                 if not _negated(lower_words, i)])) \
            or (customer_fault and _CUSTOMER_FAULT.search(clause.strip()) is not None)
        unskilled = named and any(_is_skill(w) and _negated(lower_words, i) for i, w in enumerate(lower_words))
        if (blamed or unskilled) and not _NOT_BLAME.search(clause) \
                and not any(a <= start < b for a, b in sentence_asks):
            out.append(Role("DN-4" if blamed else "DN-7", start, end))
            continue
        if typed and _TYPED.search(clause):
            out.append(Role("DN-5", start, end))
            continue
        if group:
            found = _GROUP.search(clause)
            words = _WORD.findall(clause)
            if found and (_NORMAL.search(text, found.end()) or any(_is_group_verb(w) for w in words)
                          or any(_is_group_verb(w) for w in lower_words)):
                out.append(Role("DN-5", start, end))
    return out


def _question_sentences(text: str) -> list[tuple[int, int]]:
    out = []
    for m in re.finditer(r"[^.!?\n]*\?", text):
        out.append((m.start(), m.end()))
    return out

"""The paraphrase draft (PRACTICES AL-4): the customer's story, as the technician says it back.

"Déjeme ver si comprendo lo que me comentó: su impresora no imprime desde
ayer y le sale un error. ¿Es así?"

How it is built, so that every sentence is grammatical Spanish:
1. The customer's words are redacted (ET-3), split into sentences (never inside
   "Windows 8.1"), and stripped of openers ("Hola, bueno, mire...").
2. Only sentences of the problem story are kept; never one addressed to the
   technician (tú, vos, usted, ustedes: a remark, not the story), never one with
   an insult or a CT-ENF/CT-DES cue, and profanity used as a modifier is dropped
   ("la puta impresora" → "la impresora").
3. Each word is analysed (``morph``): a first-person verb becomes the third
   person ("arreglé" → "arregló", "puedo" → "puede"); "me" becomes "se" with the
   customer's own verb ("me acordé" → "se acordó") and "le" otherwise ("me sale"
   → "le sale"), and "se" before lo/la ("me lo arreglan" → "se lo arreglan");
   "mi" → "su", "yo" → "usted"; "sé" before a verb is the pronoun "se".
4. Every restated sentence passes ``grammar.problems`` or is left out; clauses
   are joined with "y" or "e" as the next word's sound asks.
When no sentence of the story survives, there is no paraphrase (None).
"""

from __future__ import annotations

import re

from atiende.language import morph
from atiende.language.grammar import conjunction, problems
from atiende.language.lexicon import SUGGEST, TRAITS
from atiende.language.redact import redact
from atiende.language.text import combine, fold

OPENING = {"es": "Déjeme ver si comprendo lo que me comentó:", "en": "Let me see if I understand what you told me:"}
CLOSING = {"es": "¿Es así?", "en": "Is that right?"}

_SPEC = SUGGEST["paraphrase"]
_PROBLEM = combine([_SPEC["problem"]])
_FILLERS = re.compile(_SPEC["fillers"])
_EXPLETIVES = re.compile(
    r"(?i)(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(_SPEC["expletives"], key=len, reverse=True)) + r")(?!\w)"
)
_PROPER = frozenset(_SPEC["proper"])
_OTHER_SWAPS = {a: b for a, b in _SPEC["swaps"] if a in (
    "mi", "mis", "yo", "conmigo", "mío", "mía", "míos", "mías", "nosotros", "nosotras", "nuestro", "nuestra", "nuestros",
    "nuestras")}
_OTHER_SWAPS.update({"míos": "suyos", "mías": "suyas", "nosotras": "ustedes"})
# Sentence ends: . ! ? … or a line break, but not a dot between digits (Windows 8.1) or after an initial.
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?<!\d\.)(?<!\b[A-Z]\.)\s+|(?<=[.!?…])(?=[¿¡A-ZÁÉÍÓÚÑ])|\n+")
_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,:]\d+)*|\s+|[^\w\s]", re.UNICODE)
_ADDRESSED = frozenset(["tú", "tu", "tus", "te", "ti", "contigo", "vos", "vosotros", "vosotras", "os", "vuestro", "vuestra", "vuestros", "vuestras", "usted", "ustedes"])
_DETERMINERS = frozenset(["el", "la", "los", "las", "un", "una", "unos", "unas", "mi", "mis", "su", "sus", "tu", "tus", "este", "esta", "ese", "esa", "del", "al", "de", "en", "con", "por", "para", "otro", "otra", "mucho", "poco", "cada", "ningún", "algún", "cualquier", "lo"])
_FEELINGS = [TRAITS["CT-DES"].regex, TRAITS["CT-ENF"].regex]
MAX_SENTENCES = 3
MAX_WORDS = 45


def _sentences(text: str) -> list[str]:
    out = []
    for part in _SENTENCE_END.split(redact(text).text):
        part = _FILLERS.sub("", part.strip())
        part = part.strip(" \t,;:-–—¿?¡!.…\"'«»()")
        if part:
            out.append(part)
    return out


def _addressed_to_technician(words: list[str]) -> bool:
    for word in words:
        low = word.lower()
        if low in _ADDRESSED:
            return True
        verb = morph.analyse(low)
        if verb is not None and verb.person == morph.SECOND:
            return True
    return False


def _third_person(sentence: str) -> str | None:
    """The sentence in the third person, or None when a word cannot be restated with confidence."""
    tokens = _TOKEN.findall(sentence)
    words = [i for i, t in enumerate(tokens) if t[:1].isalpha()]
    out = list(tokens)
    customer_verb = False
    for position, i in enumerate(words):
        low = tokens[i].lower()
        prev = tokens[words[position - 1]].lower() if position else ""
        nxt = tokens[words[position + 1]].lower() if position + 1 < len(words) else ""
        following = morph.analyse(nxt) if nxt else None
        if low in ("sé", "se") and nxt and (following is None or following.person == morph.THIRD) \
                and _finite_or_unknown(nxt):
            out[i] = "se"  # "el ordenador sé puso lento": the pronoun with a stray accent
            continue
        if low in _OTHER_SWAPS:
            out[i] = _cased(tokens[i], _OTHER_SWAPS[low])
            continue
        if low in ("me", "nos"):
            following = _next_verb(tokens, words, position)
            if nxt in ("lo", "la", "los", "las") or following is not None and following.person in (morph.FIRST_SINGULAR, morph.FIRST_PLURAL):
                out[i] = _cased(tokens[i], "se")
            else:
                out[i] = _cased(tokens[i], "le" if low == "me" else "les")
            continue
        if prev in _DETERMINERS:
            continue  # "mi trabajo", "el uso": a noun
        verb = morph.analyse(low)
        if verb is not None and verb.person in (morph.FIRST_SINGULAR, morph.FIRST_PLURAL):
            if verb.third is None:
                return None
            out[i] = _cased(tokens[i], verb.third)
            customer_verb = True
            continue
        if low.endswith(("me", "nos")) and len(low) > 5:
            enclitic = morph.third_person_enclitic(low, reflexive=customer_verb)
            if enclitic is not None:
                out[i] = _cased(tokens[i], enclitic)
    return "".join(out)


def _finite_or_unknown(word: str) -> bool:
    base = morph.lemma(word)
    return base.endswith(("ar", "er", "ir", "ír")) and base != word


def _next_verb(tokens: list[str], words: list[int], position: int) -> morph.Verb | None:
    for j in words[position + 1:position + 4]:
        low = tokens[j].lower()
        if low in ("lo", "la", "los", "las", "le", "les", "se", "no", "ya", "también", "nunca"):
            continue
        return morph.analyse(low)
    return None


def _cased(original: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


def _lower_first(sentence: str) -> str:
    first = sentence.split(" ", 1)[0]
    word = first.strip(",;:")
    if word in _PROPER or len(word) > 1 and word[1:2].isupper() or not morph.known(word.lower()):
        return sentence
    return sentence[:1].lower() + sentence[1:]


_CLAUSE = re.compile(r"(?<!\d)[,;]\s*|[,;](?!\d)\s*")


def _restate(sentence: str) -> str | None:
    """One sentence or clause of the story in the third person, or None when it must not be repeated."""
    folded = fold(sentence).text
    if any(regex.search(folded) for regex in _FEELINGS):
        return None  # an insult or an outburst is not part of the story to repeat back
    sentence = re.sub(r"\s{2,}", " ", _EXPLETIVES.sub("", sentence)).strip(" ,;:")
    words = re.findall(r"[^\W\d_]+", sentence)
    if len(words) < 3 or not _PROBLEM.search(fold(sentence).text) or _addressed_to_technician(words):
        return None
    restated = _third_person(sentence)
    if restated is None:
        return None
    restated = _lower_first(restated)
    return None if problems(restated, paraphrase=True) else restated


def _story(texts: list[str]) -> list[str]:
    chosen: list[str] = []
    words_so_far = 0
    for text in texts:
        for sentence in _sentences(text):
            whole = _restate(sentence)
            # A sentence that cannot be restated whole may still hold a clause of the story.
            parts = [whole] if whole else [_restate(c) for c in _CLAUSE.split(sentence)]
            for restated in parts:
                if restated is None:
                    continue
                size = len(restated.split())
                if words_so_far + size > MAX_WORDS:
                    return chosen
                chosen.append(restated)
                words_so_far += size
                if len(chosen) == MAX_SENTENCES:
                    return chosen
    return chosen


def _join(clauses: list[str]) -> str:
    if len(clauses) == 1:
        return clauses[0]
    last = clauses[-1]
    return ", ".join(clauses[:-1]) + f" {conjunction(last.split(' ', 1)[0])} " + last


def paraphrase(texts: list[str], language: str = "es") -> str | None:
    """The paraphrase of the customer's story (AL-4), or None when the words hold no story to restate."""
    clauses = _story(texts)
    if not clauses:
        return None
    key = "en" if language.startswith("en") else "es"
    return f"{OPENING[key]} {_join(clauses)}. {CLOSING[key]}"

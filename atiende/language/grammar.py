"""A check for the broken forms a generated Spanish sentence must never have.

The suggestions (paraphrase AL-4, questions AL-5, rewrites) are built from a
morphological analysis; this module is the guard behind them: a generated
sentence with one of these faults is dropped before anyone sees it, and the
test suite runs the same check on every sentence generated for thousands of
inputs. The faults are those a word-by-word rewrite produces:

- a clitic cluster that Spanish does not allow ("le lo", "les la", "me se");
- two finite verbs in a row ("el ordenador sabe puso");
- a dangling fragment (ending on an article, a preposition, a conjunction or a
  possessive; a conjunction opening the sentence, "e, no sabe nada");
- "y" before an /i/ sound or "e" before anything else ("y instaló", "e no");
- "de el" / "a el" instead of "del" / "al"; a word said twice in a row;
- an insult or a profanity repeated back to the customer;
- in a paraphrase, the customer's first or second person left untouched
  ("mi impresora", "tenés").
"""

from __future__ import annotations

import re
from functools import lru_cache

from atiende.language import morph
from atiende.language.lexicon import SUGGEST, TRAITS
from atiende.language.text import fold, fold_pattern

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CLUSTER = re.compile(r"(?i)(?<!\w)(?:(?:le|les) (?:lo|la|los|las)|(?:me|te|nos|os|le|les) se|se se|le le|les les)(?!\w)")
_DANGLING_END = frozenset([
    "de", "del", "a", "al", "en", "con", "por", "para", "sin", "sobre", "entre", "hasta", "desde", "contra",
    "hacia", "según", "el", "la", "los", "las", "un", "una", "unos", "unas", "y", "e", "o", "u", "ni", "que", "su",
    "sus", "mi", "mis", "tu", "tus", "le", "les", "se", "lo", "me", "te", "nos", "muy", "más", "pero", "porque",
    "cuando", "como",
])
_OPENING_CONJUNCTION = re.compile(r"(?i)^\W*(?:(?:e|y|o|u|ni|pero)\s*[,;:]|porque\s|(?:es|era|son|fue) (?:la|el|lo|los|las) que\s)")
_TAG_END = re.compile(r"(?i)(?:,\s*(?:eso|nada|nada más|y eso|y ya|vale|ok)|\s+y nada)\W*$")
_SUBORDINATORS = frozenset([
    "que", "cuando", "si", "donde", "porque", "como", "aunque", "mientras",
])
_SKIPPED_BEFORE_VERB = frozenset([
    "no", "ya", "le", "les", "lo", "la", "los", "las", "se", "me", "nos", "te", "os", "también", "nunca",
])
_CONTRACTION = re.compile(r"(?<!\w)(?:de|a) el(?!\w)")
# Two words with only a space between them (no punctuation: "conviene, es" is two clauses).
_TWO_WORDS = re.compile(r"(?<!\w)([^\W\d_]+) (?=([^\W\d_]+)(?!\w))")
_ALNUM = re.compile(r"[^\W_]+")
_SPACE_BEFORE_MARK = re.compile(r"\s[,.;:?!]")
_MARK_RUN = re.compile(r"([¡!¿?])\1+")
_MARK_AFTER_STOP = re.compile(r"(?<![.\d])\.(?!\.)\s*[!?,;:]")
# A word that is never capitalised inside a sentence, right after a word in lower case ("mismo le Le llamo").
_CAPITAL_INSIDE = re.compile(r"(?<=[a-záéíóúüñ,]) ([A-ZÁÉÍÓÚÜÑ][a-záéíóúüñ]*)(?!\w)")
_SMALL_WORDS = frozenset([
    "le", "les", "lo", "la", "los", "las", "se", "me", "te", "nos", "el", "un", "una", "unos", "unas", "de", "del",
    "que", "y", "e", "o", "en", "con", "por", "para", "no", "si", "ya", "su", "sus", "puede", "entiendo", "lamento",
    "vamos", "disculpe", "perdone", "gracias", "hemos", "voy", "ha", "hay", "es", "está", "estamos", "le",
    "quiero", "revisemos", "tiene", "ahora", "muy", "pero", "porque",
])
_REPEATED = re.compile(r"(?i)(?<!\w)(\w+) \1(?!\w)")
_FIRST_PERSON = frozenset([
    "yo", "mi", "mis", "me", "mí", "conmigo", "mío", "mía", "míos", "mías", "nosotros", "nosotras", "nuestro",
    "nuestra", "nuestros", "nuestras",
])
_SECOND_PERSON = frozenset([
    "tú", "vos", "te", "ti", "contigo", "os", "vosotros", "vosotras", "vuestro", "vuestra",
])
# Auxiliaries and verbs that take another finite verb's company in a correct sentence ("ha dejado", "es que").
_AUXILIARIES = frozenset([
    "ha", "han", "he", "hemos", "había", "habían", "habrá", "hubo", "es", "son", "era", "eran", "fue", "fueron",
    "está", "están", "estaba", "estaban", "estuvo", "va", "van", "iba", "iban", "puede", "pueden", "podía",
    "quiere", "quieren", "suele", "suelen", "sigue", "siguen", "vuelve", "vuelven", "deja", "dejó", "acaba",
    "acabó",
])
_PROFANITY = [fold(w).text for w in SUGGEST["paraphrase"]["expletives"] + SUGGEST["paraphrase"]["insults"]]
_PROFANITY_RE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in _PROFANITY) + r")(?!\w)")


@lru_cache(maxsize=20_000)
def _is_finite(word: str) -> bool:
    """A conjugated verb form (not an infinitive, gerund or participle), judged by the lexicon."""
    low = word.lower()
    if len(low) < 2 or low.endswith(("ar", "er", "ir", "ír", "ando", "iendo", "ado", "ada", "ido", "ida", "ados",
                                      "adas", "idos", "idas", "to", "ta", "cho", "cha")):
        return False
    base = morph.lemma(low)
    return base != low and base.endswith(("ar", "er", "ir", "ír")) and morph.known(low)


# A word right after one of these is a noun ("desde el cambio de firmware"), never a verb.
_DETERMINERS = frozenset([
    "el", "la", "los", "las", "un", "una", "unos", "unas", "del", "al", "su", "sus", "este", "esta", "ese", "esa",
    "aquel", "aquella", "cada", "otro", "otra", "mucho", "poco",
])
# After one of these pronouns (or "no") a word is a verb: "el wifi se corta", "no le carga".
_PRONOUNS_BEFORE_VERB = frozenset(["se", "le", "les", "me", "te", "nos", "no"])
_PRESENT_ENDINGS = (("an", ("ar",)), ("a", ("ar",)), ("en", ("er", "ir")), ("e", ("er", "ir")))


@lru_cache(maxsize=20_000)
def _present_after_pronoun(previous: str, word: str) -> bool:
    """ "se corta", "no carga": a present form the lexicon does not list, told by its infinitive and its place."""
    if previous not in _PRONOUNS_BEFORE_VERB:
        return False
    for ending, infinitives in _PRESENT_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            stem = word[: -len(ending)]
            return any(morph.is_infinitive(stem + i) for i in infinitives)
    return False


def _has_main_verb(words: list[str]) -> bool:
    """A finite verb that is not inside a subordinate clause ("el internet que no llega al cuarto" has none)."""
    for i, word in enumerate(words):
        if i and words[i - 1] in _DETERMINERS:
            continue  # "el cambio", "la carga": a noun
        if not (_is_finite(word) or word in _AUXILIARIES or morph.analyse(word) is not None
                or (i and _present_after_pronoun(words[i - 1], word))):
            continue
        j = i - 1
        while j >= 0 and words[j] in _SKIPPED_BEFORE_VERB:
            j -= 1
        if j < 0 or words[j] not in _SUBORDINATORS:
            return True
    return False


def _y_before(next_word: str) -> str:
    low = next_word.lower()
    starts_with_i = low.startswith(("i", "í", "hi", "hí")) and not low.startswith(("hie", "hia", "hio", "hiu"))
    return "e" if starts_with_i else "y"


def conjunction(next_word: str) -> str:
    """ "y", or "e" before an /i/ sound ("e instaló", "e hizo", but "y hierro")."""
    return _y_before(next_word)


def problems(sentence: str, *, paraphrase: bool = False, quick: bool = False, folded: str | None = None) -> list[str]:
    """Every broken form found in one generated sentence (empty when it reads as correct Spanish).

    ``quick`` leaves out the CT-DES lexicon pass (the slow part) for a first screening of many candidates;
    the sentence finally used must pass the full check. ``folded`` is ``fold(sentence).text`` when the caller has
    it already."""
    found: list[str] = []
    text = sentence.strip()
    words = _WORD.findall(text)
    if len(words) < 2:
        found.append("fragment: fewer than two words")
    last = _ALNUM.findall(text)
    if last and last[-1].lower() in _DANGLING_END:
        found.append(f"dangling fragment: ends on «{last[-1]}»")
    if _OPENING_CONJUNCTION.match(text):
        found.append("dangling fragment: opens on a bare conjunction")
    if _TAG_END.search(text):
        found.append("dangling fragment: a tag at the end")
    for m in _CLUSTER.finditer(text):
        found.append(f"clitic cluster «{m.group(0)}»")
    for m in _CONTRACTION.finditer(text):
        found.append(f"«{m.group(0)}» instead of the contraction")
    for m in _REPEATED.finditer(text):
        found.append(f"word repeated «{m.group(0)}»")
    lowered = [w.lower() for w in words]
    for prev, nxt in zip(lowered, words[1:], strict=False):
        if prev in ("y", "e") and prev != _y_before(nxt):
            found.append(f"«{prev} {nxt}» should be «{_y_before(nxt)} {nxt}»")
    for m in _TWO_WORDS.finditer(text):
        prev, nxt = m.group(1), m.group(2)
        if prev.lower() not in _AUXILIARIES and _is_finite(prev) and _is_finite(nxt) and not nxt[:1].isupper():
            found.append(f"verb after verb «{prev} {nxt}»")
    folded = fold_pattern(text.lower())
    if _PROFANITY_RE.search(folded) or not quick and TRAITS["CT-DES"].regex.search(
            fold(text).text if folded is None or text != sentence else folded):
        found.append("insult or profanity repeated")
    marks = _MARK_RUN.sub(r"\1", text)  # "¡Ya está!!" is emphasis, not a mark without its pair
    if marks.count("¿") != marks.count("?") or marks.count("¡") != marks.count("!"):
        found.append("unbalanced ¿? or ¡!")
    for m in _MARK_AFTER_STOP.finditer(text):
        found.append(f"a mark after the full stop «{m.group(0)}»")
    for m in _CAPITAL_INSIDE.finditer(text):
        if m.group(1).lower() in _SMALL_WORDS:
            found.append(f"capital inside the sentence «{m.group(0).strip()}»")
    if "  " in text or _SPACE_BEFORE_MARK.search(text):
        found.append("stray space")
    if paraphrase and words and not _has_main_verb(lowered):
        found.append("fragment: no main verb")
    if paraphrase:
        for i, word in enumerate(lowered):
            if word in _FIRST_PERSON:
                found.append(f"first person left: «{word}»")
            elif word in _SECOND_PERSON:
                found.append(f"second person left: «{word}»")
            elif i and lowered[i - 1] in _DETERMINERS:
                continue  # "desde el cambio": a noun, whatever verb it could also be
            else:
                verb = morph.analyse(word)
                if verb is not None and verb.person in (morph.FIRST_SINGULAR, morph.SECOND):
                    found.append(f"verb not in the third person: «{word}»")
    return found

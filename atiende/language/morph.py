"""Spanish verb morphology for the suggestions: which word is a verb in which person, and its third person.

The paraphrase (AL-4) restates the customer's first-person story as the
technician says it: "arreglé" → "arregló", "me acordé" → "se acordó",
"podemos" → "pueden". Rather than a list of word swaps, every candidate word
is analysed against simplemma's Spanish lexicon (a maintained package that
ships its data; nothing is downloaded): its lemma must be a verb, and the form
built for the third person must lemmatise back to the same verb. Regular and
stem-changing verbs need no table (the first person already carries the stem
change: "puedo" → "puede", "pido" → "pide"); the irregular forms are data
(``data/verbs.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import simplemma

from atiende.language.lexicon import load_data

_VERBS = load_data("verbs.toml")
_SINGULAR = {a: b for a, b in _VERBS["singular"]}
_PLURAL = {a: b for a, b in _VERBS["plural"]}
_THIRD_FORMS = frozenset(_SINGULAR.values()) | frozenset(_PLURAL.values())
_NOT_VERBS = frozenset(_VERBS["not_verbs"])
PRONOMINAL = frozenset(_VERBS["pronominal"])
_INFINITIVE_ENDINGS = ("ar", "er", "ir", "ír")

FIRST_SINGULAR = "1s"
FIRST_PLURAL = "1p"
SECOND = "2"  # tú, vos, vosotros: the customer addressing the technician
THIRD = "3"  # already third person, or not a person form


@dataclass(frozen=True, slots=True)
class Verb:
    """A finite verb form: its lemma, its person, and the form for usted/ustedes (None if already third)."""

    lemma: str
    person: str
    third: str | None


def lemma(word: str) -> str:
    return _lemma(word.lower())


@lru_cache(maxsize=20_000)
def _lemma(word: str) -> str:
    return str(simplemma.lemmatize(word, lang="es"))


@lru_cache(maxsize=20_000)
def known(word: str) -> bool:
    return bool(simplemma.is_known(word, lang="es"))


def is_infinitive(word: str) -> bool:
    return word.endswith(_INFINITIVE_ENDINGS) and known(word) and _lemma(word) == word


def _is_form_of(form: str, infinitive: str) -> bool:
    return known(form) and _lemma(form) == infinitive


def _verb_lemma(word: str, stems: tuple[str, ...]) -> str | None:
    """The infinitive of a form: simplemma's lemma if it is a verb, else an infinitive built from the stem."""
    found = _lemma(word)
    if found.endswith(_INFINITIVE_ENDINGS) and found != word:
        return found
    for stem in stems:
        for ending in _INFINITIVE_ENDINGS[:3]:
            if is_infinitive(stem + ending):
                return stem + ending
    return None


_ACCENTED = str.maketrans("áéíóú", "aeiou")


def _pick(candidates: list[str], infinitive: str) -> str | None:
    for candidate in candidates:
        if _is_form_of(candidate, infinitive):
            return candidate
    return None


def _preterite_ar(stem: str) -> str:
    # Spelling follows the sound: toqué → tocó, apagué → apagó, empecé → empezó, averigüé → averiguó.
    for written, plain in (("qu", "c"), ("gü", "gu"), ("gu", "g"), ("c", "z")):
        if stem.endswith(written):
            return stem[: -len(written)] + plain + "ó"
    return stem + "ó"


def _stem_variants(stem: str) -> list[str]:
    """The stem as written and with its last e/o raised (pedí → pidió, dormí → durmió)."""
    out = [stem]
    for i in range(len(stem) - 1, -1, -1):
        if stem[i] in "eo":
            out.insert(0, stem[:i] + ("i" if stem[i] == "e" else "u") + stem[i + 1:])
            break
    return out


@lru_cache(maxsize=20_000)
def analyse(word: str) -> Verb | None:
    """The verb a lower-case word is, with its person; None when it is not a finite verb we can shift."""
    if word in _NOT_VERBS or len(word) < 2:
        return None
    if word in _THIRD_FORMS and word not in _SINGULAR:
        return Verb(_lemma(word), THIRD, None)  # puso, tuvo, hizo: already the third person
    if word in _SINGULAR:
        third = _SINGULAR[word]
        return Verb(_lemma(third), FIRST_SINGULAR, third)
    if word in _PLURAL:
        third = _PLURAL[word]
        return Verb(_lemma(third), FIRST_PLURAL, third)
    return _first_singular(word) or _first_plural(word) or _second(word)


def _participle(word: str) -> bool:
    """ "arreglado", "comido", "oído": a participle (the infinitive's stem, then -ado/-ido); "cuido", "decido",
    "olvido" are first persons (the stem runs to the last letter). Unknown words ending so stay participles."""
    if not word.endswith(("ado", "ido", "ído")):
        return False
    infinitive = _lemma(word)
    if not infinitive.endswith(_INFINITIVE_ENDINGS) or infinitive == word:
        return True
    stem = infinitive[:-2]
    return stem == word[:-3].translate(_ACCENTED) or stem != word[:-1]


def _first_singular(word: str) -> Verb | None:
    if word.endswith("o") and not word.endswith("ío") and not _participle(word):
        stem = word[:-1]
        infinitive = _verb_lemma(word, (stem, _undiphthong(stem)))
        if infinitive is None:
            return None
        # Present: the first person carries the stem change, so the third is regular from it
        # (puedo → puede, pido → pide, juego → juega, encuentro → encuentra).
        third = stem + ("a" if infinitive.endswith("ar") else "e")
        # The lexicon must see the verb in the word or in the form built: "escucho", "encuentra", not "justo".
        if known(third) and infinitive in (_lemma(word), _lemma(third)):
            return Verb(infinitive, FIRST_SINGULAR, third)
        return None
    if word.endswith("é"):
        stem = word[:-1]
        infinitive = _verb_lemma(word, (stem, stem.replace("qu", "c"), stem.replace("gu", "g")))
        if infinitive is None:
            return None
        # -ar: preterite (arreglé → arregló) or future (tendré → tendrá), the lexicon tells which;
        # -er/-ir: the future (podré → podrá)
        options = [_preterite_ar(stem), stem + "á"] if infinitive.endswith("ar") else [stem + "á"]
        future_or_past = _pick(options, infinitive)
        return Verb(infinitive, FIRST_SINGULAR, future_or_past) if future_or_past else None
    if word.endswith("í") and len(word) > 2:
        stem = word[:-1]
        infinitive = _verb_lemma(word, (stem,))
        if infinitive is None or infinitive.endswith("ar"):
            return None
        preterite = _pick([s + "ió" for s in _stem_variants(stem)] + [stem + "yó"], infinitive)
        return Verb(infinitive, FIRST_SINGULAR, preterite) if preterite else None
    if word.endswith("ía") and len(word) > 3:
        # imperfect and conditional: the same form for yo and usted (tenía, podría)
        infinitive = _verb_lemma(word, ())
        return Verb(infinitive, THIRD, None) if infinitive else None
    return None


def _first_plural(word: str) -> Verb | None:
    if not word.endswith("mos") or len(word) < 6:
        return None
    infinitive = _verb_lemma(word, ())
    if infinitive is None:
        return None
    base = word[:-3]  # tene-, pod-e, llama-, pudi-
    if base.endswith("ba") or base.endswith("ía") or base.endswith("ría"):
        third = base + "n"  # imperfect / conditional: teníamos → tenían
        third = third.replace("ába", "aba")
        return Verb(infinitive, FIRST_PLURAL, third if _is_form_of(third, infinitive) else None)
    stem = infinitive[:-2]
    candidates: list[str] = []
    if base.endswith("i") and infinitive.endswith(("er", "ir")):
        candidates.append(base[:-1] + "ieron")  # preterite: perdimos → perdieron
    for variant in _diphthongs(stem):
        candidates.append(variant + ("an" if infinitive.endswith("ar") else "en"))
    plural = _pick(candidates, infinitive)
    return Verb(infinitive, FIRST_PLURAL, plural) if plural else None


def _undiphthong(stem: str) -> str:
    """The stem of the infinitive for a stem-changing form: encuentr- → encontr-, pierd- → perd-."""
    for changed, plain in (("ue", "o"), ("ie", "e")):
        i = stem.rfind(changed)
        if i >= 0:
            return stem[:i] + plain + stem[i + len(changed):]
    return stem


def _diphthongs(stem: str) -> list[str]:
    """The stem with its last e/o as ie/ue/i first, then as written (podemos → pueden, pedimos → piden)."""
    for i in range(len(stem) - 1, -1, -1):
        if stem[i] in "eo":
            changed = ["ie", "i"] if stem[i] == "e" else ["ue"]
            return [stem[:i] + c + stem[i + 1:] for c in changed] + [stem]
        if stem[i] == "u" and i > 0 and stem[i - 1] == "j":
            return [stem[:i] + "ue" + stem[i + 1:], stem]  # jugar: jugamos → juegan
    return [stem]


_SECOND_ENDINGS = ("ás", "és", "ís", "áis", "éis", "ís", "aste", "iste", "asteis", "isteis")


def _second(word: str) -> Verb | None:
    """Tú, vos and vosotros forms: the customer speaking to the technician (tenés, sabés, hiciste, tenéis)."""
    if word in ("sos", "eres", "estás", "tenés", "sabés", "podés", "querés", "hacés", "decís", "vas", "das"):
        return Verb(_lemma(word), SECOND, None)
    if word.endswith(_SECOND_ENDINGS) and len(word) > 4:
        infinitive = _verb_lemma(word, ())
        if infinitive is not None:
            return Verb(infinitive, SECOND, None)
    return None


def is_imperative_with_me(word: str) -> bool:
    """ "pásame", "explíqueme", "hábleme": a command with "me" that the customer gives the technician."""
    if not word.endswith("me") or len(word) < 5:
        return False
    base = word[:-2].translate(_ACCENTED)
    if base.endswith(("ar", "er", "ir", "ando", "iendo")):
        return False  # an infinitive or a gerund ("conectarme"): not a command
    verb_form = known(base) and _lemma(base).endswith(_INFINITIVE_ENDINGS) and _lemma(base) != base
    return verb_form or is_infinitive(base + "r")  # "llámame": llama → llamar


def third_person_enclitic(word: str, reflexive: bool) -> str | None:
    """An infinitive or gerund with a first-person clitic, for usted: conectarme → conectarse / conectarle."""
    for clitic, reflexive_form, other in (("me", "se", "le"), ("nos", "se", "les")):
        if word.endswith(clitic):
            base = word[: -len(clitic)]
            plain = base.translate(_ACCENTED)
            if is_infinitive(plain):
                return base + (reflexive_form if reflexive else other)
            if plain.endswith(("ando", "iendo", "yendo")) and known(plain):
                return base + (reflexive_form if reflexive else other)
    return None

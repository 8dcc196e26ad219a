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
from collections.abc import Mapping

from atiende.language import morph
from atiende.language.checks import said_faults
from atiende.language.grammar import conjunction, problems
from atiende.language.lexicon import SUGGEST
from atiende.language.model import TraitScore
from atiende.language.redact import redact
from atiende.language.text import bounded, fold, fold_pattern

OPENING = {"es": "Déjeme ver si comprendo lo que me comentó:", "en": "Let me see if I understand what you told me:"}
CLOSING = {"es": "¿Es así?", "en": "Is that right?"}

_SPEC = SUGGEST["paraphrase"]
_PROBLEM = re.compile(bounded(fold_pattern(_SPEC["problem"])))
_FILLERS = re.compile(_SPEC["fillers"])
_EXPLETIVES = re.compile(
    r"(?i)(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(_SPEC["expletives"], key=len, reverse=True)) + r")(?!\w)"
)
_PROPER = frozenset(_SPEC["proper"])
_OTHER_SWAPS = {a: b for a, b in _SPEC["swaps"]}  # pronouns and possessives; verbs go through morph
# Sentence ends: . ! ? … or a line break, but not a dot between digits (Windows 8.1) or after an initial.
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?<!\b[A-Z]\.)\s+|(?<=[.!?…])(?=[¿¡A-ZÁÉÍÓÚÑ])|\n+")
_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,:]\d+)*|\s+|[^\w\s]", re.UNICODE)
# Words of a sentence addressed to the technician (second person, commands): a remark, not the story.
_ADDRESSED = frozenset([
    "tú", "tu", "tus", "te", "ti", "contigo", "vos", "vosotros", "vosotras", "os", "vuestro", "vuestra", "vuestros",
    "vuestras", "usted", "ustedes", "perdone", "disculpe", "oiga", "mire", "fíjese", "imagínese", "mirá", "fijate",
    "perdona", "disculpa", "oye", "mira", "sabe", "vio", "viste", "haga", "diga", "pida", "lea", "mande", "pase",
    "ponga", "deje", "espere", "explique", "llame", "cuelgue", "hágame", "dígame", "páseme", "mándeme", "llámeme",
    "explíqueme", "ayúdeme", "hacé", "decime", "pasame", "mandame", "llamame", "explicame", "ayudame", "fijate",
    "dejá", "esperá", "disculpá", "perdoná", "dime", "hagas", "digas", "pidas", "mandes", "pases", "leas",
    "cuelgues",
])
_DETERMINERS = frozenset([
    "el", "la", "los", "las", "un", "una", "unos", "unas", "mi", "mis", "su", "sus", "tu", "tus", "este", "esta",
    "ese", "esa", "del", "al", "de", "en", "con", "por", "para", "otro", "otra", "mucho", "poco", "cada", "ningún",
    "algún", "cualquier", "lo",
])
_OBJECT_CLITICS = frozenset(["lo", "la", "los", "las"])
# What may stand right before a first-person present verb ("no puedo", "ya tengo", "y llevo", "me pido").
_BEFORE_FIRST_PERSON = frozenset([
    "yo", "no", "ya", "me", "te", "se", "le", "lo", "la", "los", "las", "nos", "les", "también", "tampoco", "nunca",
    "siempre", "que", "si", "cuando", "y", "e", "pero", "porque", "aunque", "como", "solo", "sólo", "casi", "ahora",
    "hoy", "todavía", "aún", "mientras", "donde", "pues", "entonces", "ni", "o", "u", "luego", "después", "antes",
    "ahí", "aquí", "acá", "allí", "igual", "normalmente", "usted",
])
# The traits whose cue words (insults, outbursts) are never repeated back to the customer.
FEELINGS = ("CT-DES", "CT-ENF")
# "Y encima..." opens a sentence; joined to the story it would read "... y y encima".
_LEADING_CONJUNCTION = re.compile(r"(?i)^(?:(?:y|e|o|u|ni|pero|mas|que|entonces|encima|además|en fin)[\s,]+)+(?=\w)")
_SUBORDINATE_START = re.compile(r"(?i)\s*(?:y |e |pero )?(?:como|que|porque|aunque|si|cuando)\b")
_KNOW_WHAT = frozenset([
    "que", "qué", "si", "como", "cómo", "donde", "dónde", "cual", "cuál", "cuando", "cuándo", "nada", "por", "para",
])
_COMPANY_SIDE = re.compile(r"(?i)(?<!\w)(?:su|sus|de su|en su) (?:lado|parte|firewall|red|servidor(?:es)?|sistemas?|dhcp|dns|"
                           r"servicio|empresa|t[ée]cnicos?|plataforma|p[áa]gina|web|central|oficina|tienda|compa[ñn][íi]a)(?!\w)")
_COURTESY_TAIL = re.compile(r"(?i),?\s*(?:muchas )?gracias(?: por su atenci[óo]n| de antemano| por todo)?\W*$")
_PAST = re.compile(r"(?<!\w)(?:ayer|anoche|anteayer|antier|ya|desde que|cuando|hace \w+|el (?:lunes|martes|miércoles|"
                   r"jueves|viernes|sábado|domingo)|la semana pasada|el mes pasado|el otro día)(?!\w)")
_SPACES = re.compile(r"\s{2,}")
_LETTERS = re.compile(r"[^\W\d_]+")  # words made of letters
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-ZÁÉÍÓÚÜÑ]")
MAX_SENTENCES = 3
MAX_WORDS = 45


def _tidy(part: str) -> str:
    """A sentence or clause without its openers, vocatives and leading conjunction ("Y encima...", "que la...")."""
    part = _COURTESY_TAIL.sub("", _FILLERS.sub("", part.strip()))
    return _LEADING_CONJUNCTION.sub("", part.strip(" \t,;:-–—¿?¡!.…\"'«»()"))


def _sentences(redacted: str) -> list[str]:
    out = []
    for part in _SENTENCE_END.split(redacted):
        if part.rstrip().endswith("?"):
            continue  # a question to the technician is not the story
        if part.rstrip().endswith(("...", "…")) and "," in part:
            part = part[:part.rfind(",")]  # trailing off: its last clause is unfinished
            while "," in part and _SUBORDINATE_START.match(part[part.rfind(",") + 1:]):
                part = part[:part.rfind(",")]
        part = _tidy(part)
        if part:
            out.append(part)
    return out


def _addressed_to_technician(words: list[str]) -> bool:
    joined = " ".join(words)
    if "por favor" in joined.lower() or _COMPANY_SIDE.search(joined):
        return True  # a request to the technician, or "su firewall" meaning the company's: not the story
    for word in words:
        low = word.lower()
        if low in _ADDRESSED:
            return True
        verb = morph.analyse(low)
        if verb is not None and verb.person == morph.SECOND or morph.is_imperative_with_me(low):
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
        if low == "se" and prev == "no" and nxt in _KNOW_WHAT:
            out[i] = _cased(tokens[i], "sabe")  # "no se que paso": "sé" typed without its accent
            continue
        if low in _OTHER_SWAPS:
            out[i] = _cased(tokens[i], _OTHER_SWAPS[low])
            continue
        if low in ("me", "nos"):
            verb_after = _next_verb(tokens, words, position)
            own_verb = verb_after is not None and verb_after.person in (morph.FIRST_SINGULAR, morph.FIRST_PLURAL)
            if nxt in ("lo", "la", "los", "las") or own_verb or _own_pronominal(tokens, words, position):
                # "me lo arreglan" → "se lo arreglan"; "me acordé" → "se acordó"; "que no me enfade" → "se enfade"
                out[i] = _cased(tokens[i], "se")
            else:
                out[i] = _cased(tokens[i], "le" if low == "me" else "les")
            continue
        verb = morph.analyse(low)
        if prev in _DETERMINERS and (prev not in _OBJECT_CLITICS or verb is None):
            continue  # "mi trabajo", "el uso", "la tarde": a noun ("la cuido", "lo uso": a clitic and a verb)
        if (verb is not None and low.endswith("o") and morph.lemma(low) == low and prev
                and prev not in _BEFORE_FIRST_PERSON and tokens[i - 1] == " "):
            # "el certificado intermedio": right after a noun, an -o word that the lexicon does not take for a
            # verb is an adjective, not "yo" speaking ("uso", "trabajo" after "no", "ya", a comma... still are)
            verb = None
        if verb is None and prev in ("ya", "le", "les", "yo") and _unaccented_first(low):
            return None  # "ya cambie", "le aprete": a first person typed without its accent; not restated
        if verb is not None and verb.person in (morph.FIRST_SINGULAR, morph.FIRST_PLURAL):
            if verb.third is None:
                return None
            third = verb.third
            if low.endswith("amos") and third.endswith("an") and _PAST.search(sentence.lower()):
                third = third[:-2] + "aron"  # "cambiamos" after "desde que" / "ayer": the preterite
            out[i] = _cased(tokens[i], third)
            customer_verb = True
            continue
        if low.endswith(("me", "nos")) and len(low) > 5:
            enclitic = morph.third_person_enclitic(low, reflexive=customer_verb)
            if enclitic is not None:
                out[i] = _cased(tokens[i], enclitic)
    return "".join(out)


def _unaccented_first(word: str) -> bool:
    """ "cambie" for "cambié", "prendi" for "prendí": the accented form would be a first-person preterite."""
    if len(word) < 4 or word[-1] not in "ei":
        return False
    accented = morph.analyse(word[:-1] + ("é" if word[-1] == "e" else "í"))
    return accented is not None and accented.person == morph.FIRST_SINGULAR


def feeling_quotes(scores: Mapping[str, TraitScore]) -> list[str]:
    """The quotes of the CT-DES and CT-ENF cues (insults, outbursts) that the paraphrase never repeats; a cue that
    is itself the problem ("otra vez se cayó el sistema") stays part of the story."""
    return [quote for trait in FEELINGS for quote in scores[trait].evidence if quote not in scores[trait].story]


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


def _own_pronominal(tokens: list[str], words: list[int], position: int) -> bool:
    """ "que no me enfade": a pronominal verb in a form that does not tell the person is the customer's own."""
    for j in words[position + 1:position + 3]:
        low = tokens[j].lower()
        if low in ("lo", "la", "los", "las", "no"):
            continue
        base = morph.lemma(low)
        if base not in morph.PRONOMINAL:
            return False
        # subjunctive (enfade, estresara, pusiera): the same form for yo and usted
        endings = ("e", "ara", "ase") if base.endswith("ar") else ("a", "iera", "iese", "yera")
        return low.endswith(endings)
    return False


def _cased(original: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


def _lower_first(sentence: str) -> str:
    first = sentence.split(" ", 1)[0]
    word = first.strip(",;:")
    if word in _PROPER or len(word) > 1 and word[1:2].isupper() or not morph.known(word.lower()):
        return sentence
    return sentence[:1].lower() + sentence[1:]


_CLAUSE = re.compile(r"(?<!\d)[,;]\s*|[,;](?!\d)\s*")


# A digression inside a sentence ("Como le decía a su compañera, que por cierto era un encanto, ..."): the
# clause that holds it is not part of the story.
_DIGRESSION = re.compile(r"(?<!\w)(?:por cierto|a proposito|como (?:le|te) decia|(?:le|te) decia a|hablando de)(?!\w)")


def _restate(sentence: str, avoid: list[str]) -> str | None:
    """One sentence or clause of the story in the third person, or None when it must not be repeated."""
    lowered = sentence.lower()
    if any(quote in lowered for quote in avoid):
        return None  # an insult or an outburst is not part of the story to repeat back
    if _DIGRESSION.search(fold_pattern(lowered)):
        return None
    sentence = _tidy(_SPACES.sub(" ", _EXPLETIVES.sub("", sentence)))
    if len(_UPPER.findall(sentence)) > 0.6 * len(_LETTER.findall(sentence)):
        sentence = sentence.lower()  # typed in capitals: the paraphrase is said in a normal voice
    words = _LETTERS.findall(sentence)
    # Lower case without accents is enough for this test (fold() also maps positions, not needed here).
    if len(words) < 3 or not _PROBLEM.search(fold_pattern(sentence.lower())) or _addressed_to_technician(words):
        return None
    restated = _third_person(sentence)
    if restated is None:
        return None
    restated = _lower_first(restated)
    return None if problems(restated, paraphrase=True, quick=True) else restated


def _said_well(story: str) -> bool:
    """The technician says it: it must pass the technician's own checks ("a su edad ya no entiende" is DN-5).
    At the advanced level DN-2 flags only slang and chat spelling ("porfa", "q"), never the customer's terms."""
    folded = fold(story)  # once, for the guard's insult pass and the technician's checks
    if problems(story, paraphrase=True, folded=folded.text):
        return False
    return not said_faults(folded)


def _story(redacted_texts: list[str], avoid: list[str]) -> list[str]:
    chosen: list[str] = []
    words_so_far = 0
    for text in redacted_texts:
        for sentence in _sentences(text):
            if not _PROBLEM.search(fold_pattern(sentence.lower())):
                continue  # nothing of the story in it, nor in any of its clauses
            whole = _restate(sentence, avoid)
            # A sentence that cannot be restated whole may still hold a clause of the story.
            parts = [whole] if whole else [_restate(c, avoid) for c in _CLAUSE.split(sentence)]
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


def _said_well_parts(clauses: list[str]) -> list[str]:
    """The clauses that pass the technician's checks, a failing one replaced by its own clauses that pass."""
    kept: list[str] = []
    for clause in clauses:
        if _said_well(clause):
            kept.append(clause)
            continue
        parts = (_tidy(part) for part in _CLAUSE.split(clause))
        kept.extend(part for part in parts if len(part.split()) >= 3 and _said_well(part))
    return kept[:MAX_SENTENCES]


def _join(clauses: list[str]) -> str:
    if len(clauses) == 1:
        return clauses[0]
    last = clauses[-1]
    return ", ".join(clauses[:-1]) + f" {conjunction(last.split(' ', 1)[0])} " + last


def paraphrase(texts: list[str], language: str = "es", *, redacted: list[str] | None = None,
               avoid: list[str] | None = None) -> str | None:
    """The paraphrase of the customer's story (AL-4), or None when the words hold no story to restate.

    ``redacted`` (the texts already redacted) and ``avoid`` (the quotes of the
    CT-DES and CT-ENF cues found in them) spare the work when the caller has
    analysed the texts already, as ``analyze`` has.
    """
    if redacted is None:
        redacted = [redact(text).text for text in texts]
    if avoid is None:
        from atiende.language.traits import score_traits

        avoid = [quote for text in redacted for quote in feeling_quotes(score_traits(fold(text)))]
    clauses = _story(redacted, [quote.lower() for quote in avoid if any(c.isalpha() for c in quote)])
    if clauses and not _said_well(_join(clauses)):
        # The full check once on the story (most stories pass it, and are not checked again); clause by clause
        # only if it fails, then the last clause dropped until the story reads well and passes the checks.
        clauses = _said_well_parts(clauses)
        while clauses and not _said_well(_join(clauses)):
            clauses.pop()
    if not clauses:
        return None
    key = "en" if language.startswith("en") else "es"
    return f"{OPENING[key]} {_join(clauses)}. {CLOSING[key]}"

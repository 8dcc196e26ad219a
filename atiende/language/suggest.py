"""Suggestions while listening (PRACTICES AL-2, AL-4, AL-5) and strategy cards (CT-*)."""

from __future__ import annotations

import re

from atiende.language.lexicon import SUGGEST, TRAIT_IDS
from atiende.language.model import StrategyCard
from atiende.language.redact import redact
from atiende.language.text import combine, fold, fold_pattern

PARAPHRASE_OPENING = "Déjeme ver si comprendo lo que me comentó:"
PARAPHRASE_OPENING_EN = "Let me see if I understand what you told me:"

_SWAPS = {a: b for a, b in SUGGEST["paraphrase"]["swaps"]}
_SWAPS_FOLDED = {fold_pattern(a): b for a, b in SUGGEST["paraphrase"]["swaps"]}
_PROBLEM = combine([SUGGEST["paraphrase"]["problem"]])
_SENTENCES = re.compile(r"[^.!?\n]+")
_GREETING = re.compile(
    r"(?i)^\s*(?:hola|buen(?:os|as)? (?:d[íi]as?|tardes|noches)|buen d[íi]a|qu[ée] tal|al[óo]|bueno|mire|oiga|"
    r"disculpe|perd[óo]n|se[ñn]orita|joven|buenas)[\s,:;!¡]*", re.UNICODE)
_TOKEN = re.compile(r"\w+|\W+")
_CATEGORIES = [(name, combine([spec["re"]]), spec) for name, spec in SUGGEST["category"].items()]
_ANSWERED = (
    combine([r"(windows|win) ?(xp|vista|\d+(\.\d+)?)|mac ?os|macos|android \d+|ios \d+|ubuntu|linux|chromebook"]),
    combine([r"desde (ayer|anoche|hoy|hace|el|la|que|esta|este|antier|anteayer)|hace (\w+ )?(dias|horas|semanas|rato|un rato)"]),
    combine([r"(mensaje|error|aviso|cartel)( que)? (dice|pone|decia|ponia)|codigo de error|error \w*\d"]),
    combine([r"(actualice|actualizo|instale|instalo|cambie|cambio|movi|compre|conecte) "]),
)


def strategy(trait_id: str, language: str = "es") -> StrategyCard:
    """The do / avoid card for a customer trait (CT-*), in Spanish or English."""
    if trait_id not in TRAIT_IDS:
        raise KeyError(trait_id)
    card = SUGGEST["strategy"][trait_id]["en" if language.startswith("en") else "es"]
    return StrategyCard(list(card["do"]), list(card["avoid"]))


def acknowledgements(language: str = "es") -> list[str]:
    """Short listening signals (AL-2)."""
    return list(SUGGEST["acknowledgements"]["en" if language.startswith("en") else "es"])


def _third_person(sentence: str) -> str:
    out: list[str] = []
    for token in _TOKEN.findall(sentence):
        low = token.lower()
        swap = _SWAPS.get(low) or _SWAPS_FOLDED.get(fold(low).text)
        out.append(swap if swap and token[:1].isalpha() else token)
    return "".join(out)


def suggest_paraphrase(customer_texts: list[str], language: str = "es") -> str:
    """A draft paraphrase of the customer's story (AL-4), in the third person, without secrets."""
    sentences: list[str] = []
    for text in customer_texts:
        for m in _SENTENCES.finditer(redact(text).text):
            sentence = _GREETING.sub("", m.group(0)).strip(" ,;:¿¡")
            if len(sentence.split()) >= 2:
                sentences.append(sentence)
    chosen = [s for s in sentences if _PROBLEM.search(fold(s).text)][:3] or sentences[:1]
    restated = ", y ".join(_third_person(s) for s in chosen)
    restated = restated[:1].lower() + restated[1:] if restated[:2].istitle() or restated[:1].isupper() else restated
    opening = PARAPHRASE_OPENING_EN if language.startswith("en") else PARAPHRASE_OPENING
    closing = "Is that right?" if language.startswith("en") else "¿Es así?"
    if not restated:
        return f"{opening} … {closing}"
    return f"{opening} {restated}. {closing}"


def problem_categories(texts: list[str]) -> list[str]:
    folded = fold(" ".join(texts)).text
    hits = []
    for name, regex, _spec in _CATEGORIES:
        count = len(regex.findall(folded))
        if count:
            hits.append((count, name))
    return [name for _count, name in sorted(hits, key=lambda h: -h[0])]


def closed_questions(texts: list[str], language: str = "es") -> list[str]:
    """Closed questions with a clear aim for the detected problem (AL-5), skipping what was already said."""
    folded = fold(" ".join(texts)).text
    key = "en" if language.startswith("en") else "es"
    questions: list[str] = []
    specs = {name: spec for name, _regex, spec in _CATEGORIES}
    for name in problem_categories(texts)[:2]:
        questions.extend(specs[name][key])
    generic = SUGGEST["questions"][f"generic_{key}"]
    for question, answered in zip(generic, _ANSWERED, strict=True):
        if not answered.search(folded):
            questions.append(question)
    return questions

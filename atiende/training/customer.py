"""The simulated customer: a state that moves with what the trainee does, and what they say back.

The state (mood, patience, understanding, trust, focus, what has been revealed) starts from the type's
behaviour; every trainee turn moves it by the effects of the turn's moves (``data/types/*.toml``), and
the reply is chosen from the state and the turn, in this order: the story is told first (AL-1: a
question before it is over makes the customer ask to finish); a hostile turn makes an angry or rude
customer escalate; a customer out of patience hangs up; the trainee's farewell ends the call; jargon
leaves a novice lost (DN-2); obvious checks annoy a knowledgeable customer, who asks for level 2
(CT-ENT); then holds and transfers asked for, the solution when proposed, the answers to the questions
(each fact only for a question that aims at it, and only when the gates of mood, understanding and
focus let the customer cooperate), the paraphrase confirmed or corrected (AL-4), and a line that fits
the mood when nothing else was asked. Randomness only picks among equivalent lines, from a seed.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from atiende.quality import signals
from atiende.training.reading import Reading
from atiende.training.scenario import STATE_KEYS, Behaviour, Scenario

HOSTILE = ("calm_down", "DN-1", "DN-3", "DN-4", "DN-5", "DN-7", "NT-7")
_MOOD_LABELS = ((-0.6, "furioso", "furious"), (-0.2, "molesto", "upset"), (0.2, "neutral", "neutral"),
                (0.6, "tranquilo", "calm"), (9.0, "satisfecho", "pleased"))
_UNDERSTANDING_LABELS = ((0.35, "perdido", "lost"), (0.6, "confundido", "confused"), (9.0, "entiende", "follows"))
_FOCUS_LABELS = ((0.5, "disperso", "digressing"), (9.0, "centrado", "focused"))


def _label(value: float, table: tuple[tuple[float, str, str], ...], language: str) -> str:
    english = language.startswith("en")
    for limit, es, en in table:
        if value < limit:
            return en if english else es
    return table[-1][2] if english else table[-1][1]


@dataclass(slots=True)
class CustomerState:
    mood: float
    patience: float
    understanding: float
    trust: float
    focus: float
    start_mood: float = 0.0
    start_understanding: float = 0.0
    revealed: list[str] = field(default_factory=list)
    story_told: int = 0
    level2_requested: bool = False
    hold_consent: bool | None = None  # the customer's answer to the last request for a hold
    transfer_consent: bool | None = None
    calmed: bool = False  # said, once, that they feel heard
    resolved: bool = False
    hung_up: bool = False
    resumed_late: bool = False  # back from a hold that ran over what was announced (HO-5)

    @classmethod
    def starting(cls, behaviour: Behaviour) -> CustomerState:
        start = behaviour.start
        return cls(start["mood"], start["patience"], start["understanding"], start["trust"], start["focus"],
                   start_mood=start["mood"], start_understanding=start["understanding"])

    def apply(self, deltas: dict[str, float]) -> None:
        for key, delta in deltas.items():
            low = -1.0 if key == "mood" else 0.0
            setattr(self, key, max(low, min(1.0, getattr(self, key) + delta)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CustomerState:
        return cls(**data)

    def public(self, scenario: Scenario, language: str = "es") -> dict[str, Any]:
        """What the trainee is shown at the end (the ``customer_state`` of the JSON)."""
        required = set(scenario.solution.requires)
        return {
            "mood": round(self.mood, 2), "mood_label": _label(self.mood, _MOOD_LABELS, language),
            "mood_at_start": round(self.start_mood, 2),
            "understanding": round(self.understanding, 2),
            "understanding_label": _label(self.understanding, _UNDERSTANDING_LABELS, language),
            "patience": round(self.patience, 2), "trust": round(self.trust, 2), "focus": round(self.focus, 2),
            "focus_label": _label(self.focus, _FOCUS_LABELS, language),
            "revealed": list(self.revealed), "hidden_truth_found": required <= set(self.revealed),
            "level2_requested": self.level2_requested, "resolved": self.resolved, "hung_up": self.hung_up,
        }


@dataclass(slots=True)
class Reply:
    lines: list[str] = field(default_factory=list)
    ends_call: bool = False  # the customer said goodbye or hung up


class Customer:
    """One scenario's customer; ``respond`` moves the state and returns what they say."""

    def __init__(self, scenario: Scenario, behaviour: Behaviour, seed: int) -> None:
        self.scenario = scenario
        self.behaviour = behaviour
        self.seed = seed
        self.gates = behaviour.gates
        self.said: set[str] = set()  # lines already said in this call: a line is not repeated while others remain

    # ---- lines --------------------------------------------------------------------------
    def line(self, key: str, turn: int, **values: str) -> str:
        own = self.scenario.lines.get(key)
        options = (own,) if own else self.behaviour.lines.get(key, ())
        if not options:
            return ""
        fresh = [o for o in options if o.format(name=self.scenario.customer, **values) not in self.said]
        chosen = random.Random(f"{self.seed}:{turn}:{key}").choice(fresh or list(options))
        return chosen.format(name=self.scenario.customer, **values)

    def _chance(self, turn: int, key: str) -> float:
        return random.Random(f"{self.seed}:{turn}:{key}:chance").random()

    # ---- the first words ----------------------------------------------------------------
    def answer_greeting(self, state: CustomerState, reading: Reading, turn: int) -> Reply:
        self._apply_effects(state, reading)
        reply = Reply()
        if "greeting" not in reading.moves:
            reply.lines.append(self.line("no_greeting", turn))
        if "name_request" in reading.moves:
            reply.lines.append(self.line("give_name", turn))
        reply.lines.append(self.scenario.story[0])
        state.story_told = 1
        return reply

    # ---- every later turn -----------------------------------------------------------------
    def respond(self, state: CustomerState, reading: Reading, turn: int) -> Reply:
        reply = Reply()
        mood_before = state.mood
        story_left = state.story_told < len(self.scenario.story)
        interrupting = story_left and bool(reading.questions or reading.has(
            "instruction", "hold_talk", "transfer_talk", "farewell", *HOSTILE))
        self._apply_effects(state, reading, interrupting=interrupting)
        if story_left:
            if interrupting:
                reply.lines.append(self.line("let_me_finish", turn))
            reply.lines.append(self.scenario.story[state.story_told])
            state.story_told += 1
            self._jab(state, reply, turn)
            return self._out_of_patience(state, reply, turn)
        if state.resumed_late:
            state.resumed_late = False
            if not reading.has("empathy"):
                state.apply({"mood": -0.2, "patience": -0.1})
                reply.lines.append(self.line("resumed_late", turn))

        hostile = [m for m in HOSTILE if m in reading.moves]
        if hostile:
            reply.lines.append(self.line("escalate" if self.behaviour.lines.get("escalate") else "hurt", turn))
        if self._out_of_patience(state, reply, turn).ends_call:
            return reply
        if "farewell" in reading.moves:
            if reading.has("satisfaction_check", "summary") and state.resolved:
                reply.lines.append(self.line("satisfied", turn))
            reply.lines.append(self.line("farewell_happy" if state.resolved else "farewell_unhappy", turn))
            reply.ends_call = True
            return reply
        if reading.jargon and (self.behaviour.type == "inexperto"
                               or state.understanding < self.gates["answer_understanding"]):
            reply.lines.append(self.line("lost", turn, term=reading.jargon[0]))
            return reply
        if "basic_check" in reading.moves and self.behaviour.lines.get("basic_annoyed"):
            reply.lines.append(self.line("basic_annoyed", turn))
            if self.behaviour.type == "entendido":
                # CT-ENT: refuses level one's checklist and asks for level 2 instead of answering.
                state.level2_requested = True
                return reply
        if state.level2_requested and "refuse_level2" in reading.moves:
            state.apply({"mood": -0.3, "patience": -0.2})
            reply.lines.append(self.line("level2_again", turn) or self.line("grudging", turn))
            return self._out_of_patience(state, reply, turn)

        if reading.has("hold_talk") and reading.has("permission"):
            self._hold_request(state, reply, turn)
        elif reading.has("transfer_talk", "level2_offer") and (reading.has("permission") or reading.questions
                                                                or "¿" in reading.text):
            self._transfer_request(state, reading, reply, turn)
        elif self.scenario.solution.proposed_in(reading.proposal):
            self._solution(state, reading, reply, turn)
        else:
            self._questions(state, reading, reply, turn)
        if "paraphrase" in reading.moves and not state.resolved:
            heard = any(k in reading.folded for k in self.scenario.keywords)
            reply.lines.insert(0, self.line("paraphrase_yes", turn) if heard
                               else self.line("paraphrase_no", turn, summary=self.scenario.summary))
        if not state.calmed and mood_before < self.gates["answer_mood"] <= state.mood \
                and self.behaviour.lines.get("calmer"):
            state.calmed = True
            reply.lines.insert(0, self.line("calmer", turn))
        if "social_question" in reading.moves and self.behaviour.lines.get("social_reply"):
            reply.lines.append(self.line("social_reply", turn))
        if not reply.lines:
            reply.lines.append(self._filler(state, reading, turn))
        self._jab(state, reply, turn)
        return self._out_of_patience(state, reply, turn)

    # ---- pieces ---------------------------------------------------------------------------
    def _apply_effects(self, state: CustomerState, reading: Reading, *, interrupting: bool = False) -> None:
        moves = set(reading.moves)
        if interrupting:
            moves.add("interrupt")
        if reading.has("hold_talk") and reading.has("permission"):
            moves.add("hold_request")
        if reading.has("transfer_talk"):
            moves.add("transfer_request")
        total: dict[str, float] = {key: 0.0 for key in STATE_KEYS}
        for move in moves:
            for key, delta in self.behaviour.effects.get(move, {}).items():
                total[key] += delta
        total["patience"] -= float(self.gates["per_turn_patience"])
        state.apply(total)

    def _out_of_patience(self, state: CustomerState, reply: Reply, turn: int) -> Reply:
        if state.patience <= 0.0 and not state.hung_up:
            state.hung_up = True
            reply.lines.append(self.line("hangup", turn))
            reply.ends_call = True
        return reply

    def _hold_request(self, state: CustomerState, reply: Reply, turn: int) -> None:
        state.hold_consent = state.mood >= self.gates["hold_mood"]
        reply.lines.append(self.line("hold_yes" if state.hold_consent else "hold_no", turn))

    def _transfer_request(self, state: CustomerState, reading: Reading, reply: Reply, turn: int) -> None:
        explained = bool(signals.TRANSFER_PURPOSE.search(reading.folded)) or "level2_offer" in reading.moves
        if not explained:
            state.transfer_consent = None
            reply.lines.append(self.line("transfer_unasked", turn))
            return
        state.transfer_consent = state.level2_requested or state.mood >= self.gates["transfer_mood"]
        reply.lines.append(self.line("transfer_yes" if state.transfer_consent else "transfer_no", turn))

    def _can_follow(self, state: CustomerState, reading: Reading) -> bool:
        return state.understanding >= self.gates["answer_understanding"] and not (
            reading.jargon and self.behaviour.type == "inexperto")

    def _solution(self, state: CustomerState, reading: Reading, reply: Reply, turn: int) -> None:
        solution = self.scenario.solution
        if not self._can_follow(state, reading):
            reply.lines.append(self.line("cannot_follow", turn))
        elif set(solution.requires) <= set(state.revealed):
            state.resolved = True
            state.apply({"mood": 0.4, "trust": 0.3, "patience": 0.2, "focus": 0.3})
            reply.lines.append(self.scenario.lines.get("solved") or solution.done)
        elif not state.revealed:
            state.apply({"patience": -0.1, "trust": -0.1})
            reply.lines.append(self.line("solution_early", turn))
        else:
            state.apply({"patience": -0.1})
            reply.lines.append(self.line("solution_wrong", turn))

    def _questions(self, state: CustomerState, reading: Reading, reply: Reply, turn: int) -> None:
        if not reading.questions:
            return
        if state.mood < self.gates["answer_mood"]:
            reply.lines.append(self.line("grudging", turn))
            return
        if state.understanding < self.gates["answer_understanding"]:
            reply.lines.append(self.line("cannot_follow", turn))
            return
        unknown = deflected = False
        for question in reading.questions:
            facts = [f for f in self.scenario.facts if f.id not in state.revealed and f.asked_by(question.text)]
            if not question.closed and (self.gates["closed_questions_only"]
                                        or state.focus < self.gates["answer_focus"]):
                deflected = True
                continue
            if not facts:
                unknown = unknown or not any(f.asked_by(question.text) for f in self.scenario.facts)
                continue
            for fact in facts:
                state.revealed.append(fact.id)
                state.apply({"patience": float(self.gates["progress_patience"])})
                reply.lines.append(self.scenario.answer(fact))
        if deflected and not reply.lines:
            reply.lines.append(self.line("deflect_open", turn))
        elif unknown and not reply.lines:
            reply.lines.append(self.line("unknown", turn))
        if reply.lines and state.focus < 0.5 and self.behaviour.lines.get("digress"):
            reply.lines.append(self.line("digress", turn))

    def _filler(self, state: CustomerState, reading: Reading, turn: int) -> str:
        if state.resolved:
            return self.line("satisfied" if reading.has("satisfaction_check") else "after_solved", turn)
        if state.focus < 0.5 and self.behaviour.lines.get("digress"):
            return self.line("digress", turn)
        if state.mood < -0.3:
            return self.line("filler_bad", turn)
        if state.mood > 0.4:
            return self.line("filler_good", turn)
        return self.line("filler", turn)

    def _jab(self, state: CustomerState, reply: Reply, turn: int) -> None:
        # CT-DES: while still upset, the rude customer throws a jab now and then to test composure.
        if state.mood < 0 and not state.resolved and self.behaviour.insult_chance > self._chance(turn, "insult"):
            reply.lines.append(self.line("insult", turn))

"""A practice call: the trainee's lines in, the customer's lines out, scored at the end.

The call runs on the engine's real contact (``atiende.engine.Contact``): a hold or a transfer the
trainee asks for with a command goes through ``put_on_hold`` and ``request_transfer`` exactly as on a
live call, so a hold without a reason, without the customer's consent or without the minutes is
refused naming HO-2, HO-3 or HO-4, and a transfer without a purpose or consent names TR-2 or TR-3. The
simulated customer gives or refuses that consent when the trainee asks for it; the simulated level-two
technician accepts a transfer whose purpose shows the need (TR-1) and declines the others, and the call
comes back (TR-5).

Time is the call's own, not the trainee's typing speed: each line takes as long as it would take to
say it (2.5 words a second, the scorer's estimate), a hold lasts the minutes announced or those given to
``/retomar``. ``started_at`` is injected by the caller, so a session is deterministic: the same seed and
the same lines give the same customer and the same scorecard.

The whole session is plain data (``to_dict`` / ``from_dict``): the Django side stores it between turns.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from atiende.engine import Contact, ContactState
from atiende.practices import Refusal, rule_text
from atiende.quality import Scorecard, score_transcript, signals
from atiende.quality.transcript import MIN_TURN_SECONDS, WORDS_PER_SECOND, fold
from atiende.training.commands import HELP_EN, HELP_ES, Command, parse_command
from atiende.training.customer import Customer, CustomerState
from atiende.training.reading import name_tokens, read_turn
from atiende.training.scenario import TYPES, Behaviour, Library, Scenario

TRAINEE, LEVEL_TWO = 1, 2
MAX_LINE = 2000
WAIT_SECONDS = 15.0  # the customer's wait in the queue before the trainee answers (PO-2)
_WORD = re.compile(r"\w+")

CHANNELS = ("telefonico", "chat")  # a practice call on the phone, or a practice chat in the console
OUTCOMES = ("resolved", "transferred", "escalated", "hung_up", "unresolved")


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the practice room tells the trainee (not the customer): a refusal, the call's state."""

    code: str
    es: str
    en: str
    rule: str | None = None

    def message(self, language: str = "es") -> str:
        return self.en if language.startswith("en") else self.es

    def to_dict(self, language: str = "es") -> dict[str, Any]:
        return {"code": self.code, "message": self.message(language), "rule": self.rule}

    @classmethod
    def of(cls, refusal: Refusal) -> Notice:
        return cls(refusal.code, refusal.es, refusal.en, refusal.rule)


@dataclass(slots=True)
class Step:
    """What one line of the trainee produced."""

    customer: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    ended: bool = False


@dataclass(slots=True)
class Result:
    scenario: Scenario
    card: Scorecard
    customer_state: dict[str, Any]
    outcome: str
    passed: bool
    pass_mark: int

    def missed(self, language: str = "es") -> list[dict[str, Any]]:
        """The rules missed, each with the catalogue's text (the seeds' explanation) and the coaching."""
        return [{"rule": i.rule, "text": rule_text(i.rule, language), "coaching": i.coaching(language),
                 "evidence": list(i.evidence)} for i in self.card.items if i.status == "missed"]

    def hidden_truth(self) -> list[dict[str, Any]]:
        """The facts to find, whether they were found, and a question that finds each (for after the call)."""
        found = set(self.customer_state.get("revealed", []))
        return [{"id": f.id, "question": f.question, "answer": self.scenario.answer(f), "found": f.id in found}
                for f in self.scenario.facts]

    def as_dict(self, language: str = "es") -> dict[str, Any]:
        """The ``atiende score`` JSON plus the customer's final state and whether the trainee passed."""
        return {**self.card.as_dict(language),
                "customer_state": {**self.customer_state, "outcome": self.outcome},
                "passed": self.passed, "pass_mark": self.pass_mark,
                "scenario": self.scenario.summary_dict(language), "missed": self.missed(language),
                "hidden_truth": self.hidden_truth()}


def choose_scenario(library: Library, customer_type: str, scenario_id: str | None, seed: int) -> Scenario:
    """The scenario asked for, or one of the type's picked by the seed. Refusal (400) names what is wrong."""
    if customer_type not in TYPES:
        raise Refusal("unknown_customer_type", rule=None, status=400,
                      es=f"Tipo de cliente desconocido «{customer_type}»: use {', '.join(TYPES)}.",
                      en=f"Unknown customer type '{customer_type}': use {', '.join(TYPES)}.")
    if scenario_id:
        scenario = library.get(scenario_id)
        if scenario is None:
            raise Refusal("unknown_scenario", rule=None, status=400,
                          es=f"No hay ningún escenario «{scenario_id}».",
                          en=f"There is no scenario '{scenario_id}'.")
        if scenario.type != customer_type:
            raise Refusal("scenario_of_another_type", rule=None, status=400,
                          es=f"El escenario «{scenario_id}» es de un cliente {scenario.type}, no {customer_type}.",
                          en=f"Scenario '{scenario_id}' is a {scenario.type} customer, not {customer_type}.")
        return scenario
    candidates = library.of_type(customer_type)
    if not candidates:
        raise Refusal("no_scenarios", rule=None, status=400, es=f"No hay escenarios de tipo {customer_type}.",
                      en=f"There are no {customer_type} scenarios.")
    return random.Random(f"{seed}:scenario").choice(candidates)


class Session:
    def __init__(self, *, library: Library, scenario: Scenario, seed: int, started_at: datetime,
                 technician: str = "Técnico en prácticas", tier: int = 1, pass_mark: int | None = None,
                 channel: str = "telefonico", data: dict[str, Any] | None = None) -> None:
        if channel not in CHANNELS:
            raise Refusal("invalid_channel", rule=None, status=400,
                          es=f"El canal de práctica debe ser uno de: {', '.join(CHANNELS)}.",
                          en=f"The practice channel must be one of: {', '.join(CHANNELS)}.")
        self.library = library
        self.channel = channel
        self.scenario = scenario
        self.behaviour: Behaviour = library.behaviour(scenario.type)
        self.customer = Customer(scenario, self.behaviour, seed)
        self.seed = seed
        self.started_at = started_at
        self.technician = technician
        self.tier = tier
        self.pass_mark = scenario.pass_mark if pass_mark is None else pass_mark
        self._names = name_tokens(scenario.customer, scenario.address_as)
        if data is None:
            self.state = CustomerState.starting(self.behaviour)
            self.events: list[dict[str, Any]] = [{"t": 0.0, "type": "start", "wait_seconds": WAIT_SECONDS}]
            self.contact = Contact(id="practica", queue="practica", created_at=started_at - timedelta(seconds=WAIT_SECONDS))
            self.contact.answer(now=started_at, technician=TRAINEE)
            self.elapsed = 0.0
            self.turns = 0
            self.hold_minutes: float | None = None
            self.end_reason: str | None = None
        else:
            self.state = CustomerState.from_dict(data["state"])
            self.events = list(data["events"])
            self.contact = Contact.from_dict(data["contact"])
            self.elapsed = float(data["elapsed"])
            self.turns = int(data["turns"])
            self.hold_minutes = data.get("hold_minutes")
            self.end_reason = data.get("end_reason")

    # ---- starting and storing -------------------------------------------------------------
    @classmethod
    def start(cls, library: Library, *, customer_type: str, scenario_id: str | None = None, seed: int = 0,
              started_at: datetime, technician: str = "Técnico en prácticas", tier: int = 1,
              pass_mark: int | None = None, channel: str = "telefonico") -> Session:
        scenario = choose_scenario(library, customer_type, scenario_id, seed)
        return cls(library=library, scenario=scenario, seed=seed, started_at=started_at, technician=technician,
                   tier=tier, pass_mark=pass_mark, channel=channel)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario.id, "seed": self.seed, "started_at": self.started_at.isoformat(),
                "technician": self.technician, "tier": self.tier, "pass_mark": self.pass_mark,
                "state": self.state.to_dict(), "events": self.events, "contact": self.contact.to_dict(),
                "elapsed": self.elapsed, "turns": self.turns, "hold_minutes": self.hold_minutes,
                "end_reason": self.end_reason, "channel": self.channel}

    @classmethod
    def from_dict(cls, library: Library, data: dict[str, Any]) -> Session:
        scenario = library.get(data["scenario"])
        if scenario is None:
            raise Refusal("unknown_scenario", rule=None, status=409,
                          es=f"El escenario «{data['scenario']}» ya no existe.",
                          en=f"Scenario '{data['scenario']}' no longer exists.")
        return cls(library=library, scenario=scenario, seed=int(data["seed"]),
                   started_at=datetime.fromisoformat(data["started_at"]), technician=data["technician"],
                   tier=int(data["tier"]), pass_mark=int(data["pass_mark"]),
                   channel=str(data.get("channel") or "telefonico"), data=data)

    # ---- reading ---------------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        return self.end_reason is not None

    @property
    def on_hold(self) -> bool:
        return self.contact.state is ContactState.ON_HOLD

    def now(self) -> datetime:
        return self.started_at + timedelta(seconds=self.elapsed)

    def opening(self) -> Notice:
        """The scene, shown before the trainee's first line (caller ID, as a console would)."""
        who = self.scenario.customer + (f" ({self.scenario.address_as})" if self.scenario.address_as else "")
        if self.channel == "chat":
            return Notice(
                "incoming_chat",
                f"Chat entrante de {who}. {self.behaviour.label('es')}: «{self.scenario.title('es')}» "
                f"({self.scenario.id}). Escriba usted primero. /ayuda muestra las órdenes.",
                f"Incoming chat from {who}. {self.behaviour.label('en')}: '{self.scenario.title('en')}' "
                f"({self.scenario.id}). You write first. /help lists the commands.",
            )
        return Notice(
            "incoming_call",
            f"Llamada entrante de {who}. {self.behaviour.label('es')}: «{self.scenario.title('es')}» "
            f"({self.scenario.id}). Conteste usted primero. /ayuda muestra las órdenes.",
            f"Incoming call from {who}. {self.behaviour.label('en')}: '{self.scenario.title('en')}' "
            f"({self.scenario.id}). You speak first. /help lists the commands.",
        )

    def lines(self) -> list[dict[str, Any]]:
        """What was said so far, as the transcript has it."""
        return [e for e in self.events if "speaker" in e]

    def transcript(self) -> dict[str, Any]:
        """The session in the SPEC transcript format, ready for ``atiende score``."""
        customer: dict[str, Any] = {"name": self.scenario.customer}
        if self.scenario.address_as:
            customer["address_as"] = self.scenario.address_as
        return {"channel": self.channel, "customer": customer,
                "technician": {"name": self.technician, "tier": self.tier}, "events": list(self.events)}

    def outcome(self) -> str:
        if self.state.hung_up:
            return "hung_up"
        if self.state.resolved:
            return "resolved"
        if self.end_reason in ("transferred", "escalated"):
            return str(self.end_reason)
        return "unresolved"

    def result(self, language: str = "es") -> Result:
        """The scorecard of the call so far (of the whole call once it has ended) and the verdict.

        Passed: the call ended, the customer's need was met (solved, or passed to the level two they asked
        for) and the scorecard reaches the pass mark."""
        card = score_transcript(self.transcript())
        outcome = self.outcome()
        need_met = outcome == "resolved" or (outcome == "transferred" and self.state.level2_requested)
        return Result(self.scenario, card, self.state.public(self.scenario, language), outcome,
                      self.ended and need_met and card.score >= self.pass_mark, self.pass_mark)

    # ---- the trainee's lines -----------------------------------------------------------------
    def say(self, line: str) -> Step:
        """One line of the trainee: something said, a command, or nothing (which ends the call)."""
        if self.ended:
            raise Refusal("session_ended", rule=None, status=409, es="La llamada de práctica ya terminó.",
                          en="The practice call has already ended.")
        if len(line) > MAX_LINE:
            raise Refusal("line_too_long", rule="NT-1", status=400,
                          es=f"Una intervención no puede pasar de {MAX_LINE} caracteres.",
                          en=f"A turn cannot be longer than {MAX_LINE} characters.")
        step = Step()
        if not line.strip():
            self._finish("trainee_ended", step)
            return step
        try:
            command = parse_command(line)
        except Refusal as refusal:
            step.notices.append(Notice.of(refusal))
            return step
        if command is not None:
            self._command(command, step)
            return step
        if self.on_hold:
            self._resume(None, step)
        self.turns += 1
        self._speak("tecnico", line.strip())
        reading = read_turn(line, names=self._names, level=self.behaviour.level, channel=self.channel)
        self.customer.said = {e["text"] for e in self.events if e.get("speaker") == "cliente"}
        reply = (self.customer.answer_greeting(self.state, reading, self.turns) if self.turns == 1
                 else self.customer.respond(self.state, reading, self.turns))
        self._customer_says(reply.lines, step)
        if reply.ends_call:
            self._finish("hung_up" if self.state.hung_up else "closing", step)
        elif self.turns >= int(self.behaviour.gates["max_turns"]):
            step.notices.append(Notice("max_turns", "La llamada de práctica ha llegado al máximo de intervenciones.",
                                       "The practice call reached its maximum number of turns."))
            self._finish("max_turns", step)
        return step

    def end(self) -> Step:
        """The trainee's side is over (an empty line, the end of input)."""
        step = Step()
        if not self.ended:
            self._finish("trainee_ended", step)
        return step

    # ---- commands ----------------------------------------------------------------------------
    def _command(self, command: Command, step: Step) -> None:
        handlers = {"hold": self._hold, "resume": self._resume_command, "transfer": self._transfer,
                    "escalate": self._escalate}
        if command.name == "help":
            step.notices.append(Notice("help", HELP_ES, HELP_EN))
        elif command.name == "hang_up":
            self._finish("trainee_ended", step)
        else:
            try:
                handlers[command.name](command, step)
            except Refusal as refusal:
                step.notices.append(Notice.of(refusal))

    def _hold(self, command: Command, step: Step) -> None:
        consent = self.state.hold_consent is True
        try:
            self.contact.put_on_hold(reason=command.text, customer_consent=consent,
                                     expected_minutes=command.minutes, now=self.now(), by=TRAINEE)
        except Refusal as refusal:
            if refusal.rule == "HO-3" and self.state.hold_consent is None:
                self.state.apply({"mood": -0.15, "trust": -0.1})
                self._customer_says([self.customer.line("hold_unasked", self.turns)], step)
            raise
        minutes = float(command.minutes or 0)
        self.events.append({"t": round(self.elapsed, 1), "type": "hold", "reason": command.text.strip(),
                            "customer_consent": True, "expected_minutes": minutes})
        self.state.hold_consent = None
        self.hold_minutes = minutes
        step.notices.append(Notice("on_hold", f"Llamada en espera ({minutes:g} min). /retomar para volver.",
                                   f"Call on hold ({minutes:g} min). /resume to go back.", "HO-4"))

    def _resume_command(self, command: Command, step: Step) -> None:
        self._resume(command.minutes, step)

    def _resume(self, minutes: float | None, step: Step) -> None:
        announced = self.hold_minutes or 0.0
        held = announced if minutes is None else max(0.0, minutes)
        self.elapsed += held * 60
        self.contact.resume(now=self.now(), by=TRAINEE)
        self.events.append({"t": round(self.elapsed, 1), "type": "resume"})
        self.hold_minutes = None
        self.state.apply({"patience": -0.03 * held})
        if held > announced:
            self.state.resumed_late = True  # HO-5: the customer waited longer than they were told
        step.notices.append(Notice("resumed", f"Vuelve con el cliente tras {held:g} min.",
                                   f"Back with the customer after {held:g} min.",
                                   "HO-5" if held > announced else "HO-6"))

    def _transfer(self, command: Command, step: Step) -> None:
        consent = self.state.transfer_consent is True
        try:
            self.contact.request_transfer(purpose=command.text, customer_consent=consent, now=self.now(),
                                          to_queue=command.target, by=TRAINEE)
        except Refusal as refusal:
            if refusal.rule == "TR-3" and self.state.transfer_consent is None:
                self._customer_says([self.customer.line("transfer_unasked", self.turns)], step)
            raise
        self.events.append({"t": round(self.elapsed, 1), "type": "transfer_request", "to": command.target,
                            "purpose": command.text.strip(), "customer_consent": True})
        self.state.transfer_consent = None
        self.elapsed += 10
        # The receiving technician consents only to a transfer that is needed (TR-1, TR-4, PO-4).
        if self.state.level2_requested or signals.NECESSARY_PURPOSE.search(fold(command.text)):
            self.contact.accept_transfer(by=LEVEL_TWO, now=self.now())
            self.events.append({"t": round(self.elapsed, 1), "type": "transfer_accepted", "to": command.target})
            step.notices.append(Notice("transfer_accepted", f"{command.target} acepta la transferencia.",
                                       f"{command.target} accepts the transfer.", "TR-4"))
            self._finish("transferred", step)
            return
        self.contact.decline_transfer(by=LEVEL_TWO, now=self.now())
        self.events.append({"t": round(self.elapsed, 1), "type": "transfer_declined", "to": command.target})
        step.notices.append(Notice(
            "transfer_declined",
            f"{command.target} rechaza la transferencia: el propósito no muestra que haga falta. La llamada vuelve a usted.",
            f"{command.target} declines the transfer: the purpose does not show it is needed. The call is back with you.",
            "TR-5"))
        self._customer_says([self.customer.line("transfer_back", self.turns)], step)

    def _escalate(self, command: Command, step: Step) -> None:
        self.contact.escalate(by=TRAINEE, reason=command.text, now=self.now())
        self.events.append({"t": round(self.elapsed, 1), "type": "escalation", "reason": command.text.strip()})
        self._customer_says([self.customer.line("escalated", self.turns)], step)
        step.notices.append(Notice("escalated", "El supervisor se hace cargo de la llamada.",
                                   "The supervisor takes the call over.", "PO-5"))
        self._finish("escalated", step)

    # ---- time and the end --------------------------------------------------------------------
    def _speak(self, speaker: str, text: str) -> None:
        start = self.elapsed + (1.5 if speaker == "tecnico" else 0.6)
        end = start + max(MIN_TURN_SECONDS, len(_WORD.findall(text)) / WORDS_PER_SECOND)
        self.events.append({"t": round(start, 1), "speaker": speaker, "text": text, "end": round(end, 1)})
        self.elapsed = round(end, 1)

    def _customer_says(self, lines: list[str], step: Step) -> None:
        for text in lines:
            if text:
                self._speak("cliente", text)
                step.customer.append(text)

    def _finish(self, reason: str, step: Step) -> None:
        if self.contact.is_live:
            self.contact.hang_up(now=self.now(), cause=reason)
        self.elapsed += 1
        self.events.append({"t": round(self.elapsed, 1), "type": "end"})
        self.end_reason = reason
        step.ended = True

"""The practice room (SPEC "Practice room"): technicians practise against simulated difficult customers.

Pure Python, no Django, deterministic: a scenario (``data/scenarios/*.toml``) is a customer of one of the
five types (CT-LOC, CT-DES, CT-ENF, CT-ENT, CT-INX) with a problem and a hidden truth; the customer's
state moves with what the language assistant reads in each of the trainee's turns (``reading.py``,
``customer.py``); holds and transfers go through the engine's real rules (``session.py``); the call is
scored by the quality scorecard, and passes with the scenario's pass mark.

    library = load_library()
    session = Session.start(library, customer_type="enfadado", seed=7, started_at=now)
    step = session.say("Buenos días, soporte técnico, le atiende Ana. ¿Con quién hablo?")
    step.customer        # what the customer answers
    session.result().as_dict()   # the scorecard, the customer's final state, passed
"""

from atiende.training.commands import Command, parse_command
from atiende.training.customer import CustomerState
from atiende.training.scenario import (
    DEFAULT_PASS_MARK,
    TYPES,
    Behaviour,
    Library,
    Scenario,
    ScenarioError,
    load_library,
)
from atiende.training.session import OUTCOMES, Notice, Result, Session, Step, choose_scenario

__all__ = [
    "DEFAULT_PASS_MARK", "OUTCOMES", "TYPES", "Behaviour", "Command", "CustomerState", "Library", "Notice",
    "Result", "Scenario", "ScenarioError", "Session", "Step", "choose_scenario", "load_library", "parse_command",
]

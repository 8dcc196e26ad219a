"""The contact-center engine: pure Python, no Django, no system clock.

Every action takes the current time as an argument (``now``), so the engine is
deterministic and a test, the simulator or a worker can drive time as it wants
(:mod:`atiende.engine.clock`). Practices are enforced here and only here: an
action that a rule forbids raises :class:`atiende.practices.Refusal` naming it.
"""

from atiende.engine.clock import Clock, ManualClock, SystemClock
from atiende.engine.contact import (
    FINAL_STATES,
    HUNG_UP,
    IN_CONVERSATION,
    OPEN_STATES,
    UNANSWERED,
    Contact,
    ContactState,
    Escalation,
    Event,
    EventKind,
    Hold,
    SupervisorMode,
    Transfer,
)
from atiende.engine.outcome import Outcome, TechnicianChange, TechnicianMove, arrival, decide
from atiende.engine.policies import DEFAULT_POLICY, Policy, PolicySet
from atiende.engine.routing import (
    Assignment,
    QueueConfig,
    RoutingDecision,
    Technician,
    TechnicianStatus,
    state_after_calls,
    state_to_keep,
)
from atiende.engine.timers import Alert, Deadline, DeadlineKind, deadlines_for, fire

__all__ = [
    "Alert", "Assignment", "Clock", "Contact", "ContactState", "Deadline", "DeadlineKind", "Escalation",
    "DEFAULT_POLICY", "Event", "EventKind", "FINAL_STATES", "HUNG_UP", "Hold", "IN_CONVERSATION", "OPEN_STATES",
    "UNANSWERED", "ManualClock", "Outcome", "TechnicianChange", "TechnicianMove", "arrival", "decide", "Policy", "PolicySet", "QueueConfig", "RoutingDecision",
    "SupervisorMode", "SystemClock", "Technician", "TechnicianStatus", "Transfer", "deadlines_for", "fire",
    "state_after_calls", "state_to_keep",
]

"""Outbound campaigns' rules (CH-PRO), pure: the CSV call list, calling hours in the customer's time
zone, outcomes and retries, the PH-5 opening line.

No Django, no system clock: every function takes the time it needs. The campaigns app
(:mod:`atiende.campaigns`) stores campaigns and their lists and calls these.
"""

from atiende.campaigns.core.greeting import opening_line, person, salutation
from atiende.campaigns.core.hours import (
    CallingHours,
    known_zone,
    local_hour,
    number_zones_of,
    zones_for,
)
from atiende.campaigns.core.outcomes import (
    DONE,
    TO_CALL,
    Next,
    Outcome,
    RetryPlan,
    TargetStatus,
    after_outcome,
    check_call_back,
)
from atiende.campaigns.core.rows import (
    FileProblem,
    Parsed,
    Problem,
    Rejected,
    Row,
    decode,
    normalise_form,
    read_csv,
)

__all__ = ["DONE", "TO_CALL", "CallingHours", "FileProblem", "Next", "Outcome", "Parsed", "Problem", "Rejected",
           "RetryPlan", "Row", "TargetStatus", "after_outcome", "check_call_back", "decode", "known_zone",
           "local_hour", "normalise_form", "number_zones_of", "opening_line", "person", "read_csv", "salutation",
           "zones_for"]

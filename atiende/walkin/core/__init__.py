"""The walk-in desk's rules (CH-PRE), pure: tickets, booked-visit slots, the waiting-room board.

No Django, no system clock: every function takes the time it needs. The walk-in app
(:mod:`atiende.walkin`) stores visits and bookings and calls these.
"""

from atiende.walkin.core.board import NO_SHOW, BoardEntry, board
from atiende.walkin.core.slots import SlotPlan, check_booking, slots_of_day
from atiende.walkin.core.tickets import BOOKED_LETTER, check_letter, ticket_label

__all__ = ["BOOKED_LETTER", "NO_SHOW", "BoardEntry", "SlotPlan", "board", "check_booking", "check_letter", "slots_of_day",
           "ticket_label"]

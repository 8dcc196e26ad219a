"""The waiting-room board: which tickets to show, newest call first.

A TV shows the ticket being called now in large type and the few called before it,
each with the desk to go to. A ticket called again (the visitor did not come) moves
back to the top; one that was served long ago or did not come drops off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

# The end cause of a visitor's contact when they were called and did not come to the desk (a no-show).
NO_SHOW = "no_show"

SHOWN = 6  # the current call and five before it fit a TV read from across a room


@dataclass(frozen=True, slots=True)
class BoardEntry:
    ticket: str
    desk: str
    called_at: datetime
    calls: int = 1  # how many times it was called (a second call is shown as such)
    waiting: bool = True  # called and not yet at the desk

    def as_dict(self) -> dict[str, object]:
        return {"ticket": self.ticket, "desk": self.desk, "called_at": self.called_at.isoformat(),
                "calls": self.calls, "waiting": self.waiting}


def board(entries: Iterable[BoardEntry], *, shown: int = SHOWN) -> list[BoardEntry]:
    """The entries to show, the latest call first; one line per ticket (its latest call)."""
    latest: dict[str, BoardEntry] = {}
    for entry in entries:
        kept = latest.get(entry.ticket)
        if kept is None or entry.called_at > kept.called_at:
            latest[entry.ticket] = entry
    return sorted(latest.values(), key=lambda e: (e.called_at, e.ticket), reverse=True)[:shown]

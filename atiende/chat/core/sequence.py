"""Messages reach each socket once and in order, even across a reconnect, several processes and Redis.

Every message of a chat has a sequence number given by the database when it is stored (the
server is the source of truth), under the chat's row lock: once number k is committed (and only then
notified), every number before it is stored too. A socket remembers the last number it delivered. Live
notifications may arrive out of order (two processes publish through Redis) or twice (a
notification racing the backlog read after a reconnect), and a customer does not see every
number (a technician's internal note has one too). So :class:`Replay` delivers a live message at
once only when it follows what was delivered with nothing possibly missing between them, holds
it otherwise and asks the socket to read the stored messages after the last delivered one (which
fills the hole, or shows that there is none to see); duplicates are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable


class Replay[T]:
    """What one socket delivered: ``delivered`` is the highest sequence number sent to it."""

    def __init__(self, delivered: int = 0) -> None:
        self.delivered = delivered
        self.held: dict[int, T] = {}
        self.reading = False

    def start(self, last_seq: int) -> None:
        """The client has everything up to ``last_seq``; the socket now reads the stored messages after it,
        and holds live ones until :meth:`stored` hands them over."""
        self.delivered = last_seq
        self.held = {seq: item for seq, item in self.held.items() if seq > last_seq}
        self.reading = True

    def live(self, seq: int, item: T, *, follows: bool = False) -> list[T]:
        """A live notification: what to send now. ``follows`` says the sender knows ``seq`` is the next number
        this socket can see (its previous one is ``delivered``): the common case, sent at once."""
        if seq <= self.delivered:
            return []  # already sent (from the backlog, or a second copy)
        if self.reading or not (follows or seq == self.delivered + 1):
            self.held[seq] = item
            return []
        self.delivered = seq
        return [item, *self._release()]

    def stored(self, backlog: Iterable[tuple[int, T]]) -> list[T]:
        """The stored messages after ``delivered`` (every one this socket may see, oldest first): what to send."""
        out: list[T] = []
        self.reading = False
        for seq, item in sorted(backlog, key=lambda pair: pair[0]):
            if seq > self.delivered:
                out.append(item)
                self.delivered = seq
        self.held = {seq: item for seq, item in self.held.items() if seq > self.delivered}
        return out + self._release()

    @property
    def missing(self) -> bool:
        """Held messages wait for a read of the stored ones (the socket should read them now)."""
        return bool(self.held) and not self.reading

    def _release(self) -> list[T]:
        out: list[T] = []
        while self.delivered + 1 in self.held:
            self.delivered += 1
            out.append(self.held.pop(self.delivered))
        return out

"""Messages reach a socket once and in order across reconnects and processes (pure)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiende.chat.core import Replay, estimate_wait_seconds


def test_live_messages_in_order_go_out_at_once() -> None:
    replay: Replay[str] = Replay()
    assert replay.live(1, "a") == ["a"]
    assert replay.live(2, "b") == ["b"]
    assert replay.live(2, "b") == []  # a second copy


def test_an_early_message_waits_for_the_one_before_it() -> None:
    replay: Replay[str] = Replay(delivered=3)
    assert replay.live(5, "e") == []
    assert replay.missing  # the socket reads the stored messages after 3
    assert replay.live(4, "d") == ["d", "e"]
    assert not replay.missing


def test_a_gap_nobody_fills_is_closed_by_the_stored_messages() -> None:
    # seq 4 was a technician's internal note: the customer's socket never hears of it.
    replay: Replay[str] = Replay(delivered=3)
    assert replay.live(5, "e") == []
    assert replay.stored([(5, "e")]) == ["e"]
    assert replay.live(6, "f") == ["f"]


def test_a_reconnect_replays_what_was_missed_then_what_came_meanwhile() -> None:
    replay: Replay[str] = Replay()
    replay.start(last_seq=2)
    assert replay.live(4, "d") == []  # arrives while the backlog is read
    assert replay.live(5, "e") == []
    assert replay.stored([(3, "c"), (4, "d")]) == ["c", "d", "e"]
    assert replay.delivered == 5


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, busy machine: slow is not wrong
@given(st.permutations(range(1, 25)), st.integers(min_value=0, max_value=30),
       st.sets(st.integers(min_value=1, max_value=24)))
def test_whatever_the_arrival_order_nothing_goes_out_twice_or_backwards(arrivals, reconnect_at, hidden) -> None:
    # Numbers are given under the chat's row lock, so once k is notified every number before it is stored;
    # notifications come in any order, and the customer does not see the hidden ones (internal notes).
    replay: Replay[int] = Replay()
    sent: list[int] = []
    for n, seq in enumerate(arrivals):
        if n == reconnect_at:
            replay.start(last_seq=sent[-1] if sent else 0)
        if seq not in hidden:
            sent += replay.live(seq, seq)
        if replay.missing or replay.reading:
            top = max(arrivals[: n + 1])
            sent += replay.stored([(s, s) for s in range(1, top + 1) if s not in hidden])
    assert sent == sorted(set(sent))
    assert sent == [s for s in range(1, 25) if s not in hidden]


def test_the_wait_is_zero_with_a_free_place_and_none_without_anyone() -> None:
    assert estimate_wait_seconds(position=1, free_places=2, technicians=2, concurrency=3, handle_seconds=600) == 0
    assert estimate_wait_seconds(position=4, free_places=1, technicians=2, concurrency=3, handle_seconds=600) == 300
    assert estimate_wait_seconds(position=1, free_places=0, technicians=0, concurrency=3, handle_seconds=600) is None

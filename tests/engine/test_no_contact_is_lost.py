"""Property: whatever technicians, customers and timers do, no contact is lost or left ownerless."""

from __future__ import annotations

import copy

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from atiende.engine import Contact, ContactState, ManualClock, Policy, deadlines_for, fire
from atiende.practices import Refusal

TECHS = st.integers(min_value=1, max_value=4)
POLICY = Policy(max_wait_seconds=60, transfer_timeout_seconds=30, wrap_up_seconds=10, ring_timeout_seconds=15)


class CallCenter(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.contacts: list[Contact] = []
        self.refusals = 0

    def _act(self, index: int, action) -> None:
        if not self.contacts:
            return
        contact = self.contacts[index % len(self.contacts)]
        before = copy.deepcopy(contact)
        try:
            action(contact)
        except Refusal as refusal:
            self.refusals += 1
            assert refusal.rule, "every refusal names a rule"
            assert contact == before, "a refused action changes nothing"

    @rule()
    def arrive(self) -> None:
        self.contacts.append(Contact(id=f"c{len(self.contacts)}", queue="q", created_at=self.clock.now()))

    @rule(seconds=st.integers(min_value=0, max_value=120))
    def time_passes(self, seconds: int) -> None:
        now = self.clock.advance(seconds)
        for contact in self.contacts:
            for deadline in deadlines_for(contact, POLICY):
                fire(contact, deadline.key, POLICY, now=now)

    @rule(i=st.integers(0, 50), tech=TECHS)
    def offer(self, i: int, tech: int) -> None:
        self._act(i, lambda c: c.offer(tech, now=self.clock.now()))

    @rule(i=st.integers(0, 50), tech=st.none() | TECHS)
    def answer(self, i: int, tech: int | None) -> None:
        self._act(i, lambda c: c.answer(now=self.clock.now(), technician=tech))

    @rule(i=st.integers(0, 50), consent=st.booleans(), minutes=st.sampled_from([None, 0, 1, 3]),
          reason=st.sampled_from(["", "consultar"]))
    def hold(self, i: int, consent: bool, minutes: int | None, reason: str) -> None:
        self._act(i, lambda c: c.put_on_hold(reason=reason, customer_consent=consent,
                                             expected_minutes=minutes, now=self.clock.now()))

    @rule(i=st.integers(0, 50))
    def resume(self, i: int) -> None:
        self._act(i, lambda c: c.resume(now=self.clock.now()))

    @rule(i=st.integers(0, 50), to=st.none() | TECHS, consent=st.booleans(), purpose=st.sampled_from(["", "redes"]))
    def request_transfer(self, i: int, to: int | None, consent: bool, purpose: str) -> None:
        self._act(i, lambda c: c.request_transfer(
            purpose=purpose, customer_consent=consent, now=self.clock.now(), to_technician=to,
            to_queue=None if to else "nivel2", timeout_seconds=POLICY.transfer_timeout_seconds))

    @rule(i=st.integers(0, 50), by=TECHS)
    def accept_transfer(self, i: int, by: int) -> None:
        self._act(i, lambda c: c.accept_transfer(by=by, now=self.clock.now()))

    @rule(i=st.integers(0, 50), by=TECHS)
    def decline_transfer(self, i: int, by: int) -> None:
        self._act(i, lambda c: c.decline_transfer(by=by, now=self.clock.now()))

    @rule(i=st.integers(0, 50), by=TECHS)
    def escalate(self, i: int, by: int) -> None:
        self._act(i, lambda c: c.escalate(by=by, reason="complicada", now=self.clock.now()))

    @rule(i=st.integers(0, 50), mode=st.sampled_from(["join", "take_over", "coach"]))
    def supervisor_joins(self, i: int, mode: str) -> None:
        self._act(i, lambda c: c.supervisor_joins(supervisor=99, mode=mode, now=self.clock.now()))

    @rule(i=st.integers(0, 50))
    def hang_up(self, i: int) -> None:
        self._act(i, lambda c: c.hang_up(now=self.clock.now()))

    @rule(i=st.integers(0, 50))
    def finish_wrap_up(self, i: int) -> None:
        self._act(i, lambda c: c.finish_wrap_up(now=self.clock.now()))

    @invariant()
    def every_contact_is_accounted_for(self) -> None:
        for contact in self.contacts:
            state = contact.state
            assert isinstance(state, ContactState)
            if contact.is_live or state is ContactState.WRAP_UP:
                assert contact.assignee is not None, f"{contact.id} is live without a technician"
            if state is ContactState.WAITING:
                assert contact.offered_to is None and contact.answered_at is None
            if state is ContactState.OFFERED:
                assert contact.offered_to is not None
            assert (state is ContactState.ON_HOLD) == (contact.hold is not None)
            assert (state is ContactState.TRANSFER_PENDING) == (contact.transfer is not None)
            if contact.transfer is not None:
                # TR-4: the first technician keeps the call while it is pending.
                assert contact.assignee == contact.transfer.requested_by
            if not contact.is_final:
                # Something can always still happen: a live call can be hung up, a waiting one answered.
                assert deadlines_for(contact, POLICY) or contact.is_live or state is ContactState.WAITING
            # Serialisation is lossless, so the database keeps exactly this.
            assert Contact.from_dict(contact.to_dict()) == contact

    def teardown(self) -> None:
        # Eventually every pending transfer and wrap-up resolves by itself, nothing stays pending.
        now = self.clock.advance(3600)
        for contact in self.contacts:
            for _ in range(5):
                for deadline in deadlines_for(contact, POLICY):
                    fire(contact, deadline.key, POLICY, now=now)
            assert contact.state is not ContactState.TRANSFER_PENDING
            assert contact.state is not ContactState.WRAP_UP


TestNoContactIsLost = CallCenter.TestCase
TestNoContactIsLost.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)

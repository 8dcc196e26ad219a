"""Contact-center actions: each one a transaction that locks, asks the engine, stores the result.

Locking (SPEC, architecture): on PostgreSQL a contact being changed is locked
with ``SELECT ... FOR UPDATE``; claims of waiting contacts and of available
technicians use ``FOR UPDATE SKIP LOCKED`` so racing processes take different
rows and none is assigned twice. On SQLite every transaction is IMMEDIATE
(settings), so there is a single writer and claims cannot interleave.

Every change goes through :mod:`.apply`, the imperative shell around the engine's functional core:
load the locked call once (:func:`apply.load`), let the engine decide (``engine.decide``: one outcome
with the new state, events, alerts, deadlines and technicians' moves, or a refusal citing the rule),
store that outcome in one pass (:func:`apply.store`), and tell the consoles and the PBX after the commit.

One module per noun, as Zulip's ``zerver/actions/``:

- :mod:`.queues`: create or change a queue, an organisation's policy;
- :mod:`.availability`: a technician's pause and return to available;
- :mod:`.routing`: a new call, ringing a technician, dispatch, pull-mode claims;
- :mod:`.calls`: answer, hold, transfer, escalate, supervise, hang up, wrap-up;
- :mod:`.alerts`: acknowledging an alert;
- :mod:`.deadlines`: timers claimed and fired by workers, moved by a policy change;
- underneath them :mod:`.apply` (load, decide, store, tell),
  :mod:`.technicians` (technicians' stored state kept in step) and :mod:`.locking`.

Reads (policies, who serves a queue, the call ringing at someone) are in
:mod:`atiende.contact.selectors`; the clock is :mod:`atiende.contact.clock`.
"""

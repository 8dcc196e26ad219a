"""Built-in traffic generator: a simulated PBX and simulated consoles driving Atiende through its API.

Everything the simulated world does reaches Atiende the way it would in a
deployment, as HTTP requests to the public API with a bearer token:

* **The PBX** (a telephony user with a CTI token) posts ``POST /api/v1/cti/events``,
  each event with its own idempotency id: ``new_call`` when a caller dials in,
  ``answered`` when the phone it was told to ring is picked up, ``hold`` and
  ``resumed`` and ``transfer`` when the technician uses the phone's keys (the
  softphone form passes the reason, the consent and the minutes), and ``hangup``
  when the caller gives up waiting (``caller_hangup``) or the conversation ends.
  A small share of events is sent twice, as a PBX retries after a timeout; the
  stored answer must come back unchanged.
* **Each technician's console** (that technician's own API token) calls
  ``/api/v1/contacts/...``: becomes available at the start of the shift, reads
  its list when something may have changed (what the console does on a
  websocket notice), answers calls found ringing there, puts calls on hold and
  transfers from the console's forms, accepts or declines transfers, escalates
  to a supervisor, finishes the wrap-up, takes short breaks (pause with a reason).
* **The supervisor's console** joins or coaches escalated calls.

Accelerated time: in this process the services read a :class:`ManualClock`
that jumps from one happening to the next (an arrival, someone's action, a
stored deadline falling due); due deadlines fire through the worker's own
code (:func:`contact_deadlines.run_due_deadlines`). The requests go through Django's
test client: full middleware, URL routing, authentication and error handlers,
so what the API answers is what a PBX would get. A refused request (a 409
citing a rule, a 404...) is counted, never fatal. The report is read back from
what was stored (events and alerts), plus the count of API answers by status.

Callers arrive as a Poisson process; handle times follow a gamma distribution
around the mean; a share of callers are "difficult" (CT: talkative, angry,
knowledgeable...): longer calls, more holds that overrun the announced time
(HO-5), more transfers and escalations (PO-5), some ask for level 2 (CT-ENT).
Callers who wait past their patience hang up (abandonment).

:func:`run_remote` drives a running server over real HTTP in real time with
one token, as the PBX alone (see docs/cti.md, "Simulated traffic").

One module a concern: ``scenario.py`` (what to simulate, the API paths), ``transport.py``
(the API in this process or over HTTP), ``world.py`` (callers, technicians, the agenda, the
requests), ``actions.py`` (what callers, the PBX and technicians do), ``in_process.py``
(:func:`run`; it needs Django set up, so it is imported from there, not from the package),
``remote.py`` (:func:`run_remote`), ``report.py`` (:func:`summarise`).
"""

from atiende.simulator.remote import RemoteSetupError, ServerNotReady, run_remote
from atiende.simulator.report import summarise
from atiende.simulator.scenario import Scenario
from atiende.simulator.transport import Answer, HttpApi, InProcessApi

__all__ = ["Answer", "HttpApi", "InProcessApi", "RemoteSetupError", "Scenario", "ServerNotReady",
           "run_remote", "summarise"]

"""Telephony (Django app): everything between a PBX and the contact center, in one home.

* :mod:`~atiende.telephony.native`: the native CTI protocol (``POST /api/v1/cti/events``), idempotent by
  event id, its answers stored (:class:`~atiende.telephony.models.CtiEvent`).
* :mod:`~atiende.telephony.generic`: the generic (Zammad-compatible) protocol that PBX connectors
  already speak (``newCall``, ``answer``, ``hangup``).
* :mod:`~atiende.telephony.directory`: what both protocols look up, once: the technician a PBX names,
  the queue (else the first one), a call id already used, the caller-block list.
* :mod:`~atiende.telephony.numbers`: phone numbers as the telephony compares them (pure).
* :mod:`~atiende.telephony.services`: the block list and the integration tokens (actions).
* :mod:`~atiende.telephony.webhooks`: the outgoing webhook's outbox (what Atiende tells the PBX).

Both protocols turn events into the contact center's own actions (:mod:`atiende.contact.services`), so
the same engine, policies, timers and routing apply. ``atiende/api/cti*.py`` only parse and shape.
See docs/cti.md.
"""

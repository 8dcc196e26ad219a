"""Telephony integrations (Django app): the generic CTI protocol that PBX connectors already speak.

Connectors written for Zammad's "generic CTI" (Asterisk and FreePBX scripts,
cloud PBXs, the ``py-zammad-cti`` package) post ``newCall``, ``answer`` and
``hangup``; :mod:`atiende.telephony.services` turns them into the contact
center's own actions (:mod:`atiende.contact.services`), so the same engine,
policies, timers and routing apply. Also the caller-block list. See docs/cti.md.
"""

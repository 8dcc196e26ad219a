"""Contact center (Django app): persisted contacts, queues, technicians' state, deadlines, CTI.

It wraps the pure engine (:mod:`atiende.engine`): the engine decides, this app
stores and locks. Live state lives in the database, never only in memory.
"""

"""The desk's actions, one module per noun (as Zulip's ``zerver/actions/``).

- ``customers``: customers and their contact points;
- ``work_orders``: open, edit, move through the phases, the closing contact;
- ``questions``: closed questions (AL-5); ``commitments``: promises (PT-2);
- ``traits``: difficult-customer traits seen in a contact (CT-*);
- ``surveys``: the satisfaction survey (SP-4);
- ``checks`` and ``history``: what every action checks first, and how it
  leaves its trace; ``numbering``: work order numbers.

Every action takes keyword-only arguments, writes in one transaction, checks
who is acting, validates everything before writing (creation, edits and the
closing contact do their reads before opening the write transaction, to hold
SQLite's single write lock briefly; the version guard keeps that safe), and
raises :class:`atiende.errors.InputError` (translated message, rule ID when a
practice applies) instead of ever letting bad input reach the database. Every
change to a work order is recorded as a :class:`WorkOrderEvent` with
``{"field": [old, new]}``.

Reads live in :mod:`atiende.desk.selectors`. Import an action from its module
(``from atiende.desk.services.work_orders import create_work_order``): this
package re-exports nothing.
"""

"""A work order's creation reads what it needs before it takes the work-order counter (issue 25).

On PostgreSQL the counter's row stays locked from the UPDATE that takes the next number to the commit, so
every other creator waits for every statement after it: 16 concurrent creators queue on that span. The reads
a creation needs (the settings' version for the SLA clocks, the customers' search entries its own entry adds
its team to) run before it; after it come only the writes and the audit chain's head, which must be read
under its own lock. The search visibility those reads serve stays as it was.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from atiende import db
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.knowledge.models import SearchEntry, SearchKind
from atiende.search import scope as scopes
from tests.desk.conftest import make_user

pytestmark = pytest.mark.django_db


def _customer_scope(customer) -> set[str]:
    entry = SearchEntry.objects.get(kind=SearchKind.CUSTOMER, object_id=customer.pk)
    return set(entry.scope.split())


def test_nothing_but_the_audit_head_is_read_after_the_counter_is_taken(tech, customer, other_team):
    create_work_order(actor=tech, customer=customer, title="Primera: calienta lo que el proceso guarda")
    requester = create_customer(actor=tech, name="Pedro Gil")
    with CaptureQueriesContext(connection) as queries:
        wo = create_work_order(actor=tech, customer=customer, requester=requester, title="La impresora no imprime")
    statements = [q["sql"] for q in queries.captured_queries]
    taken = next(i for i, sql in enumerate(statements) if sql.startswith("UPDATE") and "desk_counter" in sql)
    reads_after = [sql for sql in statements[taken + 1:] if sql.lstrip().upper().startswith("SELECT")]
    assert all("privacy_audithead" in sql for sql in reads_after), reads_after
    # What the early reads were for still happens: both customers' entries now carry the work order's team,
    # so a search by that team finds them, and the new work order's clocks run.
    token = scopes.team_token(wo.team_id)
    assert token in _customer_scope(customer) and token in _customer_scope(requester)
    assert wo.sla.started_at == wo.created_at


def test_creations_in_one_block_for_one_customer_keep_every_team_on_its_entry(admin, customer, team, other_team):
    # A batch (mail, an import) opens several work orders in one transaction: the early read is not taken for
    # a creation inside another block, so the second entry write does not start from the first one's read.
    with transaction.atomic(), db.coalesced():
        create_work_order(actor=admin, customer=customer, title="Madrid", team=team)
        create_work_order(actor=admin, customer=customer, title="Bogotá", team=other_team)
    held = _customer_scope(customer)
    assert {scopes.team_token(team.pk), scopes.team_token(other_team.pk)} <= held


def test_a_second_creation_in_the_same_transaction_sees_the_first_ones_team(customer, team, other_team):
    madrid, bogota = make_user("rosa", "supervisor", team), make_user("luis", "supervisor", other_team)
    with transaction.atomic():
        create_work_order(actor=madrid, customer=customer, title="Madrid")
        create_work_order(actor=bogota, customer=customer, title="Bogotá")
    assert {scopes.team_token(team.pk), scopes.team_token(other_team.pk)} <= _customer_scope(customer)


def test_before_the_counter_a_creation_reads_twice_customer_with_team_and_version_with_entries(tech, customer):
    # Issue 25: the customer and the team a work order gets when none is given are one statement, before the
    # transaction; the settings' version (for the SLA clocks) and the customers' search entries one, in it.
    create_work_order(actor=tech, customer=customer, title="Primera: calienta lo que el proceso guarda")
    with CaptureQueriesContext(connection) as queries:
        wo = create_work_order(actor=tech, customer=customer, title="La impresora no imprime")
    statements = [q["sql"] for q in queries.captured_queries]
    taken = next(i for i, sql in enumerate(statements) if sql.startswith("UPDATE") and "desk_counter" in sql)
    reads_before = [sql for sql in statements[:taken] if sql.lstrip().upper().startswith("SELECT")]
    assert len(reads_before) == 2, reads_before
    assert wo.team is not None and wo.team.name == "Soporte Madrid"


def test_the_default_team_is_the_one_serving_the_organisation_when_the_actor_may_place_work_there(
        team, other_team, admin):
    from atiende.desk.models import Organisation

    bogota = Organisation.objects.create(name="Cafés del Sur", team=other_team)
    customer = create_customer(actor=admin, name="Lucía Mora", organisation=bogota)
    both = make_user("marta", "tecnico", team, other_team)  # "Soporte Bogotá" and "Soporte Madrid"
    madrid_first = make_user("pablo", "supervisor", team, other_team)
    madrid_first.teams.remove(other_team)
    assert create_work_order(actor=admin, customer=customer, title="Administración").team == other_team
    assert create_work_order(actor=both, customer=customer, title="Miembro del equipo").team == other_team
    # Not a member of the serving team (a supervisor sees the customer through an old work order of its team
    # or not at all): the actor's own first team by name, as before.
    create_work_order(actor=admin, customer=customer, title="Para que lo vea Madrid", team=team)
    assert create_work_order(actor=madrid_first, customer=customer, title="Otro equipo").team == team
    lone = make_user("sara", "tecnico")
    no_org = create_customer(actor=admin, name="Sin organización")
    assert create_work_order(actor=lone, customer=no_org, title="Sin equipo").team is None

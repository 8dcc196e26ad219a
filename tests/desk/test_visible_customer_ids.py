"""The fast form of the customer visibility rule (for a handful of ids) agrees with visible_customers (ET-4)."""

from __future__ import annotations

import pytest

from atiende.desk.models import Customer
from atiende.desk.selectors import visible_customer_ids, visible_customers
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order
from atiende.people.models import Team
from tests.desk.conftest import make_user

pytestmark = pytest.mark.django_db


def test_both_forms_of_the_rule_agree_for_every_role(tech, other_tech, supervisor, admin, team, other_team):
    far = Team.objects.create(name="Soporte Lima")
    stranger = make_user("remoto", "tecnico", far)
    pool = create_customer(actor=tech, name="Sin organización")
    mine = create_customer(actor=tech, name="De Madrid", organisation="Madrid S.A.")
    mine.organisation.team = team
    mine.organisation.save()
    theirs = create_customer(actor=other_tech, name="De Bogotá", organisation="Bogotá Ltda.")
    theirs.organisation.team = other_team
    theirs.organisation.save()
    requester = create_customer(actor=other_tech, name="Solicitante", organisation="Bogotá Ltda.")
    deciding = create_customer(actor=other_tech, name="Decide", organisation="Bogotá Ltda.")
    create_work_order(actor=other_tech, customer=theirs, requester=requester, decision_maker=deciding,
                      title="Pedido", team=other_team)
    portal = make_user("cliente1", "cliente")
    Customer.objects.filter(pk=pool.pk).update(user=portal)
    ids = [c.pk for c in (pool, mine, theirs, requester, deciding)]
    for user in (tech, other_tech, supervisor, admin, stranger, portal):
        expected = set(visible_customers(user).filter(pk__in=ids).values_list("pk", flat=True))
        assert visible_customer_ids(user, ids) == expected, user.username
    assert visible_customer_ids(stranger, ids) == {pool.pk}

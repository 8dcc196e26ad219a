"""Search finds exactly what the desk lets each person see (ET-4), and follows work orders that move.

Who may find an entry is stored with it (``atiende.search.scope``); these tests hold it to the
desk's own rule (``desk.selectors.visible_work_orders`` / ``visible_customers``).
"""

from __future__ import annotations

import random

import pytest

from atiende.desk.models import Customer, Organisation, WorkOrder
from atiende.desk.selectors import visible_customers, visible_work_orders
from atiende.desk.services.customers import create_customer
from atiende.desk.services.work_orders import create_work_order, update_work_order
from atiende.knowledge import index
from atiende.knowledge.models import SearchEntry
from atiende.knowledge.search import search
from atiende.people.models import Team
from tests.knowledge.conftest import make_user

pytestmark = pytest.mark.django_db


def found(user, text, kind):
    return {r.id for r in search(user, text, kinds=[kind], limit=50)}


@pytest.fixture
def moved(admin, team, other_team):
    """A work order of the Madrid team for a customer whose organisation a third team serves."""
    lima = Team.objects.create(name="Soporte Lima")
    organisation = Organisation.objects.create(name="Ópticas Castaño", team=lima)
    customer = create_customer(actor=admin, name="Beatriz Castaño", organisation=organisation.pk)
    order = create_work_order(actor=admin, customer=customer, title="El lector de tarjetas no lee", team=team)
    return {"customer": customer, "order": order, "lima": lima}


def test_a_work_order_moved_to_another_team_is_found_by_that_team_only(admin, tech, other_tech, other_team, moved):
    order, customer = moved["order"], moved["customer"]
    assert found(tech, "lector tarjetas", "work_order") == {order.pk}
    assert found(tech, "castano", "customer") == {customer.pk}  # on a work order Lucía sees
    assert found(other_tech, "lector tarjetas", "work_order") == set()
    assert found(other_tech, "castano", "customer") == set()

    update_work_order(actor=admin, work_order=order, version=order.version, team=other_team.pk)

    assert found(tech, "lector tarjetas", "work_order") == set()
    assert found(tech, "castano", "customer") == set()
    assert found(other_tech, "lector tarjetas", "work_order") == {order.pk}
    assert found(other_tech, "castano", "customer") == {customer.pk}
    for user in (tech, other_tech):
        assert found(user, "lector", "work_order") == set(visible_work_orders(user).values_list("pk", flat=True))


def test_a_deleted_team_leaves_its_work_orders_in_the_pool_and_search_follows(tech, other_tech, team, moved):
    order, customer = moved["order"], moved["customer"]
    assert found(other_tech, "lector", "work_order") == set()
    team.delete()  # the work order's team becomes NULL without a signal: everyone's pool
    assert WorkOrder.objects.get(pk=order.pk).team_id is None
    assert found(other_tech, "lector", "work_order") == {order.pk}
    assert found(other_tech, "castano", "customer") == {customer.pk}
    moved["lima"].delete()  # the organisation loses its team too
    outsider = make_user("nadie", "tecnico")
    assert found(outsider, "castano", "customer") == {customer.pk}


def test_the_index_agrees_with_the_desk_for_everyone_while_work_orders_change(admin, team, other_team):
    rng = random.Random(21)
    lima = Team.objects.create(name="Soporte Lima")
    teams = [team, other_team, lima, None]
    staff = [make_user(f"tec{i}", "tecnico", *rng.sample([team, other_team, lima], rng.randint(0, 2)))
             for i in range(5)] + [make_user("sup", "supervisor", other_team), admin]
    organisations = [Organisation.objects.create(name=f"Organización {i}", team=teams[i]) for i in range(4)]
    customers = [Customer.objects.create(name=f"Cliente Zamora {i}", organisation=rng.choice([*organisations, None]))
                 for i in range(12)]
    orders = [WorkOrder.objects.create(
        number=9000 + i, title=f"Avería del zócalo {i}", customer=rng.choice(customers),
        requester=rng.choice([None, *customers]), decision_maker=rng.choice([None, None, *customers]),
        team=rng.choice(teams), assignee=rng.choice([None, None, *staff[:5]]), created_by=rng.choice([None, *staff]),
    ) for i in range(25)]

    def agree(step):
        for user in staff:
            orders_seen = set(visible_work_orders(user).values_list("pk", flat=True))
            customers_seen = set(visible_customers(user).values_list("pk", flat=True))
            assert found(user, "zocalo", "work_order") == orders_seen, (step, user.username)
            assert found(user, "zamora", "customer") == customers_seen, (step, user.username)

    agree("created")
    for step in range(30):  # saves send the signal the desk's history lines send: the same reindexing
        order = rng.choice(orders)
        field = rng.choice(["team", "assignee", "created_by", "customer", "requester", "decision_maker"])
        value = {"team": lambda: rng.choice(teams), "assignee": lambda: rng.choice([None, *staff[:5]]),
                 "created_by": lambda: rng.choice([None, *staff]), "customer": lambda: rng.choice(customers),
                 "requester": lambda: rng.choice([None, *customers]),
                 "decision_maker": lambda: rng.choice([None, *customers])}[field]()
        setattr(order, field, value)
        order.save()
        if step % 10 == 9:
            agree(step)
    victim = orders.pop()
    victim.delete()
    organisations[3].team = lima
    organisations[3].save()
    agree("deleted and reorganised")
    SearchEntry.objects.all().delete()
    index.reindex_all()
    agree("rebuilt")


def test_canned_answers_are_found_by_their_team_and_everyone_s_by_all(tech, other_tech, admin, team):
    from atiende.knowledge.canned import create_canned_answer

    mine = create_canned_answer(actor=tech, title="Reinicio del enrutador", body="Apague el enrutador.",
                                team=team.pk)
    shared = create_canned_answer(actor=tech, title="Enrutador sin luz", body="Revise el enchufe del enrutador.")
    assert found(tech, "enrutador", "canned_answer") == {mine.pk, shared.pk}
    assert found(other_tech, "enrutador", "canned_answer") == {shared.pk}
    assert found(admin, "enrutador", "canned_answer") == {mine.pk, shared.pk}


@pytest.mark.parametrize("every, below", [(3, None), (37, None), (1, 40), (500, None)])
def test_the_newest_matches_are_read_back_in_steps_exactly(db, every, below):
    """Thousands of entries: the newest 100 matches, whether they are dense, sparse or all very old.

    On PostgreSQL they are read by windows of ids (1,024 to 262,144); on SQLite FTS5 walks them
    newest first. Both must give exactly the 100 highest ids that match, in order.
    """
    from atiende.knowledge.index import Document, Wanted, newest_matches
    from atiende.search import parse_query

    entries = []
    for i in range(1, 3001):
        hit = i % every == 0 and (below is None or i < below)
        entries.append(Document("work_order", i, f"#{i} Orden", "tóner agotado" if hit else "pantalla rota",
                                scope="t9").entry())
    SearchEntry.objects.bulk_create(entries, batch_size=500)
    ids = dict(SearchEntry.objects.values_list("object_id", "pk"))
    expected = sorted((ids[i] for i in range(1, 3001) if i % every == 0 and (below is None or i < below)),
                      reverse=True)[:100]
    for text in ("toner", "tone"):  # a word, and an open word (its completions)
        found = newest_matches(parse_query(text), [Wanted("work_order", scope=["staff", "t9", "u1"])], limit=100)
        assert [c.entry_id for c in found["work_order"]] == expected, text
    assert newest_matches(parse_query("toner"), [Wanted("work_order", scope=["staff"])], limit=100) == {
        "work_order": []}

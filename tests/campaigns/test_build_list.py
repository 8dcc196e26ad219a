"""A supervisor builds a call list: from a CSV file with bad rows (each kept with its problems), from a
filter of the desk's customers, with the do-not-call list and flag respected from the start."""

from __future__ import annotations

from datetime import timedelta

import pytest

from atiende.campaigns.models import Campaign, DoNotCall, RejectedRow, Target
from atiende.campaigns.services import campaigns, lists
from atiende.desk.models import ContactPoint, Customer, WorkOrder
from atiende.errors import InputError
from atiende.people.models import User

pytestmark = pytest.mark.django_db

CSV = (
    "nombre;telefono;tratamiento;zona horaria;nota\n"
    "Carmen Ruiz;600 11 22 33;;;\n"  # a customer already: found by her phone
    "Pedro Gil;12;;;\n"  # no phone number
    "Ana Sanz;+52 55 1234 5678;sra;;\n"
    "Luis Mora;600112244;Don;Atlantic/Canary;pidió que no le llamen\n"
    "Ana Sanz;+52 55 1234 5678;;;\n"  # the same number again
).encode()


def test_a_csv_with_bad_rows_imports_the_good_ones_and_keeps_every_bad_one(campaign, boss, carmen):
    DoNotCall.objects.create(number="+34600112244", reason="Lo pidió por teléfono")
    result = lists.import_csv(actor=boss, campaign_id=campaign.pk, data=CSV, file_name="lista.csv")
    assert (result.added, result.do_not_call) == (3, 1)
    assert [(r.line, [p.code for p in r.problems]) for r in result.rejected] == [
        (3, ["invalid_phone"]), (6, ["duplicate_in_file"])]
    people = {t.name: t for t in Target.objects.filter(campaign=campaign)}
    assert people["Carmen Ruiz"].customer == carmen and people["Carmen Ruiz"].address_as == "Doña"  # PH-5: her record
    assert people["Ana Sanz"].number == "+525512345678" and people["Ana Sanz"].zones == "America/Mexico_City"
    assert (people["Luis Mora"].status, people["Luis Mora"].zones, people["Luis Mora"].zone_source) == (
        "do_not_call", "Atlantic/Canary", "list")
    stored = RejectedRow.objects.filter(campaign=campaign).order_by("line")
    assert [(r.line, r.raw, r.file_name) for r in stored] == [
        (3, "Pedro Gil;12;;;", "lista.csv"), (6, "Ana Sanz;+52 55 1234 5678;;;", "lista.csv")]
    # The same file again: every row is already on the list, said so by line; nothing is added twice.
    again = lists.import_csv(actor=boss, campaign_id=campaign.pk, data=CSV)
    assert again.added == 0 and {p.code for r in again.rejected for p in r.problems} >= {"already_on_list"}
    assert Target.objects.filter(campaign=campaign).count() == 3


def test_a_customer_flagged_do_not_call_is_listed_but_never_to_call(campaign, boss, carmen):
    Customer.objects.filter(pk=carmen.pk).update(do_not_call=True)
    result = lists.import_csv(actor=boss, campaign_id=campaign.pk, data=b"nombre,telefono\nCarmen,+34600112233\n")
    assert (result.added, result.do_not_call) == (1, 1)
    assert Target.objects.get(campaign=campaign).status == "do_not_call"


def test_a_file_that_is_not_a_call_list_is_refused_naming_the_rule(campaign, boss):
    with pytest.raises(InputError) as caught:
        lists.import_csv(actor=boss, campaign_id=campaign.pk, data=b"correo\nana@example.com\n")
    assert (caught.value.code, caught.value.rule, caught.value.status) == ("missing_columns", "CH-PRO", 400)
    with pytest.raises(InputError) as caught:
        lists.import_csv(actor=boss, campaign_id=campaign.pk, data=b"\xff\xfe\x00\x00" * 10)
    assert caught.value.code in ("not_text", "missing_columns")
    assert not Target.objects.exists() and not RejectedRow.objects.exists()


def test_the_customers_of_an_organisation_hit_by_an_outage(campaign, boss, carmen, outage_org):
    guests = [Customer.objects.create(name=f"Huésped {n}", organisation=outage_org, address_as="Sr.") for n in range(3)]
    for n, guest in enumerate(guests[:2]):
        ContactPoint.objects.create(customer=guest, kind="movil", value=f"+34 600 55 00 0{n}")
    result = lists.add_from_filter(actor=boss, campaign_id=campaign.pk, kind="organisation",
                                   organisation=outage_org.pk)
    assert result.added == 2 and [r.raw for r in result.rejected] == ["Huésped 2"]  # no phone: said, by name
    target = Target.objects.get(campaign=campaign, customer=guests[0])
    assert (target.zones, target.zone_source, target.address_as) == ("Atlantic/Canary", "organisation", "Sr.")


def test_the_customers_of_work_orders_closed_last_week(campaign, boss, carmen, morning):
    from atiende.desk.services.work_orders import create_work_order

    order = create_work_order(actor=boss, customer=carmen, title="Portátil no arranca")
    WorkOrder.objects.filter(pk=order.pk).update(closed_at=morning.now() - timedelta(days=3))
    old = Customer.objects.create(name="Cerrado hace un mes")
    ContactPoint.objects.create(customer=old, kind="telefono", value="+34600998877")
    old_order = create_work_order(actor=boss, customer=old, title="Impresora")
    WorkOrder.objects.filter(pk=old_order.pk).update(closed_at=morning.now() - timedelta(days=30))
    result = lists.add_from_filter(actor=boss, campaign_id=campaign.pk, kind="closed_last_week")
    assert result.added == 1
    assert Target.objects.get(campaign=campaign).customer == carmen


def test_only_supervisors_build_lists_and_another_teams_campaign_is_missing(campaign, boss, lucia):
    with pytest.raises(InputError) as caught:
        lists.import_csv(actor=lucia, campaign_id=campaign.pk, data=CSV)
    assert (caught.value.code, caught.value.status) == ("forbidden", 403)
    from atiende.contact.services import queues
    from atiende.people.models import Team

    other = Team.objects.create(name="Otro equipo")
    theirs = Campaign.objects.create(name="De otro equipo",
                                     queue=queues.save_queue(name="ajena", tiers=[1], team_id=other.pk))
    stranger = User.objects.create_user("sup_otro", role="supervisor")
    stranger.teams.add(User.objects.get(username="marta").teams.first())
    for campaign_id in (theirs.pk, 2**40):
        with pytest.raises(InputError) as caught:
            lists.import_csv(actor=stranger, campaign_id=campaign_id, data=CSV)
        assert (caught.value.code, caught.value.status) == ("unknown_campaign", 404)


def test_the_script_is_checked_by_the_language_assistant(boss, queue, morning):
    made = campaigns.create_campaign(actor=boss, name="Aviso", queue="soporte",
                                     script="NO PUEDO hacer nada, reinicie el router y el DHCP.")
    rules = {f["rule"] for f in made.script_findings}
    assert rules and all(f["excerpt"] for f in made.script_findings)
    assert "NT-6" in rules or "DN-2" in rules
    fixed = campaigns.update_campaign(actor=boss, campaign_id=made.pk, script="Buenos días, ¿cómo está?")
    assert fixed.script_findings == [] or all(f["rule"] != "NT-6" for f in fixed.script_findings)

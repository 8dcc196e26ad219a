"""Issue 22, item 15: titles and names refuse direction overrides, control characters and invisible-only text,
through every door (API, pages, services, the models), with one rule; machine text (mail) is cleaned instead."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.desk.intake import customer_for_email, open_written_request
from atiende.desk.models import Customer, WorkOrder
from atiende.errors import InputError
from atiende.people.models import ApiToken, Team, User
from atiende.privacy import display_text

pytestmark = pytest.mark.django_db

BAD = {
    "bidi_control": "Factura \u202egpj.exe",
    "control_character": "Impresora\x1b[31m rota",
    "invisible_only": "\u200b\u200d\u2060",
}


@pytest.mark.parametrize("value", ["Impresora rota", "Pérez-Núñez", "👩‍💻 soporte", "Ελένη", "מערכת"])
def test_ordinary_titles_and_names_pass(value):
    assert display_text.problem(value) is None


@pytest.mark.parametrize(("kind", "value"), BAD.items())
def test_the_rule_names_each_kind(kind, value):
    assert display_text.problem(value) == kind


@pytest.fixture
def staff():
    user = User.objects.create_user("lucia", password="x-very-long-pass", role="administrador",
                                    is_staff=True, is_superuser=True)
    return {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"}, user


@pytest.mark.parametrize(("kind", "value"), BAD.items())
def test_the_api_refuses_them_in_customer_names_and_work_order_titles(staff, kind, value):
    headers, _user = staff
    client = Client()
    customer = client.post("/api/v1/customers", {"name": value}, content_type="application/json", headers=headers)
    assert customer.status_code == 400 and customer.json()["error"]["code"] == "invalid_text"
    assert customer.json()["error"]["field"] == "name"
    ok = Customer.objects.create(name="Carmen Ruiz")
    order = client.post("/api/v1/work-orders", {"title": value, "customer": ok.pk}, content_type="application/json",
                        headers=headers)
    assert order.status_code == 400 and order.json()["error"]["code"] == "invalid_text"
    assert not WorkOrder.objects.exists() and not Customer.objects.exclude(pk=ok.pk).exists()


@pytest.mark.parametrize("model_and_field", [(Team, "name"), (Customer, "name")])
def test_every_model_title_or_name_refuses_them_whatever_the_door(model_and_field):
    model, field = model_and_field
    with pytest.raises(InputError) as refused:
        model.objects.create(**{field: BAD["bidi_control"]})
    assert refused.value.code == "invalid_text" and refused.value.field == field


def test_the_pages_refuse_them_with_a_message(staff):
    _headers, user = staff
    browser = Client()
    browser.force_login(user)
    response = browser.post("/clientes/nuevo/", {"name": BAD["bidi_control"]})
    assert response.status_code in (200, 400) and not Customer.objects.exists()


def test_mail_subjects_and_sender_names_are_cleaned_not_refused():
    customer, _new = customer_for_email(email="ana@example.org", name="Ana\u202e zeréP")
    assert customer.name == "Ana zeréP"
    open_written_request(customer=customer, title="Factura\u202e gpj.exe\x07", problem_story="Hola")
    assert WorkOrder.objects.get().title == "Factura gpj.exe"
    invisible, _new = customer_for_email(email="zz@example.org", name="\u200b\u200b")
    assert invisible.name == "zz"


# ---- the Django admin: a form error beside the field, never a 500 ------------------------------------------------

def _admin_forms(request):
    """(where, form class) of every add, change and inline form the admin site serves."""
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}.{model.__name__}"
        yield f"{label} add", model_admin.get_form(request, None)
        yield f"{label} change", model_admin.get_form(request, model())
        for inline in model_admin.get_inline_instances(request):
            yield f"{label} inline {inline.model.__name__}", inline.get_formset(request).form


@pytest.mark.parametrize(("kind", "value"), BAD.items())
def test_every_admin_form_refuses_them_beside_the_field(rf, staff, kind, value):
    """The class of the defect: every admin form for a model with titles or names (its own, its inlines')."""
    _headers, user = staff
    request = rf.get("/admin/")
    request.user = user
    checked = []
    for where, form_class in _admin_forms(request):
        fields = [name for name in display_text.fields_of(form_class._meta.model)
                  if name in form_class.base_fields]
        for name in fields:
            form = form_class(data={name: value})
            assert not form.is_valid()
            assert name in form.errors, (where, name, form.errors)
            if hasattr(form.fields[name], "choices"):
                continue  # a choice (address_as) is refused as not one of the choices, before this rule
            assert any(display_text.message(kind, str(form.fields[name].label)) == error
                       for error in form.errors[name]), (where, name, form.errors[name])
            checked.append((where, name))
    # the forms that show titles and names are all there: a new admin without the check would fail above
    assert {"people.Team add", "desk.Customer change", "desk.WorkOrder change",
            "sla.TeamCalendar inline Holiday"} <= {where for where, _name in checked}


def test_a_bad_title_through_the_admin_pages_is_a_form_error_not_a_500(staff):
    _headers, user = staff
    browser = Client(raise_request_exception=False)
    browser.force_login(user)
    added = browser.post("/admin/people/team/add/", {"name": BAD["bidi_control"]})
    assert added.status_code == 200 and not Team.objects.exists()
    assert "cambia la dirección del texto" in added.content.decode()  # beside the field, in Spanish
    team = Team.objects.create(name="Soporte")
    changed = browser.post(f"/admin/people/team/{team.pk}/change/", {"name": BAD["invisible_only"]})
    assert changed.status_code == 200
    team.refresh_from_db()
    assert team.name == "Soporte"
    too_long = browser.post("/admin/people/team/add/", {"name": "x" * 1000})
    assert too_long.status_code == 200 and not Team.objects.exclude(pk=team.pk).exists()
    with_nul = browser.post("/admin/people/team/add/", {"name": "So\x00porte"})
    assert with_nul.status_code == 400 and "NUL" in with_nul.content.decode()  # refused before any code (item 9)

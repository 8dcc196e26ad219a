"""ET-3 / NT-3: a password or user name written into a work order goes to the vault, not the text."""

from __future__ import annotations

import pytest

from atiende.desk.models import WorkOrder, WorkOrderEvent
from atiende.desk.services.work_orders import create_work_order, update_work_order
from atiende.privacy.models import VaultSecret

pytestmark = pytest.mark.django_db

STORY = "No entra al correo. Mi usuario es mlopez y la contraseña es Perro2024, desde ayer."


def _everything_stored(work_order: WorkOrder) -> str:
    work_order.refresh_from_db()
    history = " ".join(str(e.changes) for e in WorkOrderEvent.objects.filter(work_order=work_order))
    return " ".join([work_order.problem_story, work_order.paraphrase, work_order.closing_contact_note, history])


def test_a_dictated_password_is_kept_in_the_vault_and_only_its_label_in_the_story(tech, customer):
    work_order = create_work_order(actor=tech, customer=customer, title="Correo", problem_story=STORY)
    stored = _everything_stored(work_order)
    assert "Perro2024" not in stored and "mlopez" not in stored
    assert "[CONTRASEÑA]" in work_order.problem_story and "[USUARIO]" in work_order.problem_story
    assert "desde ayer" in work_order.problem_story  # the rest of the customer's words stay
    assert sorted(VaultSecret.objects.filter(work_order=work_order).values_list("kind", flat=True)) == [
        "password", "username"]


def test_an_edit_that_adds_a_password_sends_it_to_the_vault(tech, customer):
    work_order = create_work_order(actor=tech, customer=customer, title="Correo")
    update_work_order(actor=tech, work_order=work_order, version=work_order.version,
                      paraphrase="Déjeme ver si comprendo: la clave: Gato-9911 no le funciona")
    assert "Gato-9911" not in _everything_stored(work_order)
    assert VaultSecret.objects.filter(work_order=work_order, kind="password").count() == 1


def test_text_without_credentials_is_left_exactly_as_written(tech, customer):
    story = "La impresora no imprime; llámeme al 600 123 123 o escriba a carmen@example.com."
    work_order = create_work_order(actor=tech, customer=customer, title="Impresora", problem_story=story)
    work_order.refresh_from_db()
    assert work_order.problem_story == story
    assert not VaultSecret.objects.filter(work_order=work_order).exists()

"""Issue 16: every staff notification commits with the change it tells of.

A process may be killed right after a commit, before its on-commit hooks run. Each test
makes a change inside ``django_capture_on_commit_callbacks(execute=False)``: the change
commits and the hooks never run, as when the process dies there. The notification must
already be stored (it would be missing if it were written after the commit); and a change
that rolls back must tell nobody.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from atiende.desk.messages import post_message
from atiende.desk.models import Commitment, WorkOrder
from atiende.desk.services.commitments import add_commitment, flag_missed_commitments
from atiende.desk.services.surveys import answer_survey, send_survey
from atiende.desk.services.work_orders import (
    create_work_order,
    open_portal_request,
    update_work_order,
)
from atiende.mail import intake
from atiende.notifications.models import Notification
from atiende.notifications.reminders import remind_due_commitments
from atiende.sla import services as sla
from atiende.sla.models import SlaAlert, SlaPolicy
from tests.desk.conftest import customer, make_user, supervisor, team, tech  # noqa: F401 - fixtures
from tests.mail.conftest import mail, mail_settings  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.fixture
def died_after_commit(django_capture_on_commit_callbacks):
    """The change commits; its on-commit hooks never run (the process was killed)."""
    return lambda: django_capture_on_commit_callbacks(execute=False)


def test_a_new_request_by_email_and_the_customers_reply(mail_settings, team, tech, supervisor,  # noqa: F811
                                                        died_after_commit):
    with died_after_commit():
        first = intake.receive(mail(message_id="first@example.org"))
    assert told("new_request") == ["lucia", "marta"]
    work_order = WorkOrder.objects.get(number=first.work_order_number)
    work_order.assignee = tech
    work_order.save(update_fields=["assignee"])
    with died_after_commit():
        intake.receive(mail(subject="Re: La impresora no imprime", body="Sigue igual.",
                            headers="In-Reply-To: <first@example.org>\n"))
    assert told("customer_reply") == ["lucia"]


def test_a_portal_request_and_a_reply_in_the_portal(customer, team, tech, supervisor, died_after_commit):  # noqa: F811
    owner = make_user("carmen", "cliente")
    customer.user = owner
    customer.save()
    with died_after_commit():
        work_order = open_portal_request(actor=owner, title="No imprime", problem_story="Nada sale.")
    assert told("new_request") == ["lucia", "marta"]
    with died_after_commit():
        post_message(work_order=work_order, author=owner, body="Nada sale.", visibility="public", channel="portal",
                     direction="in")
        post_message(work_order=work_order, author=owner, body="¿Alguna novedad?", visibility="public",
                     channel="portal", direction="in")
    assert told("customer_reply") == ["lucia", "marta"]


def test_an_assignment(customer, team, tech, supervisor, died_after_commit):  # noqa: F811
    with died_after_commit():
        work_order = create_work_order(actor=supervisor, customer=customer, title="Correo", team=team, assignee=tech)
    assert told("assigned") == ["lucia"]
    with died_after_commit():
        update_work_order(actor=tech, work_order=work_order, version=work_order.version, assignee=supervisor.pk)
    assert told("assigned") == ["lucia", "marta"]


def test_a_commitment_reminded_and_missed(customer, team, tech, died_after_commit):  # noqa: F811
    work_order = create_work_order(actor=tech, customer=customer, title="Correo", team=team)
    now = timezone.now()
    commitment = add_commitment(actor=tech, work_order=work_order, description="Llamar a las 10",
                                due_at=now + timedelta(minutes=20))
    with died_after_commit():
        assert remind_due_commitments(now=now) == 1
    assert told("commitment_due") == ["lucia"]
    with died_after_commit():  # claimed with its notification: a second pass reminds nobody again
        assert remind_due_commitments(now=now) == 0
    Commitment.objects.filter(pk=commitment.pk).update(due_at=now - timedelta(minutes=1))
    with died_after_commit():
        assert len(flag_missed_commitments(now=now)) == 1
    assert told("commitment_due") == ["lucia", "lucia"]


def test_a_low_satisfaction_rating(customer, team, tech, supervisor, died_after_commit):  # noqa: F811
    work_order = create_work_order(actor=tech, customer=customer, title="Impresora", channel="email", team=team)
    survey = send_survey(work_order, tech, timezone.now())
    with died_after_commit():
        answer_survey(token=survey.token, rating=1, resolved=False, comment="Nadie me llamó")
    assert told("low_satisfaction") == ["marta"]


def test_an_sla_warning_and_breach(customer, team, tech, supervisor, died_after_commit):  # noqa: F811
    SlaPolicy.objects.create(name="Normal", first_response_minutes=60, resolution_minutes=8 * 60)
    work_order = create_work_order(actor=tech, customer=customer, title="Sin correo", channel="email", team=team,
                                   assignee=tech)
    opened = work_order.created_at
    sla.refresh(work_order.pk, now=opened)
    with died_after_commit():
        sla.check_due(now=opened + timedelta(minutes=48))
    assert told("sla_warning") == ["lucia"]
    with died_after_commit():
        sla.check_due(now=opened + timedelta(minutes=61))
    assert told("sla_breach") == ["lucia", "marta"]
    assert SlaAlert.objects.count() == 2


def test_a_change_rolled_back_tells_nobody(customer, team, tech, supervisor):  # noqa: F811
    with pytest.raises(RuntimeError), transaction.atomic():
        create_work_order(actor=supervisor, customer=customer, title="Correo", team=team, assignee=tech)
        assert told("assigned") == ["lucia"]  # written with the change...
        raise RuntimeError("rolled back")
    assert not Notification.objects.exists()  # ...and gone with it


def test_a_notification_that_fails_leaves_its_change_whole(customer, team, tech, supervisor, monkeypatch,  # noqa: F811
                                                           died_after_commit, caplog):
    from atiende.notifications import receivers

    def broken(*args, **kwargs):
        raise ValueError("a text that cannot be built")

    monkeypatch.setattr(receivers, "notify", broken)
    with died_after_commit():
        work_order = create_work_order(actor=supervisor, customer=customer, title="Correo", team=team, assignee=tech)
    assert WorkOrder.objects.filter(pk=work_order.pk, assignee=tech).exists()
    assert not Notification.objects.exists()
    assert "notification failed" in caplog.text

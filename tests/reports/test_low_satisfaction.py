"""SP-4: a low rating alerts the team's supervisor; a good one does not."""

from __future__ import annotations

import pytest

from atiende.desk.services.surveys import answer_survey, send_survey
from atiende.desk.services.work_orders import create_work_order
from atiende.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(tech, customer):
    work_order = create_work_order(actor=tech, customer=customer, title="Impresora", channel="email")
    from django.utils import timezone

    return send_survey(work_order, tech, timezone.now())


def test_a_rating_of_one_alerts_the_supervisor(survey, supervisor, tech, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer_survey(token=survey.token, rating=1, resolved=False, comment="Nadie me llamó")
    alert = Notification.objects.get(recipient=supervisor, kind="low_satisfaction")
    assert f"#{survey.work_order.number}" in alert.text and "1" in alert.text
    assert not Notification.objects.filter(recipient=tech, kind="low_satisfaction").exists()


def test_a_good_rating_alerts_nobody(survey, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer_survey(token=survey.token, rating=4, resolved=True)
    assert not Notification.objects.filter(kind="low_satisfaction").exists()


def test_the_threshold_is_a_setting(survey, supervisor, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setenv("ATIENDE_LOW_RATING", "3")
    with django_capture_on_commit_callbacks(execute=True):
        answer_survey(token=survey.token, rating=3, resolved=True)
    assert Notification.objects.filter(recipient=supervisor, kind="low_satisfaction").count() == 1

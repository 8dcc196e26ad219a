"""Reports by email: last week's on Mondays, last month's on the 1st, once each, through the mail outbox."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from atiende.desk.models import Customer, SatisfactionSurvey, WorkOrder
from atiende.mail.models import OutboundMail
from atiende.reports import schedule
from atiende.reports.models import ScheduledReport

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def test_the_period_is_the_last_complete_week_or_month():
    assert schedule.last_period("weekly", date(2026, 12, 7)) == (date(2026, 11, 30), date(2026, 12, 6))
    assert schedule.last_period("weekly", date(2026, 12, 13)) == (date(2026, 11, 30), date(2026, 12, 6))
    assert schedule.last_period("monthly", date(2026, 12, 1)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert schedule.last_period("monthly", date(2026, 3, 15)) == (date(2026, 2, 1), date(2026, 2, 28))


def test_a_weekly_satisfaction_report_is_mailed_once_with_its_figures():
    customer = Customer.objects.create(name="Carmen")
    work_order = WorkOrder.objects.create(number=3, title="x", customer=customer)
    SatisfactionSurvey.objects.create(work_order=work_order, token="t", rating=5, resolved=True,
                                      answered_at=datetime(2026, 12, 2, 10, tzinfo=MADRID), comment="Muy amables")
    ScheduledReport.objects.create(report="satisfaction", frequency="weekly", recipients="jefa@example.es")
    monday = datetime(2026, 12, 7, 8, tzinfo=MADRID)
    assert schedule.send_due(now=monday) == 1
    assert schedule.send_due(now=monday) == 0  # the same week is never sent twice
    mail = OutboundMail.objects.get()
    assert mail.recipients == ["jefa@example.es"]
    assert "2026-11-30 – 2026-12-06" in mail.subject
    assert "Muy amables" in mail.text and "Encuestas respondidas: 1 (SP-4)" in mail.text
    assert "Satisfechos (4 o 5): 100,0 % (SP-4)" in mail.text
    assert "/informes/satisfaction/?from=2026-11-30&to=2026-12-06&format=xlsx" in mail.text
    next_monday = datetime(2026, 12, 14, 8, tzinfo=MADRID)
    assert schedule.send_due(now=next_monday) == 1


def test_an_inactive_schedule_sends_nothing():
    ScheduledReport.objects.create(report="calls", frequency="monthly", recipients="a@example.es", active=False)
    assert schedule.send_due(now=timezone.now()) == 0
    assert not OutboundMail.objects.exists()

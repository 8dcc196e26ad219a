"""Scheduled reports: each active schedule's last complete period, built and mailed once.

Weekly: Monday to Sunday of the week before (sent from Monday 00:00, local time).
Monthly: the month before (sent from the 1st). The worker calls :func:`send_due` every
round; a schedule is claimed with a conditional update of ``last_period_start``, so two
workers never send the same period twice. The email goes through the mail outbox
(``atiende/mail/outbox.py``, kind "notification"): the figures as plain-text tables
and links to the report's page and its XLSX and PDF files.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from atiende.mail import config as mail_config
from atiende.mail import outbox
from atiende.mail.models import OutboundMail
from atiende.reports import services
from atiende.reports.core import catalogue, export
from atiende.reports.core.rows import Report
from atiende.reports.models import ScheduledReport

log = logging.getLogger(__name__)


def last_period(frequency: str, today: date) -> tuple[date, date]:
    """The last complete week (Monday to Sunday) or month before ``today``."""
    if frequency == ScheduledReport.Frequency.MONTHLY:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


def as_text(report: Report, language: str) -> str:
    lines: list[str] = []
    for section in report.sections:
        lines += ["", section.title(language), "-" * len(section.title(language))]
        columns = {c.key: c for c in section.columns}
        for row in section.rows:
            if "figure" in columns:  # a table of named figures reads best as "name: value (rule)"
                rule = f" ({row['rule']})" if row.get("rule") else ""
                lines.append(f"{row['figure']}: {export.cell(row, columns['value'], language)}{rule}")
                continue
            cells = [f"{c.label(language)}: {export.cell(row, c, language)}" for c in section.columns]
            lines.append(" · ".join(cells))
        if not section.rows:
            lines.append("—")
    return "\n".join(lines).strip()


def _links(schedule: ScheduledReport, first: date, last: date) -> list[str]:
    query = {"from": first.isoformat(), "to": last.isoformat()}
    if schedule.team_id:
        query["team"] = schedule.team.name  # type: ignore[union-attr]
    page = mail_config.base_url() + reverse("reports:report", args=[schedule.report])
    return [f"{page}?{urlencode(query)}"] + [f"{page}?{urlencode({**query, 'format': fmt})}" for fmt in ("xlsx", "pdf")]


def send_due(*, now: datetime | None = None) -> int:
    """Mail every schedule whose last complete period was not sent yet; returns how many were sent."""
    today = timezone.localdate(now or timezone.now())
    sent = 0
    for schedule in ScheduledReport.objects.filter(active=True).select_related("team"):
        first, last = last_period(schedule.frequency, today)
        if schedule.last_period_start is not None and schedule.last_period_start >= first:
            continue
        try:
            with transaction.atomic():
                claimed = ScheduledReport.objects.filter(pk=schedule.pk).exclude(last_period_start__gte=first).update(
                    last_period_start=first)
                if claimed != 1:
                    continue  # another worker sent it
                _send(schedule, first, last)
            sent += 1
        except Exception:  # one broken schedule must not stop the others; it is tried again next round
            log.exception("scheduled report %s failed", schedule.pk)
    return sent


def _send(schedule: ScheduledReport, first: date, last: date) -> None:
    language = schedule.language or "es"
    filters = {"team": schedule.team.name} if schedule.team_id and schedule.team else {}
    with translation.override(language):
        report = services.build(name=schedule.report, first=first, last=last, filters=filters)
        definition = catalogue.REPORTS[schedule.report]
        heading = definition.description(language)
        period = f"{first.isoformat()} – {last.isoformat()}"
        links = "\n".join(_links(schedule, first, last))
        text = f"{heading}\n{period}\n\n{as_text(report, language)}\n\n{links}\n"
        outbox.enqueue(kind=OutboundMail.Kind.NOTIFICATION, key=f"report:{schedule.pk}:{first.isoformat()}",
                       to=[a.strip() for a in schedule.recipients.split(",")],
                       subject=f"Atiende · {heading} · {period}", text=text, language=language)

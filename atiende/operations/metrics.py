"""The Prometheus metrics of ``GET /metrics`` (prometheus-client's text format).

Two kinds of series:

- **this process's**: request latency by route (``atiende_request_seconds``)
  and the CTI events it received (``atiende_cti_events_total``). Each app
  process counts its own: scrape every process on its own address (docs/deploy.md),
  Prometheus adds them up.
- **the installation's**, read from the database at each scrape (the same from
  any process): calls waiting and the oldest wait per queue, open PO/HO and
  other alerts by rule, the background queues' due rows and their oldest
  (timers, webhooks, outgoing mail, scoring), work given up, mail that failed
  to come in, the worker's lag and heartbeat.

Other apps may add their own installation-wide series with :func:`add_source`
(a function yielding prometheus-client metric families, called at each
scrape). The work orders' service levels (atiende/sla/) are read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from atiende.contact.models import Alert, Contact, ContactState
from atiende.mail.models import InboundMail, OutboundMail
from atiende.operations import backlog, heartbeat
from atiende.scorecards.models import ScoringJob
from atiende.telephony.models import WebhookDelivery

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "atiende_request_seconds", "Time to answer an HTTP request, by route (the URL pattern) and method.",
    ["route", "method"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
CTI_EVENTS = Counter(
    "atiende_cti_events", "CTI events received by this process, by protocol and HTTP status.",
    ["protocol", "status"], registry=REGISTRY)

_sources: list[Callable[[datetime], Iterable[Metric]]] = []


def add_source(source: Callable[[datetime], Iterable[Metric]]) -> None:
    """Add a function that yields installation-wide metric families at each scrape (given the moment)."""
    if source not in _sources:
        _sources.append(source)


def _waiting_calls(moment: datetime) -> Iterator[Metric]:
    waiting = GaugeMetricFamily("atiende_calls_waiting", "Calls waiting in a queue for a technician.",
                                labels=["queue"])
    oldest = GaugeMetricFamily("atiende_call_wait_oldest_seconds",
                               "Seconds the longest-waiting call of a queue has waited (PO-2).", labels=["queue"])
    rows = (Contact.objects.filter(state=ContactState.WAITING).values("queue__name")
            .annotate(calls=Count("id"), since=Min("created_at")).order_by("queue__name"))
    for row in rows:
        waiting.add_metric([row["queue__name"]], row["calls"])
        oldest.add_metric([row["queue__name"]], max((moment - row["since"]).total_seconds(), 0.0))
    yield waiting
    yield oldest


def _alerts(moment: datetime) -> Iterator[Metric]:
    family = GaugeMetricFamily("atiende_alerts_open", "Alerts not acknowledged yet, by rule (PO-1, PO-2, HO-5...) "
                               "and level.", labels=["rule", "level"])
    rows = (Alert.objects.filter(acknowledged_at__isnull=True).values("rule", "level")
            .annotate(alerts=Count("id")).order_by("rule", "level"))
    for row in rows:
        family.add_metric([row["rule"], row["level"]], row["alerts"])
    yield family


def _background(moment: datetime) -> Iterator[Metric]:
    due = GaugeMetricFamily("atiende_backlog_due", "Rows of a background queue that are due and not done.",
                            labels=["queue"])
    oldest = GaugeMetricFamily("atiende_backlog_oldest_seconds",
                               "Seconds the oldest due row of a background queue has waited.", labels=["queue"])
    for name, found in backlog.backlogs(moment).items():
        due.add_metric([name], found.count)
        oldest.add_metric([name], found.oldest_seconds)
    yield due
    yield oldest
    yield GaugeMetricFamily("atiende_worker_lag_seconds",
                            "Seconds the oldest due timer (hold reminder, transfer timeout, policy alert) has "
                            "waited for a worker.", value=backlog.backlogs(moment)["timers"].oldest_seconds)
    gave_up = GaugeMetricFamily("atiende_jobs_given_up", "Background work given up after every attempt.",
                                labels=["queue"])
    gave_up.add_metric(["webhooks"], WebhookDelivery.objects.filter(delivered_at__isnull=True,
                                                                    gave_up_at__isnull=False).count())
    gave_up.add_metric(["mail"], OutboundMail.objects.filter(status=OutboundMail.Status.FAILED).count())
    gave_up.add_metric(["scoring"], ScoringJob.objects.filter(gave_up_at__isnull=False).count())
    yield gave_up
    yield GaugeMetricFamily("atiende_mail_in_failed", "Received mail kept as failed (see «Correo»).",
                            value=InboundMail.objects.filter(status=InboundMail.Status.FAILED).count())


def _service_levels(moment: datetime) -> Iterator[Metric]:
    from atiende.sla.models import SlaAlert, WorkOrderSla

    alerts = GaugeMetricFamily("atiende_sla_alerts", "Service-level warnings (80 %) and breaches raised, by clock "
                               "(first response, resolution) and kind.", labels=["clock", "kind"])
    for row in SlaAlert.objects.values("clock", "kind").annotate(alerts=Count("id")).order_by("clock", "kind"):
        alerts.add_metric([row["clock"], row["kind"]], row["alerts"])
    yield alerts
    breached = GaugeMetricFamily("atiende_sla_breached_open", "Work orders not resolved yet whose clock is past "
                                 "its due time.", labels=["clock"])
    unresolved = WorkOrderSla.objects.filter(resolved_at__isnull=True)
    breached.add_metric(["first_response"], unresolved.filter(first_response_breached=True).count())
    breached.add_metric(["resolution"], unresolved.filter(resolution_breached=True).count())
    yield breached


def _workers(moment: datetime) -> Iterator[Metric]:
    beat = heartbeat.newest()
    age = GaugeMetricFamily("atiende_worker_heartbeat_age_seconds",
                            "Seconds since the newest worker heartbeat (no series: no worker ever ran).")
    if beat is not None:
        age.add_metric([], max((moment - beat.beat_at).total_seconds(), 0.0))
    yield age


add_source(_waiting_calls)
add_source(_alerts)
add_source(_background)
add_source(_workers)
add_source(_service_levels)


class InstallationCollector(Collector):
    """Reads the installation's state at each scrape."""

    def collect(self) -> Iterator[Metric]:
        moment = timezone.now()
        for source in list(_sources):
            yield from source(moment)

    def describe(self) -> list[Metric]:
        return []  # read at scrape time only, never at registration


REGISTRY.register(InstallationCollector())


def observe_request(*, route: str, method: str, seconds: float, status: int) -> None:
    REQUEST_SECONDS.labels(route=route, method=method).observe(seconds)
    if method == "POST" and route.startswith("api/v1/cti"):
        CTI_EVENTS.labels(protocol="generic" if "generic" in route else "native", status=str(status)).inc()

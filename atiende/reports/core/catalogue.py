"""The reports Atiende knows, by name (``atiende report --list``, the reports page, the API)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from atiende.reports.core import figures
from atiende.reports.core.rows import Period, Report, Rows, Section


@dataclass(frozen=True)
class Definition:
    name: str
    es: str
    en: str
    # Which rows it reads: work_orders (or only a part: work_orders.created, .clocks, .closed), calls,
    # inbound_calls (only their count), scores, surveys, commitments, visits, bookings, callbacks, campaign_tries.
    needs: tuple[str, ...]
    build: Callable[[Rows, Period], list[Section]]

    def description(self, language: str) -> str:
        return self.en if language.startswith("en") else self.es


REPORTS: dict[str, Definition] = {d.name: d for d in (
    Definition("volume", "Volumen de solicitudes por canal y por semana, y llamadas recibidas",
               "Work orders by channel and by week, and calls received", ("work_orders.created", "inbound_calls"),
               figures.volume),
    Definition("first-contact", "Resolución en el primer contacto, por canal",
               "First-contact resolution, by channel", ("work_orders.closed",), figures.first_contact_resolution),
    Definition("sla", "Primera respuesta y resolución frente al nivel de servicio, por equipo y prioridad",
               "First response and resolution against the SLA, by team and priority", ("work_orders.clocks",),
               figures.service_levels),
    Definition("calls", "Llamadas: abandono, ASA, AHT, PO-1, PO-2 y PO-3, por técnico",
               "Calls: abandonment, ASA, AHT, PO-1, PO-2 and PO-3, by technician", ("calls",), figures.calls),
    Definition("transfers", "Tasa de transferencia (TR-1), por técnico", "Transfer rate (TR-1), by technician",
               ("calls",), figures.transfers),
    Definition("holds", "Esperas en línea y esperas excedidas (HO), por técnico",
               "Holds and overruns (HO), by technician", ("calls",), figures.holds),
    Definition("quality", "Calidad por regla, tendencia semanal y por técnico",
               "Quality by rule, weekly trend and by technician", ("scores",), figures.quality),
    Definition("satisfaction", "Satisfacción (SP-4): distribución, por técnico y comentarios",
               "Satisfaction (SP-4): distribution, by technician and comments", ("surveys",), figures.satisfaction),
    Definition("commitments", "Compromisos cumplidos e incumplidos (PT-2), por responsable",
               "Commitments kept and missed (PT-2), by owner", ("commitments",), figures.commitments),
    Definition("walk-ins", "Atención presencial: visitantes, esperas, no presentados, por servicio",
               "Walk-in desk: visitors, waits, no-shows, by service", ("visits", "bookings"),
               figures.walk_ins),
    Definition("callbacks", "Devoluciones de llamada: ofrecidas, aceptadas, a tiempo (PT-2), fallidas",
               "Call-backs: offered, accepted, kept (dialled in the window), failed", ("callbacks",),
               figures.callbacks),
    Definition("campaigns", "Campañas salientes: intentos, contactados, rechazos, por campaña y por técnico",
               "Outbound campaigns: tries, reached, refusals, by campaign and by technician", ("campaign_tries",),
               figures.campaigns),
)}


def build(name: str, rows: Rows, period: Period, filters: dict[str, str] | None = None) -> Report:
    definition = REPORTS[name]
    return Report(name=name, period=period, filters=dict(filters or {}), sections=definition.build(rows, period))

"""The wallboard's today-per-half-hour charts in a real browser: drawn as SVG by wallboard.js under the CSP,
the current half hour follows the calls without a reload, the table holds the same figures."""

from __future__ import annotations

import pytest

from tests.consoles.browser import CHROMIUM, live, new_call, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.django_db,  # the served center has its own database; this keeps the test in the PostgreSQL run
]


def test_the_current_half_hour_follows_the_calls_live(served):
    from playwright.sync_api import expect

    marta = sign_in(served.browser, served.server, "marta")
    errors: list[str] = []
    marta.on("pageerror", lambda error: errors.append(str(error)))
    marta.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    live(marta, "/panel/", served.server)
    charts = marta.locator("#board-intraday")
    expect(charts.locator("svg[role=img]")).to_have_count(4)
    expect(marta.locator("#board-intraday-now")).to_contain_text("Todavía no hay llamadas hoy.")

    new_call(served.server, "llamada-1")  # rings at Lucía
    new_call(served.server, "llamada-2", caller="+34600000002")  # waits
    now = marta.locator("#board-intraday-now .intraday-current")
    expect(now).to_contain_text("Ofrecidas 2 (2 aún en espera) · Atendidas 0 · Abandonadas 0")
    expect(charts.locator("svg").first.locator("rect.chart-offered")).to_have_count(1)
    expect(charts.locator("figcaption").nth(1)).to_contain_text("Atendidas dentro de la espera máxima (PO-2): 3:00")
    expect(charts.locator("svg").nth(1)).to_contain_text("Objetivo 99 %")

    marta.locator(".intraday-table summary").click()
    row = marta.locator("#board-intraday-rows tr[aria-current=time]")
    expect(row.locator("th")).to_contain_text("(en curso)")
    expect(row.locator("td").first).to_have_text("2")
    assert errors == []

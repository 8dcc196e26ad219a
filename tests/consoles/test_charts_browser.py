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


def test_queues_with_their_own_targets_and_the_aht_convention_show_on_the_charts(served):
    """The administrator sets Urgente's service-level target to 80 % (PO-2 policy, over the API); with calls
    in Soporte (99 %) and Urgente, the caption lists both targets and a dashed line follows the half hour's
    weighted target; the AHT chart says a call counts in the half hour it ended."""
    from playwright.sync_api import expect

    ana = sign_in(served.browser, served.server, "ana")
    errors: list[str] = []
    ana.on("pageerror", lambda error: errors.append(str(error)))
    ana.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    live(ana, "/panel/", served.server)
    charts = ana.locator("#board-intraday")
    expect(charts.locator("figcaption").nth(1)).to_contain_text("Objetivo 99 %")
    expect(charts.locator("figcaption").nth(3)).to_contain_text("cada llamada en la media hora en que terminó")
    saved = ana.evaluate("""() => AtiendeLive.request("PUT", "/api/v1/contacts/queues/urgente",
        {label: "Urgente", tiers: [1, 2], policy: {max_wait_seconds: 4, service_level_target: 0.8}})
        .then(function (queue) { return queue.effective_policy.service_level_target; })""")
    assert saved == 0.8

    new_call(served.server, "objetivo-1", queue="urgente")
    new_call(served.server, "objetivo-2", caller="+34600000002")
    caption = charts.locator("figcaption").nth(1)
    # Urgente's 4 s pass: its call is missed and counted; Soporte's (180 s) is not counted yet.
    expect(caption).to_contain_text("Objetivos 80 %, 99 % según la cola", timeout=45_000)
    expect(charts.locator("svg").nth(1).locator("polyline.chart-target")).to_have_count(1, timeout=45_000)
    ana.locator(".intraday-table summary").click()
    row = ana.locator("#board-intraday-rows tr[aria-current=time]")
    expect(row.locator("td").nth(4)).to_have_text("80 %", timeout=45_000)
    assert errors == []

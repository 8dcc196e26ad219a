"""A real browser on /informes/: the charts are drawn, say their figures to a screen reader (an image named
by its title and description, a table with the same numbers beside it), follow the filters and print."""

from __future__ import annotations

from django.utils import timezone

from tests.browser import BROWSER, chromium, new_page
from tests.pages import PASSWORD, desk, fast_hashing  # noqa: F401

pytestmark = BROWSER


def test_volume_charts_are_accessible_and_follow_the_filters(desk, live_server):  # noqa: F811
    from playwright.sync_api import expect

    today = timezone.localdate().isoformat()
    with chromium() as browser:
        page, violations = new_page(browser)
        page.goto(f"{live_server.url}/entrar/")
        page.get_by_label("Nombre de usuario").fill(desk.supervisor.username)
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        page.wait_for_url(lambda url: "/entrar/" not in url)
        page.goto(f"{live_server.url}/informes/")
        page.get_by_role("link", name="Volumen de solicitudes por canal y por semana, y llamadas recibidas").click()
        page.get_by_label("De", exact=True).fill(today)
        page.get_by_label("A", exact=True).fill(today)
        page.get_by_role("button", name="Mostrar").click()

        # The chart of work orders by channel: an image named by its title and described by its figures.
        chart = page.get_by_role("img", name="Solicitudes por canal")
        expect(chart).to_be_visible()
        assert chart.locator("rect").count() == 5  # one bar a channel
        described = page.evaluate("document.getElementById(document.querySelector("
                                  "'svg[aria-labelledby]').getAttribute('aria-labelledby').split(' ')[1]).textContent")
        assert "Telefónico: 1" in described and "Correo: 0" in described  # the supervisor's team only
        section = page.get_by_role("region", name="Solicitudes por canal")
        table = section.get_by_role("table")
        expect(table.get_by_role("row", name="Telefónico 1")).to_be_visible()  # the same figures as a table
        assert chart.evaluate("e => e.getBoundingClientRect().width") > 100

        # Another filter: the charts are drawn again with the figures of what is asked.
        page.locator("select[name=channel]").select_option("email")
        page.get_by_role("button", name="Mostrar").click()
        page.wait_for_url(lambda url: "channel=email" in url)
        described = page.evaluate("document.getElementById(document.querySelector("
                                  "'svg[aria-labelledby]').getAttribute('aria-labelledby').split(' ')[1]).textContent")
        assert "Telefónico: 0" in described
        expect(page.get_by_role("region", name="Solicitudes por canal").get_by_role("row", name="Telefónico 0")
               ).to_be_visible()
        # Printed: the charts and tables stay, the filters and download buttons go.
        page.emulate_media(media="print")
        expect(page.get_by_role("img", name="Solicitudes por canal")).to_be_visible()
        expect(page.get_by_role("button", name="Mostrar")).to_be_hidden()
        assert violations == []

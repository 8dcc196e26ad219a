"""No user text ever runs as script: a real browser types script payloads into every text
field of the web UI's forms, then opens every page that shows them.

Two independent guards are checked: the server escapes the text (the raw payloads never
appear in the HTML), and in the browser no payload ran and the Content Security Policy
never had to block anything (which would mean markup got through).
"""

from __future__ import annotations

from atiende.people.models import Team, User
from tests.browser import BROWSER, chromium

PASSWORD = "clave-de-prueba-2026"
PAYLOADS = [
    "<script>window.__xss=1</script>",
    "\"><img src=x onerror=\"window.__xss=1\">",
    "<svg onload=window.__xss=1>",
    "'><iframe srcdoc='<script>parent.__xss=1</script>'>",
]
SHORT = "<b onclick=x>"
RAW_MARKERS = ["<script>window.__xss", "<img src=x onerror", "<svg onload=window", "<iframe srcdoc"]
FORM_PAGES = ["/clientes/nuevo/", "/solicitudes/nueva/"]
# Fields whose format is checked get a valid value, so the form saves and the other fields'
# payloads reach the pages that show them.
VALID = {"country": "ES", "phone": "+34 910 000 111", "mobile": "+34 600 000 222"}

pytestmark = BROWSER

INIT = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));
"""


def _fill_and_submit(page, counter: list[int]) -> bool:
    forms = page.locator("main form[method=post], main form[method=POST]")
    for i in range(forms.count()):
        form = forms.nth(i)
        fields = form.locator("input[type=text], input:not([type]), input[type=search], textarea")
        if fields.count() == 0:
            continue
        for j in range(fields.count()):
            field = fields.nth(j)
            if not field.is_visible() or not field.is_editable():
                continue
            if field.get_attribute("name") in VALID:
                field.fill(VALID[field.get_attribute("name")])
                continue
            limit = int(field.get_attribute("maxlength") or 10_000)
            payload = PAYLOADS[counter[0] % len(PAYLOADS)]
            counter[0] += 1
            field.fill(payload if len(payload) <= limit else SHORT[:limit])
        for email in form.locator("input[type=email]").all():
            if email.is_visible():
                email.fill("carmen@ejemplo.es")
        for moment in form.locator("input[type=datetime-local]").all():
            if moment.is_visible():
                moment.fill("2030-01-15T10:30")
        # Typing in a customer picker's search box reloads its list (htmx, 300 ms after the last key): let
        # those answers land before choosing from the lists, or the option read may be gone when chosen.
        if form.locator("input[hx-get]").count():
            page.wait_for_timeout(400)
            page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
        for select in form.locator("select").all():
            if select.is_visible():
                values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
                if values:
                    select.select_option(values[-1])
        form.locator("button[type=submit], input[type=submit], button:not([type])").first.click()
        page.wait_for_load_state()
        return True
    return False


def test_script_payloads_typed_into_every_field_never_run(live_server, settings):
    from django.test import Client

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    team = Team.objects.create(name="Soporte")
    admin = User.objects.create_user("ana", password=PASSWORD, role="administrador", is_staff=True,
                                     is_superuser=True)
    admin.teams.add(team)
    counter = [0]
    visited: list[str] = []
    with chromium() as browser:
        context = browser.new_context(locale="es-ES")
        context.add_init_script(INIT)
        page = context.new_page()
        page.set_default_timeout(30_000)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{live_server.url}/entrar/")
        page.locator("input[name=username]").fill("ana")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
        page.wait_for_load_state()

        for path in FORM_PAGES + FORM_PAGES:  # the second round can pick what the first created
            page.goto(f"{live_server.url}{path}")
            _fill_and_submit(page, counter)
            visited.append(page.url)
            assert page.evaluate("window.__xss") is None, f"a payload ran on {page.url}"
        # Every detail page reachable from the lists, and the forms on them.
        for list_path in ("/solicitudes/", "/clientes/"):
            page.goto(f"{live_server.url}{list_path}")
            links = page.locator("main a[href]").evaluate_all("as => as.map(a => a.getAttribute('href'))")
            targets = sorted({h for h in links if h and h.startswith(list_path) and h != list_path
                              and "nuev" not in h})
            for href in targets[:6]:
                page.goto(f"{live_server.url}{href}")
                visited.append(page.url)
                assert page.evaluate("window.__xss") is None, f"a payload ran on {page.url}"
                assert page.evaluate("window.__violations") == [], f"CSP had to block markup on {page.url}"
                if _fill_and_submit(page, counter):
                    visited.append(page.url)
                    assert page.evaluate("window.__xss") is None, f"a payload ran on {page.url}"
        assert dialogs == []
        # Control: markup that did get into the page is stopped by the CSP, and the
        # listener above sees it (so an empty list of violations means something).
        page.evaluate("document.body.insertAdjacentHTML('beforeend', "
                      "'<img src=x onerror=\\'window.__xss=1\\'>')")
        page.wait_for_function("window.__violations.length > 0")
        assert page.evaluate("window.__xss") is None

    assert counter[0] >= 10, f"only {counter[0]} fields were filled"
    from atiende.desk.models import Customer

    assert Customer.objects.filter(name__in=PAYLOADS).exists(), "no payload was saved"
    # The server side: every page visited holds the payloads only escaped.
    client = Client()
    client.force_login(admin)
    shown = 0
    for url in {u.replace(live_server.url, "") for u in visited} | {"/", "/solicitudes/", "/clientes/"}:
        html = client.get(url).content.decode()
        for marker in RAW_MARKERS:
            assert marker not in html, f"{url} carries unescaped {marker!r}"
        shown += "&lt;script&gt;window.__xss" in html or "&lt;svg onload=window" in html
    assert shown >= 3, f"the payloads were shown (escaped) on only {shown} pages"

"""Issue 22, item 5, through a real served process: `atiende serve` believes X-Forwarded-For only from the
proxies in ATIENDE_TRUSTED_PROXIES, so a client that names another address in that header cannot step round
the per-address sign-in lock; a configured proxy's header is honoured (each address behind it counts alone).

Real sign-ins (the form, its CSRF token, the session) over HTTP to `python -m atiende.cli serve` on a free
port, from 127.0.0.1 (uvicorn's own default trusts that address); the throttle table is read afterwards.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import sqlite3
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.migrated import migrated_home
from tests.web.test_serve import ROOT, _env, _free_port, _serve

PASSWORD = "una-clave-larga-2026"
PER_ADDRESS = 3  # failures from one address before it is locked (ATIENDE_LOGIN_MAX_FAILURES_PER_ADDRESS)
SETUP = f"""
from atiende.cli.django_setup import setup_django
setup_django()
from atiende.people.models import User
User.objects.create_user("lucia", password="{PASSWORD}", role="tecnico")
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a served process on a local port")


def _home(tmp_path: Path) -> dict[str, str]:
    env = _env(tmp_path, ATIENDE_LOGIN_MAX_FAILURES_PER_ADDRESS=str(PER_ADDRESS), ATIENDE_LOGIN_MAX_FAILURES="50")
    migrated_home(tmp_path)
    subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    return env


@contextlib.contextmanager
def _served(env: dict[str, str]):
    port = _free_port()
    proc = _serve(["--port", str(port)], env)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the server did not answer in 60 s"
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def _sign_in(port: int, username: str, password: str, forwarded_for: str) -> tuple[int, str]:
    """The sign-in form as a browser sends it, with an X-Forwarded-For header naming ``forwarded_for``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/entrar/", headers={"X-Forwarded-For": forwarded_for})
    page = conn.getresponse()
    html = page.read().decode()
    cookie = SimpleCookie()
    for header in page.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    csrf = cookie["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, html[:500]
    body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/entrar/", body, {"Content-Type": "application/x-www-form-urlencoded",
                                            "Cookie": f"csrftoken={csrf}", "X-Forwarded-For": forwarded_for,
                                            "Accept-Language": "en"})
    answer = conn.getresponse()
    return answer.status, answer.read().decode()


def _locked_addresses(env: dict[str, str]) -> set[str]:
    database = Path(env["ATIENDE_HOME"]) / "atiende.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT key FROM privacy_loginthrottle WHERE kind = 'address'").fetchall()
    return {key for (key,) in rows}


def test_a_client_cannot_name_another_address_to_dodge_the_sign_in_lock(tmp_path):
    env = _home(tmp_path)  # no ATIENDE_TRUSTED_PROXIES: nobody's X-Forwarded-For is believed
    with _served(env) as port:
        for n in range(PER_ADDRESS):  # each failure claims to come from a new address
            status, _page = _sign_in(port, f"persona{n}", "mala-clave", f"203.0.113.{n + 1}")
            assert status == 200  # the form again
        status, page = _sign_in(port, "lucia", PASSWORD, "198.51.100.7")
        assert status == 200 and "Too many failed sign-in attempts" in page  # 127.0.0.1 is locked, header or not
    assert _locked_addresses(env) == {"127.0.0.1"}


def test_a_configured_proxys_forwarded_address_is_honoured(tmp_path):
    env = _home(tmp_path)
    env["ATIENDE_TRUSTED_PROXIES"] = "127.0.0.1"  # the reverse proxy on this machine
    with _served(env) as port:
        for n in range(PER_ADDRESS):  # one client behind the proxy fails again and again
            status, _page = _sign_in(port, f"persona{n}", "mala-clave", "203.0.113.9")
            assert status == 200
        status, page = _sign_in(port, "lucia", PASSWORD, "203.0.113.9")
        assert status == 200 and "Too many failed sign-in attempts" in page  # that client is locked...
        status, _page = _sign_in(port, "lucia", PASSWORD, "198.51.100.7")
        assert status == 302  # ...another one behind the same proxy signs in
    assert _locked_addresses(env) == {"203.0.113.9"}

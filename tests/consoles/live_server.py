"""Start a real ASGI Atiende on a free loopback port on a database of its own (browser tests, bench): migrate and
seed it (:func:`prepare`), then serve it, or a copy of it (:func:`serving`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.migrated import migrated_home

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    url: str
    port: int
    env: dict[str, str]
    cti_token: str
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"ATIENDE_HOME": str(home), "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "atiende.settings",
                "ATIENDE_DEBUG": "0"})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def prepare(home: Path, password: str, *, database_url: str | None = None) -> str:
    """Migrate and seed (tests.consoles.seed) the database ``home`` or ``database_url`` names; the CTI token."""
    home.mkdir(parents=True, exist_ok=True)
    env = _env(home, database_url)
    python = sys.executable
    if database_url is None:
        migrated_home(home)
    else:
        subprocess.run([python, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True,
                       timeout=600)
    seeded = subprocess.run([python, "-m", "tests.consoles.seed", password], env=env, cwd=ROOT, check=True,
                            capture_output=True, text=True, timeout=300)
    return seeded.stdout.strip().splitlines()[-1]


@contextmanager
def serving(home: Path, cti_token: str, *, timeout: float = 120.0,
            database_url: str | None = None) -> Iterator[Server]:
    """Serve a database :func:`prepare` made (or a copy of one); stop the server on the way out."""
    home.mkdir(parents=True, exist_ok=True)
    env = _env(home, database_url)
    port = free_port()
    log = home / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.consoles.serve", str(port)], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/entrar/", timeout=5):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}") from None
                    time.sleep(0.05)  # polling for the port to open, not synchronising the test
            yield Server(url, port, env, cti_token, log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def running(home: Path, password: str, *, timeout: float = 120.0,
            database_url: str | None = None) -> Iterator[Server]:
    """Migrate, seed (tests.consoles.seed), serve; stop the server on the way out.

    The database is a fresh SQLite file under ``home``, or ``database_url`` (an empty database the caller made).
    """
    token = prepare(home, password, database_url=database_url)
    with serving(home, token, timeout=timeout, database_url=database_url) as server:
        yield server

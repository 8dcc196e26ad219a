"""Start a real ASGI Atiende on a free loopback port with a fresh SQLite database (browser test, bench)."""

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


@contextmanager
def running(home: Path, password: str, *, timeout: float = 120.0,
            database_url: str | None = None) -> Iterator[Server]:
    """Migrate, seed (tests.consoles.seed), serve; stop the server on the way out.

    The database is a fresh SQLite file under ``home``, or ``database_url`` (an empty database the caller made).
    """
    home.mkdir(parents=True, exist_ok=True)
    env = _env(home, database_url)
    python = sys.executable
    subprocess.run([python, "-m", "atiende.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True,
                   timeout=600)
    seeded = subprocess.run([python, "-m", "tests.consoles.seed", password], env=env, cwd=ROOT, check=True,
                            capture_output=True, text=True, timeout=300)
    token = seeded.stdout.strip().splitlines()[-1]
    port = free_port()
    log = home / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([python, "-m", "tests.consoles.serve", str(port)], env=env, cwd=ROOT,
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
                    time.sleep(0.2)  # polling for the port to open, not synchronising the test
            yield Server(url, port, env, token, log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

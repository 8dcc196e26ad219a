"""Helpers shared by the benchmark scripts (each script also runs on its own).

A script prints Markdown for people, and one ``figure: {json}`` line per
headline number, which ``python -m bench`` gathers into the summary table of
docs/performance.md.
"""

from __future__ import annotations

import json
import math
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def figure(name: str, value: float | str, unit: str = "", *, target: str = "", met: bool | None = None,
           note: str = "") -> None:
    """Print one headline figure, e.g. ``figure("Erlang C solve, 20,000 agents", 0.2, "ms", target="< 5 ms")``."""
    data: dict[str, Any] = {"name": name, "value": value, "unit": unit}
    if target:
        data["target"] = target
    if met is not None:
        data["met"] = met
    if note:
        data["note"] = note
    print("figure: " + json.dumps(data, ensure_ascii=False), flush=True)


def time_call(function: Callable[[], object], *, min_seconds: float = 0.2, repeat: int = 7) -> dict[str, float]:
    """Seconds per call: median, best and worst of ``repeat`` rounds of enough calls to last ``min_seconds``."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            function()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds / 4 or number >= 1 << 20:
            break
        number *= 4
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        rounds.append((time.perf_counter() - start) / number)
    return {"median": statistics.median(rounds), "best": min(rounds), "worst": max(rounds), "calls": number}


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered) - 1e-9) - 1))
    return ordered[rank]


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def free_port() -> int:
    """A TCP port on the loopback nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_PIDS: dict[int, int] = {}  # port -> the pid of the ``atiende serve`` process :func:`served` started on it


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a process and its waited-for children have used so far (Linux /proc)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


class ServerFailed(RuntimeError):
    """``atiende serve`` stopped or did not answer in time; the message holds the end of its log."""


@contextmanager
def served(env: dict[str, str], home: Path, ready_path: str, *, wait: float = 60) -> Iterator[int]:
    """``atiende serve`` on a free port with ``env``, logging to ``home``/server.log; yields the port once
    ``ready_path`` answers, and stops the server at the end. Serving with debugging off needs a secret key of
    its own (``serve`` refuses the development key) and plain HTTP on the loopback: both are set unless given."""
    env = {"ATIENDE_SECRET_KEY": secrets.token_urlsafe(50), "ATIENDE_SSL_REDIRECT": "0", **env}
    port = free_port()
    log = home / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "atiende.cli", "serve", "--port", str(port)], env=env,
                                  cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=5):
                        break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise ServerFailed(log.read_text()[-3000:]) from None
                    time.sleep(0.2)
            SERVER_PIDS[port] = server.pid
            yield port
        finally:
            SERVER_PIDS.pop(port, None)
            server.terminate()
            server.wait(timeout=15)

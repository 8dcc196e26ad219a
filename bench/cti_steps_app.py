"""Atiende's ASGI application with a stopwatch on each step of a CTI event, for bench/bench_cti_steps.py.

Served by uvicorn as ``cti_steps_app:app`` (``--app-dir bench``) exactly as ``atiende serve`` serves
``atiende.asgi:application``; the timers wrap the steps from outside, nothing in Atiende changes. Each
request that carries an ``X-Bench-Event`` header gets a record (one JSON line in ``$CTI_STEPS_DIR/<pid>.jsonl``,
written after its answer went out):

``hop``
    from the event loop handing the request over to the moment the synchronous chain starts on its worker
    thread (the thread hop: waiting for the GIL and a CPU);
``auth``
    the bearer token's check;
``before_view``
    the middleware and django-ninja's parsing before the view, the token's check left out;
``view`` and ``view_cpu``
    the view's wall time and its thread's CPU time (what is left of the wall time once the statements are
    taken out is waiting for the GIL or a CPU);
``sql`` and ``statements``
    time in ``cursor.execute`` (the round trip to the database, lock waits included) and how many;
``lock``
    the call's locked read (part of ``sql``);
``commit``
    the COMMIT;
``on_commit``
    the work run after the commit in the request (the consoles' live update through the channel layer, the
    webhook's nudge); ``live`` is the live update's share;
``after_view``
    from the view's end to the end of the synchronous chain (middleware on the way out);
``back``
    from the end of the chain to the event loop holding the response (the hop back);
``send``
    the response written to the socket;
``gc``
    garbage collection pauses in this process while the request was in it (any thread: a collection holds
    the GIL);
``total``
    from the application called to the answer sent.
"""

from __future__ import annotations

import contextvars
import gc
import json
import os
import threading
import time
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

import atiende.asgi as served
from atiende.api import auth
from atiende.api import cti as cti_api
from atiende.contact import live
from atiende.contact.services import locking

_record: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("bench_cti_step", default=None)
_out_lock = threading.Lock()
_out = open(os.path.join(os.environ["CTI_STEPS_DIR"], f"{os.getpid()}.jsonl"), "a", buffering=1)  # noqa: SIM115

# Garbage collection: the pauses' running total, in seconds.
_gc = {"total": 0.0, "started": 0.0}


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc["started"] = time.perf_counter()
    else:
        _gc["total"] += time.perf_counter() - _gc["started"]


gc.callbacks.append(_on_gc)


def _add(key: str, seconds: float) -> None:
    record = _record.get()
    if record is not None:
        record[key] = record.get(key, 0.0) + seconds


def _timed(key: str, func: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            _add(key, time.perf_counter() - t0)

    return wrapper


# The statements, the COMMIT and what runs after it.
_execute = CursorWrapper._execute


def _counted_execute(self: Any, sql: str, params: Any, *rest: Any) -> Any:
    t0 = time.perf_counter()
    try:
        return _execute(self, sql, params, *rest)
    finally:
        record = _record.get()
        if record is not None:
            record["sql"] = record.get("sql", 0.0) + time.perf_counter() - t0
            record["statements"] = record.get("statements", 0) + 1


CursorWrapper._execute = _counted_execute
BaseDatabaseWrapper.commit = _timed("commit", BaseDatabaseWrapper.commit)
BaseDatabaseWrapper.run_and_clear_commit_hooks = _timed("on_commit", BaseDatabaseWrapper.run_and_clear_commit_hooks)
live._send = _timed("live", live._send)
locking._read_locked.__class__.__call__ = _timed("lock", locking._read_locked.__class__.__call__)
auth.BearerToken.authenticate = _timed("auth", auth.BearerToken.authenticate)

# The view: wall and the thread's CPU.
_receive = cti_api.native.receive


def _view(*args: Any, **kwargs: Any) -> Any:
    record = _record.get()
    t0, c0 = time.perf_counter(), time.thread_time()
    try:
        return _receive(*args, **kwargs)
    finally:
        if record is not None:
            record["view_at"] = t0
            record["view"] = time.perf_counter() - t0
            record["view_end"] = time.perf_counter()
            record["view_cpu"] = time.thread_time() - c0


cti_api.native.receive = _view

# The synchronous chain on its worker thread.
_handler = served.django_asgi_app
_get_response = type(_handler).get_response


def _chain(self: Any, request: Any) -> Any:
    record = _record.get()
    started = time.perf_counter()
    if record is not None:
        record["hop"] = started - record["in"]
    response = _get_response(self, request)
    if record is not None:
        ended = time.perf_counter()
        record["chain_end"] = ended
        if "view_at" in record:
            record["before_view"] = record["view_at"] - started - record.get("auth", 0.0)
            record["after_view"] = ended - record["view_end"]
    return response


type(_handler).get_response = _chain


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        await served.application(scope, receive, send)
        return
    event = next((value.decode() for name, value in scope["headers"] if name == b"x-bench-event"), None)
    if event is None:
        await served.application(scope, receive, send)
        return
    record: dict[str, Any] = {"event": event, "in": time.perf_counter(), "gc_at_in": _gc["total"]}
    _record.set(record)

    async def timed_send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            record["back"] = time.perf_counter() - record.get("chain_end", record["in"])
            record["send_at"] = time.perf_counter()
        await send(message)

    await served.application(scope, receive, timed_send)
    done = time.perf_counter()
    record["send"] = done - record.get("send_at", done)
    record["total"] = done - record["in"]
    record["gc"] = _gc["total"] - record.pop("gc_at_in")
    for key in ("in", "view_at", "view_end", "chain_end", "send_at"):
        record.pop(key, None)
    with _out_lock:
        _out.write(json.dumps(record) + "\n")

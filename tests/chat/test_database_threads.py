"""The chat sockets' database calls: the process's one thread on SQLite, a small pool of their own on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from asgiref.sync import async_to_sync
from django.db import connection

from atiende.chat.consumers import database_threads, on_database


def test_a_pool_on_postgresql_one_thread_on_sqlite_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("ATIENDE_CHAT_DB_THREADS", raising=False)
    assert database_threads() == (4 if connection.vendor == "postgresql" else 1)
    monkeypatch.setenv("ATIENDE_CHAT_DB_THREADS", "3")
    assert database_threads() == 3
    monkeypatch.setenv("ATIENDE_CHAT_DB_THREADS", "0")
    assert database_threads() == 1
    monkeypatch.setenv("ATIENDE_CHAT_DB_THREADS", "many")
    assert database_threads() == (4 if connection.vendor == "postgresql" else 1)


@pytest.mark.django_db(transaction=True)
def test_with_several_threads_a_call_runs_on_the_chats_own_pool_and_reads_the_database(monkeypatch):
    from atiende.chat.models import ChatSession

    monkeypatch.setenv("ATIENDE_CHAT_DB_THREADS", "2")

    def where() -> tuple[str, int]:
        return threading.current_thread().name, ChatSession.objects.count()

    name, count = async_to_sync(on_database(where))()
    assert name.startswith("atiende-chat-db") and count == 0
    monkeypatch.setenv("ATIENDE_CHAT_DB_THREADS", "1")
    name, _count = async_to_sync(on_database(where))()
    assert not name.startswith("atiende-chat-db")

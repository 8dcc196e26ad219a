"""PostgreSQL connections bind parameters server-side and prepare statements they run often."""

from __future__ import annotations

import pytest
from django.db import connection

from atiende import settings as atiende_settings


def _options(monkeypatch, url: str, **env: str) -> dict:
    monkeypatch.setenv("DATABASE_URL", url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return atiende_settings._database_from_environment().get("OPTIONS", {})


def test_postgresql_connections_prepare_what_they_run_often(monkeypatch):
    options = _options(monkeypatch, "postgres://atiende@db.example:5432/atiende")
    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, 5)


def test_a_pooler_in_transaction_mode_can_turn_preparing_off(monkeypatch):
    options = _options(monkeypatch, "postgres://atiende@db.example:5432/atiende", ATIENDE_DB_PREPARE="0")
    assert "server_side_binding" not in options and "prepare_threshold" not in options


def test_sqlite_is_left_alone(monkeypatch, tmp_path):
    options = _options(monkeypatch, f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert "server_side_binding" not in options


@pytest.mark.django_db
def test_a_query_run_again_and_again_is_prepared_once_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    from atiende.contact.models import Queue

    for _ in range(6):
        list(Queue.objects.filter(name="prepared-check"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%"contact_queue"."name" = $1%'])
        assert cursor.fetchall(), "the repeated query was not prepared"


def test_sqlite_connections_are_kept_by_their_thread_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("ATIENDE_SQLITE_CONN_SECONDS", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert atiende_settings._database_from_environment()["CONN_MAX_AGE"] == 600
    monkeypatch.setenv("ATIENDE_SQLITE_CONN_SECONDS", "0")
    assert atiende_settings._database_from_environment()["CONN_MAX_AGE"] == 0

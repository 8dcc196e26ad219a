"""ET-3 / NT-3: a stored password is nowhere in the database or the logs, in any form we can grep."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.db import connection

from atiende.privacy.services import give_consent, reveal_secret, store_secret

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Zorro-Azul-7731-secreto"
LABEL = "Cuenta-de-correo-etiqueta-visible"


def _database_contains(needle: str) -> bool:
    if connection.vendor == "sqlite":
        # The test database may live in memory: copy it page by page into a real
        # file (SQLite's backup API) and grep that file's bytes.
        import sqlite3
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "copy.sqlite3"
            target = sqlite3.connect(path)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            return needle.encode("utf-8") in path.read_bytes()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT 1 FROM {quoted} t WHERE t::text LIKE %s LIMIT 1", [f"%{needle}%"])
            if cursor.fetchone():
                return True
    return False


def test_stored_password_is_not_in_the_database_file_or_the_logs(
    vault_key, customer, work_order, technician, caplog
):
    for name in (None, "django", "django.db.backends", "atiende"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True  # log every SQL statement with its parameters
    try:
        secret = store_secret(work_order=work_order, kind="password", label=LABEL, value=PASSWORD,
                              created_by=technician)
        give_consent(customer=customer, scope="account_access", method="spoken_phone",
                     recorded_by=technician, work_order=work_order)
        assert reveal_secret(actor=technician, secret=secret) == PASSWORD
    finally:
        connection.force_debug_cursor = False
    # The greps work: the label, which is not secret, is found in both places.
    assert _database_contains(LABEL)
    assert LABEL in caplog.text
    assert not _database_contains(PASSWORD)
    assert PASSWORD not in caplog.text

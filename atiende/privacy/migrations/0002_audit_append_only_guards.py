"""Database-level guard for the audit trail (ET-4): rows can be inserted, never changed.

PostgreSQL refuses UPDATE and DELETE of a row through a trigger (TRUNCATE, which
the test runner uses to empty tables, stays possible for the database owner).
SQLite refuses UPDATE; a DELETE trigger would also stop Django's own test
flush, so there deletions are caught by the hash chain and the chain head
(``atiende audit verify``) instead.
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION privacy_audit_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit entries are append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS privacy_auditentry_append_only ON privacy_auditentry",
    """
    CREATE TRIGGER privacy_auditentry_append_only BEFORE UPDATE OR DELETE ON privacy_auditentry
        FOR EACH ROW EXECUTE FUNCTION privacy_audit_append_only()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS privacy_auditentry_append_only ON privacy_auditentry",
    "DROP FUNCTION IF EXISTS privacy_audit_append_only()",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER IF NOT EXISTS privacy_auditentry_no_update BEFORE UPDATE ON privacy_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS privacy_auditentry_no_update;"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]

"""Faster search: each entry keeps its title's stems; the match reads the newest entries of one kind first.

SQLite: the FTS5 table is made again with the entry's ``kind`` and ``public`` as columns, so one
MATCH selects the kind (and public articles) and FTS5 walks its matches newest first (``ORDER BY
rowid DESC``) and stops at the limit. PostgreSQL: an index on (kind, id) lets the planner walk the
newest entries of a kind for a common word instead of reading all its matches.
The column is nullable so that SQLite adds it in place (a rebuilt table would lose its triggers).
"""

from django.db import migrations, models

SQLITE = [
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_insert",
    "DROP TABLE IF EXISTS knowledge_searchentry_fts",
    "CREATE VIRTUAL TABLE knowledge_searchentry_fts USING fts5(kind, public, terms, "
    "content='knowledge_searchentry', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER knowledge_searchentry_fts_insert AFTER INSERT ON knowledge_searchentry BEGIN "
    "INSERT INTO knowledge_searchentry_fts(rowid, kind, public, terms) VALUES (new.id, new.kind, new.public, "
    "new.terms); END",
    "CREATE TRIGGER knowledge_searchentry_fts_delete AFTER DELETE ON knowledge_searchentry BEGIN "
    "INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts, rowid, kind, public, terms) "
    "VALUES ('delete', old.id, old.kind, old.public, old.terms); END",
    "CREATE TRIGGER knowledge_searchentry_fts_update AFTER UPDATE ON knowledge_searchentry BEGIN "
    "INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts, rowid, kind, public, terms) "
    "VALUES ('delete', old.id, old.kind, old.public, old.terms); "
    "INSERT INTO knowledge_searchentry_fts(rowid, kind, public, terms) VALUES (new.id, new.kind, new.public, "
    "new.terms); END",
    "INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_insert",
    "DROP TABLE IF EXISTS knowledge_searchentry_fts",
    "CREATE VIRTUAL TABLE knowledge_searchentry_fts USING fts5(terms, content='knowledge_searchentry', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER knowledge_searchentry_fts_insert AFTER INSERT ON knowledge_searchentry BEGIN "
    "INSERT INTO knowledge_searchentry_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER knowledge_searchentry_fts_delete AFTER DELETE ON knowledge_searchentry BEGIN "
    "INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts, rowid, terms) "
    "VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER knowledge_searchentry_fts_update AFTER UPDATE ON knowledge_searchentry BEGIN "
    "INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts, rowid, terms) "
    "VALUES ('delete', old.id, old.terms); "
    "INSERT INTO knowledge_searchentry_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts) VALUES ('rebuild')",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute("CREATE INDEX knowledge_searchentry_kind_id ON knowledge_searchentry (kind, id)")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_searchentry_kind_id")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_articles_canned_answers")]

    operations = [
        migrations.AddField(
            model_name="searchentry", name="title_terms",
            field=models.TextField(blank=True, null=True, verbose_name="title terms"),
        ),
        migrations.RunPython(forward, backward),
    ]

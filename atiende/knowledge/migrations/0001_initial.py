"""The search index table, and what each database matches it with.

SQLite: an FTS5 table over ``terms`` (external content: the words live once, in the
table) kept in step by triggers, tokenised with ``unicode61 remove_diacritics 2``.
PostgreSQL: the ``unaccent`` extension, a text search configuration
``atiende_search`` (the ``simple`` one with ``unaccent`` first), a generated
``tsvector`` column over ``terms`` and its GIN index.

The stems themselves are computed in Python (``atiende.search``), the same for both,
so both databases match the same rows; the folding of the tokenizer and of
``unaccent`` only guards text written past the index functions.
"""

import django.utils.timezone
from django.db import migrations, models

SQLITE_FORWARD = [
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
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_insert",
    "DROP TABLE IF EXISTS knowledge_searchentry_fts",
]
WORD_TOKENS = "asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart"


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
        return
    if connection.vendor != "postgresql":
        return
    from django.db import transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'atiende_search'")
        exists = cursor.fetchone() is not None
    if not exists:
        schema_editor.execute("CREATE TEXT SEARCH CONFIGURATION atiende_search (COPY = pg_catalog.simple)")
        try:
            with transaction.atomic(using=connection.alias):  # a savepoint: a refusal leaves the rest standing
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
                schema_editor.execute(
                    f"ALTER TEXT SEARCH CONFIGURATION atiende_search ALTER MAPPING FOR {WORD_TOKENS} "
                    "WITH unaccent, simple")
        except Exception:  # noqa: BLE001  a server that does not allow the extension: stems are folded already
            pass
    schema_editor.execute(
        "ALTER TABLE knowledge_searchentry ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('atiende_search'::regconfig, terms)) STORED")
    schema_editor.execute(
        "CREATE INDEX knowledge_searchentry_vector ON knowledge_searchentry USING gin (search_vector)")


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)
    elif connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE knowledge_searchentry DROP COLUMN IF EXISTS search_vector")
        schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS atiende_search")


class Migration(migrations.Migration):
    initial = True

    dependencies = []  # type: ignore[var-annotated]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("work_order", "Work order"), ("customer", "Customer"),
                                                   ("article", "Article"), ("canned_answer", "Canned answer")],
                                          max_length=16, verbose_name="kind")),
                ("object_id", models.BigIntegerField(verbose_name="object id")),
                ("title", models.CharField(max_length=300, verbose_name="title")),
                ("text", models.TextField(blank=True, verbose_name="text")),
                ("terms", models.TextField(blank=True, verbose_name="terms")),
                ("public", models.BooleanField(default=False, verbose_name="public")),
                ("language", models.CharField(blank=True, max_length=8, verbose_name="language")),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"verbose_name": "search entry", "verbose_name_plural": "search entries"},
        ),
        migrations.AddConstraint(
            model_name="searchentry",
            constraint=models.UniqueConstraint(fields=("kind", "object_id"), name="knowledge_entry_unique"),
        ),
        migrations.RunPython(forward, backward),
    ]

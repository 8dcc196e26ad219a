"""PostgreSQL: the search GIN index keeps a small pending list (64 kB), so a search never scans a large one.

With ``fastupdate`` (the default) new entries wait in the index's pending list (up to
``gin_pending_list_limit``, 4 MB) until a VACUUM merges them, and every search reads all of
it: after loading 215,200 entries bench_search spent 290 ms of CPU a search there (against
about 15 ms once merged). 64 kB keeps writes batched (a message still updates its entry
cheaply) while bounding what a search reads; what is pending now is merged here.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX knowledge_searchentry_vector SET (gin_pending_list_limit = 64)")
        schema_editor.execute("SELECT gin_clean_pending_list('knowledge_searchentry_vector'::regclass)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX knowledge_searchentry_vector RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0005_feedback_once_a_day")]

    operations = [migrations.RunPython(forward, backward)]

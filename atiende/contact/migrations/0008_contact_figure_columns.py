"""The engine's hold and transfer figures of a call as columns (issue 20: reports add them up in SQL).

The columns are added with 0, then every existing call's are copied from its ``data`` in batches of
ids, each batch committed on its own (``atomic = False``): a large table is not locked for the whole copy.
A value that is not a JSON number counts as 0, as ``Contact.save`` copies them from now on.
"""

from django.db import migrations, models, transaction

BATCH = 20_000
COLUMNS = ("hold_count", "hold_seconds", "hold_overruns", "transfer_count")


def _value(vendor: str, key: str) -> str:
    if vendor == "postgresql":
        number = f"(data::jsonb ->> '{key}')::numeric"
        kept = f"{number}::float8" if key == "hold_seconds" else (
            f"GREATEST(-2147483648, LEAST(2147483647, TRUNC({number})))::integer")
        return f"CASE WHEN jsonb_typeof(data::jsonb -> '{key}') = 'number' THEN {kept} ELSE 0 END"
    number = f"json_extract(data, '$.{key}')"
    kept = f"CAST({number} AS REAL)" if key == "hold_seconds" else (
        f"MAX(-2147483648, MIN(2147483647, CAST({number} AS INTEGER)))")
    return f"CASE WHEN json_valid(data) AND json_type(data, '$.{key}') IN ('integer', 'real') THEN {kept} ELSE 0 END"


def copy_figures(apps, schema_editor):
    connection = schema_editor.connection
    table = apps.get_model("contact", "Contact")._meta.db_table
    assignments = ", ".join(f"{column} = {_value(connection.vendor, column)}" for column in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {table}")
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, BATCH):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE id >= %s AND id < %s", [start, start + BATCH])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contact", "0007_contact_arrived_index"),
    ]

    operations = [
        migrations.AddField("contact", "hold_count", models.IntegerField(default=0, editable=False,
                                                                         verbose_name="holds")),
        migrations.AddField("contact", "hold_seconds", models.FloatField(default=0.0, editable=False,
                                                                         verbose_name="seconds on hold")),
        migrations.AddField("contact", "hold_overruns", models.IntegerField(default=0, editable=False,
                                                                            verbose_name="hold overruns")),
        migrations.AddField("contact", "transfer_count", models.IntegerField(default=0, editable=False,
                                                                             verbose_name="transfers")),
        migrations.RunPython(copy_figures, migrations.RunPython.noop, elidable=True),
    ]

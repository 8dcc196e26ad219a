"""The calls added up by hour (reports/rollup.py), and the triggers that tell when an added-up hour's calls change.

A call whose arrival is more than a day old (every added-up hour is) bumps its hour's version in
reports_callhourchange when it is inserted, updated or deleted, and a customer's change of organisation
bumps the hours of their calls (a call's limits follow its customer's organisation): a report then reads
those hours' calls, not their sums, until the worker adds them up again. Live calls (younger than a day)
only evaluate the trigger's WHEN condition.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PG_FORWARD = '''
CREATE FUNCTION reports_call_hour_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.created_at < now() - interval '1 day' THEN
        INSERT INTO reports_callhourchange (hour, version)
        VALUES (date_trunc('hour', OLD.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1)
        ON CONFLICT (hour) DO UPDATE SET version = reports_callhourchange.version + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.created_at < now() - interval '1 day' THEN
        INSERT INTO reports_callhourchange (hour, version)
        VALUES (date_trunc('hour', NEW.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1)
        ON CONFLICT (hour) DO UPDATE SET version = reports_callhourchange.version + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reports_call_hour_inserted AFTER INSERT ON contact_contact FOR EACH ROW
    WHEN (NEW.created_at < now() - interval '1 day') EXECUTE FUNCTION reports_call_hour_changed();
CREATE TRIGGER reports_call_hour_updated AFTER UPDATE ON contact_contact FOR EACH ROW
    WHEN (OLD.created_at < now() - interval '1 day' OR NEW.created_at < now() - interval '1 day')
    EXECUTE FUNCTION reports_call_hour_changed();
CREATE TRIGGER reports_call_hour_deleted AFTER DELETE ON contact_contact FOR EACH ROW
    WHEN (OLD.created_at < now() - interval '1 day') EXECUTE FUNCTION reports_call_hour_changed();
CREATE FUNCTION reports_customer_organisation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_callhourchange (hour, version)
    SELECT DISTINCT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1 FROM contact_contact
    WHERE customer_id = NEW.id AND created_at < now() - interval '1 day'
    ON CONFLICT (hour) DO UPDATE SET version = reports_callhourchange.version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER reports_customer_organisation_changed AFTER UPDATE OF organisation_id ON desk_customer FOR EACH ROW
    WHEN (OLD.organisation_id IS DISTINCT FROM NEW.organisation_id)
    EXECUTE FUNCTION reports_customer_organisation_changed();
'''
PG_BACKWARD = '''
DROP TRIGGER IF EXISTS reports_customer_organisation_changed ON desk_customer;
DROP FUNCTION IF EXISTS reports_customer_organisation_changed();
DROP TRIGGER IF EXISTS reports_call_hour_inserted ON contact_contact;
DROP TRIGGER IF EXISTS reports_call_hour_updated ON contact_contact;
DROP TRIGGER IF EXISTS reports_call_hour_deleted ON contact_contact;
DROP FUNCTION IF EXISTS reports_call_hour_changed();
'''
# SQLite keeps a moment as text 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC): its hour is the first 13 characters.
_OLD_ENOUGH = "strftime('%Y-%m-%d %H:%M:%S', 'now', '-1 day')"
_BUMP = ("INSERT INTO reports_callhourchange (hour, version) SELECT substr({row}.created_at, 1, 13) || ':00:00', 1 "
         "WHERE {row}.created_at < " + _OLD_ENOUGH + " ON CONFLICT (hour) DO UPDATE SET version = version + 1;")
SQLITE_FORWARD = [
    "CREATE TRIGGER reports_call_hour_inserted AFTER INSERT ON contact_contact WHEN NEW.created_at < "
    + _OLD_ENOUGH + " BEGIN " + _BUMP.format(row="NEW") + " END;",
    "CREATE TRIGGER reports_call_hour_updated AFTER UPDATE ON contact_contact WHEN OLD.created_at < "
    + _OLD_ENOUGH + " OR NEW.created_at < " + _OLD_ENOUGH + " BEGIN "
    + _BUMP.format(row="OLD") + " " + _BUMP.format(row="NEW") + " END;",
    "CREATE TRIGGER reports_call_hour_deleted AFTER DELETE ON contact_contact WHEN OLD.created_at < "
    + _OLD_ENOUGH + " BEGIN " + _BUMP.format(row="OLD") + " END;",
    "CREATE TRIGGER reports_customer_organisation_changed AFTER UPDATE OF organisation_id ON desk_customer "
    "WHEN OLD.organisation_id IS NOT NEW.organisation_id BEGIN "
    "INSERT INTO reports_callhourchange (hour, version) SELECT DISTINCT substr(created_at, 1, 13) || ':00:00', 1 "
    "FROM contact_contact WHERE customer_id = NEW.id AND created_at < " + _OLD_ENOUGH
    + " ON CONFLICT (hour) DO UPDATE SET version = version + 1; END;",
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {name};" for name in (
    "reports_call_hour_inserted", "reports_call_hour_updated", "reports_call_hour_deleted",
    "reports_customer_organisation_changed")]


def _run(statements_pg: str, statements_sqlite: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statements_pg)
        elif schema_editor.connection.vendor == "sqlite":
            for statement in statements_sqlite:
                schema_editor.execute(statement)
    return run



class Migration(migrations.Migration):

    dependencies = [
        ('contact', '0009_chat_capacity'),
        ('reports', '0004_scheduled_report_campaigns'),
        ('desk', '0008_customer_time_zone_do_not_call'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CallHourBuilt',
            fields=[
                ('hour', models.DateTimeField(primary_key=True, serialize=False)),
                ('version', models.BigIntegerField(default=0)),
                ('zone', models.CharField(max_length=64)),
                ('built_at', models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name='CallHourChange',
            fields=[
                ('hour', models.DateTimeField(primary_key=True, serialize=False)),
                ('version', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='CallHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField()),
                ('organisation_id', models.BigIntegerField(null=True)),
                ('outbound', models.BooleanField()),
                ('day', models.IntegerField(null=True)),
                ('wait_limit_us', models.BigIntegerField()),
                ('call_limit_us', models.BigIntegerField()),
                ('offered', models.IntegerField()),
                ('answered', models.IntegerField()),
                ('abandoned', models.IntegerField()),
                ('wait_us', models.BigIntegerField()),
                ('handled', models.IntegerField()),
                ('handle_us', models.BigIntegerField()),
                ('po1', models.IntegerField()),
                ('po2_met', models.IntegerField()),
                ('po2_late', models.IntegerField()),
                ('transferred', models.IntegerField()),
                ('transfers', models.BigIntegerField()),
                ('with_hold', models.IntegerField()),
                ('holds', models.BigIntegerField()),
                ('hold_seconds', models.FloatField()),
                ('hold_overruns', models.BigIntegerField()),
                ('assignee', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('queue', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='contact.queue')),
            ],
            options={
                'indexes': [models.Index(fields=['hour'], name='reports_callhour_hour_idx')],
            },
        ),
        migrations.RunPython(_run(PG_FORWARD, SQLITE_FORWARD), _run(PG_BACKWARD, SQLITE_BACKWARD)),
    ]

"""The sign-in throttle keeps typed user names only as keyed digests (issue 22, item 6): the counters kept
so far by name are replaced by their digests (a failure count is short-lived; nothing else refers to it)."""

from django.db import migrations


def digest_names(apps, schema_editor):
    from atiende.privacy.auth import username_key

    throttle = apps.get_model("privacy", "LoginThrottle")
    rows = throttle.objects.using(schema_editor.connection.alias).filter(kind="username")
    for row in rows.exclude(key__startswith="hmac-sha256:"):
        digest = username_key(row.key)
        if rows.filter(key=digest).exists():
            row.delete()
        else:
            row.key = digest
            row.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("privacy", "0004_audit_head_seal")]

    operations = [migrations.RunPython(digest_names, migrations.RunPython.noop)]

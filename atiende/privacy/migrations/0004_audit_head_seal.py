"""The chain head's seal (issue 22, item 2): HMAC of (seq, hash) under the audit key kept outside the
database. An existing head is sealed now, so ``atiende audit verify`` holds from here on."""

from django.db import migrations, models


def seal_existing_head(apps, schema_editor):
    from atiende.privacy import audit_seal

    head_model = apps.get_model("privacy", "AuditHead")
    for head in head_model.objects.using(schema_editor.connection.alias).filter(seq__gt=0):
        head.mac = audit_seal.seal(head.seq, head.hash)
        head.save(update_fields=["mac"])


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_consent_for_unidentified_callers")]

    operations = [
        migrations.AddField(model_name="audithead", name="mac",
                            field=models.CharField(blank=True, default="", max_length=64)),
        migrations.RunPython(seal_existing_head, migrations.RunPython.noop),
    ]

"""The native CTI events and the webhook's outbox move from the contact app to telephony: state only.

Their tables keep their names (``contact_ctievent``, ``contact_webhookdelivery``, set as ``db_table``)
and their rows: nothing in the database changes but the content types' app label, so permissions
given on them and the admin's history stay attached. contact/0005 removes them from the contact
app's state.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

MOVED = ("ctievent", "webhookdelivery")


def _relabel(apps, schema_editor, source, target):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, "contact", "telephony")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, "telephony", "contact")


PENDING = models.Q(("delivered_at__isnull", True), ("gave_up_at__isnull", True))


class Migration(migrations.Migration):

    dependencies = [
        ('contact', '0004_webhook_purge_indexes'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('telephony', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CtiEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('event_id', models.CharField(max_length=120, unique=True)),
                        ('kind', models.CharField(max_length=30)),
                        ('payload', models.JSONField(default=dict)),
                        ('status', models.PositiveSmallIntegerField(default=200)),
                        ('response', models.JSONField(default=dict)),
                        ('received_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='cti_events', to='contact.contact')),
                    ],
                    options={
                        'db_table': 'contact_ctievent',
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('decision_id', models.UUIDField(unique=True, verbose_name='decision id')),
                        ('action', models.CharField(max_length=20, verbose_name='action')),
                        ('payload', models.JSONField(default=dict, verbose_name='payload')),
                        ('created_at', models.DateTimeField(verbose_name='created')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(verbose_name='next attempt')),
                        ('claimed_by', models.CharField(blank=True, max_length=80, verbose_name='claimed by')),
                        ('lease_until', models.DateTimeField(blank=True, null=True, verbose_name='lease until')),
                        ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered')),
                        ('last_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='last HTTP status')),
                        ('last_error', models.CharField(blank=True, max_length=200, verbose_name='last error')),
                        ('gave_up_at', models.DateTimeField(blank=True, null=True, verbose_name='gave up')),
                        ('contact', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_deliveries', to='contact.contact')),
                    ],
                    options={
                        'verbose_name': 'webhook delivery',
                        'verbose_name_plural': 'webhook deliveries',
                        'db_table': 'contact_webhookdelivery',
                        'ordering': ['id'],
                        'indexes': [
                            models.Index(condition=PENDING, fields=['next_attempt_at'], name='contact_webhook_due'),
                            models.Index(condition=PENDING, fields=['contact', 'id'], name='contact_webhook_pending'),
                            models.Index(condition=models.Q(('delivered_at__isnull', False)), fields=['delivered_at', 'id'], name='contact_webhook_delivered'),
                            models.Index(condition=models.Q(('delivered_at__isnull', True)), fields=['gave_up_at', 'id'], name='contact_webhook_undelivered'),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]

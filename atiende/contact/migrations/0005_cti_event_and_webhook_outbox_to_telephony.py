"""The native CTI events and the webhook's outbox now belong to telephony (telephony/0002): state only.

Their tables (``contact_ctievent``, ``contact_webhookdelivery``) and rows stay where they are.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contact', '0004_webhook_purge_indexes'),
        ('telephony', '0002_cti_event_and_webhook_outbox_from_contact'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='CtiEvent'),
                migrations.DeleteModel(name='WebhookDelivery'),
            ],
        ),
    ]

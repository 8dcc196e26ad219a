"""Attachment.internal: files only the help desk staff see (ET-4); existing files stay visible."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('desk', '0003_attachment'),
    ]

    operations = [
        migrations.AddField(
            model_name='attachment',
            name='internal',
            field=models.BooleanField(default=False, help_text='Only the help desk staff see it; never the customer.', verbose_name='internal'),
        ),
    ]

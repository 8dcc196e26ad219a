"""ContactPoint.number: the phone as the telephony compares it, indexed, filled for existing rows."""

import re

from django.db import migrations, models

_NOISE = re.compile(r"[\s().\-/]")  # the same characters telephony.numbers.normalise_number drops


def _normalise(value):
    text = _NOISE.sub("", (value or "").strip().lower())
    return "+" + text[2:] if text.startswith("00") else text


def fill_numbers(apps, schema_editor):
    ContactPoint = apps.get_model("desk", "ContactPoint")
    batch = []
    for point in ContactPoint.objects.filter(kind__in=["telefono", "movil"]).only("pk", "value").iterator(2000):
        point.number = _normalise(point.value)
        batch.append(point)
        if len(batch) >= 2000:
            ContactPoint.objects.bulk_update(batch, ["number"])
            batch = []
    if batch:
        ContactPoint.objects.bulk_update(batch, ["number"])


class Migration(migrations.Migration):

    dependencies = [
        ('desk', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='contactpoint',
            name='number',
            field=models.CharField(blank=True, default='', editable=False, max_length=254, verbose_name='number'),
        ),
        migrations.AddIndex(
            model_name='contactpoint',
            index=models.Index(fields=['number'], name='desk_contac_number_02b054_idx'),
        ),
        migrations.RunPython(fill_numbers, migrations.RunPython.noop),
    ]

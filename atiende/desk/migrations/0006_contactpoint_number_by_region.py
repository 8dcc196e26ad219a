"""ContactPoint.number again, now keyed by the phonenumbers library with the desk's region (issue 22, item 16):
«600 11 22 33» is stored as «+34600112233» in Spain, Argentina's mobile 9 and Mexico's old 1 left out, so
national and international forms find the same customer."""

from django.conf import settings
from django.db import migrations


def rekey_numbers(apps, schema_editor):
    # The key is the telephony's own (a pure function): the lookup compares with exactly what is stored.
    from atiende.telephony.numbers import normalise_number

    region = getattr(settings, "ATIENDE_DEFAULT_REGION", "")
    ContactPoint = apps.get_model("desk", "ContactPoint")
    batch = []
    for point in (ContactPoint.objects.filter(kind__in=["telefono", "movil"])
                  .only("pk", "value", "number").iterator(2000)):
        number = normalise_number(point.value or "", region)
        if number != point.number:
            point.number = number
            batch.append(point)
        if len(batch) >= 2000:
            ContactPoint.objects.bulk_update(batch, ["number"])
            batch = []
    if batch:
        ContactPoint.objects.bulk_update(batch, ["number"])


class Migration(migrations.Migration):

    dependencies = [
        ("desk", "0005_conversation"),
    ]

    operations = [
        migrations.RunPython(rekey_numbers, migrations.RunPython.noop),
    ]

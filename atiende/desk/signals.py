"""Signal receivers of the help desk.

``ContactPoint.number`` (the phone as the telephony compares it, which the CTI
looks callers up by) is filled by ``ContactPoint.save()``. A fixture loaded with
``loaddata`` is saved raw (``save_base(raw=True)``), past that method, so its
phones would keep a blank or stale number and never link a caller to the
customer; this receiver fills it for raw saves too. It only reads the row being
saved, as raw saves require.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import receiver

from atiende.desk.models import ContactPoint


@receiver(pre_save, sender=ContactPoint, dispatch_uid="desk.contact_point_number_on_raw_save")
def contact_point_number_on_raw_save(sender: type[ContactPoint], instance: ContactPoint, raw: bool = False,
                                     **kwargs: Any) -> None:
    if raw:  # a normal save() has already set it
        instance.number = ContactPoint.phone_number(instance.kind, instance.value)

"""How the PBX knows a technician (telephony.native._who) is kept a minute per process, never past a change."""

from __future__ import annotations

import pytest

from atiende.people.models import User
from atiende.telephony import native


@pytest.mark.django_db
def test_a_new_extension_rings_at_once_and_a_freed_id_is_never_taken_for_its_old_owner():
    lucia = User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico", extension="201")
    assert native._who(lucia.pk)["extension"] == "201"
    lucia.extension = "305"
    lucia.save()
    assert native._who(lucia.pk)["extension"] == "305"  # the cached 201 would ring the old desk

    old_id = lucia.pk
    lucia.delete()
    assert native._who(old_id) is None
    jorge = User.objects.create_user("jorge", password="x-very-long-pass", role="tecnico", extension="410")
    User.objects.filter(pk=jorge.pk).update(id=old_id)  # the freed id given again (SQLite reuses them)
    jorge = User.objects.get(pk=old_id)
    jorge.save()
    assert native._who(old_id) == {"id": old_id, "username": "jorge", "extension": "410"}

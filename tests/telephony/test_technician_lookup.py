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


@pytest.mark.django_db
def test_a_technician_named_by_extension_is_found_by_the_same_rule_as_every_other_lookup():
    """The extension lookup is hand-written (issue 25): it keeps the staff rule (role_filter(STAFF), active),
    answers only an unambiguous match, and leaves the other names (username, dialled forms) to the rest."""
    from atiende.telephony.directory import find_technician

    lucia = User.objects.create_user("lucia", password="x-very-long-pass", role="tecnico", extension="201")
    marta = User.objects.create_user("marta", password="x-very-long-pass", role="supervisor", extension="202")
    root = User.objects.create_superuser("root", password="x-very-long-pass", extension="203")
    User.objects.create_user("cliente", password="x-very-long-pass", role="cliente", extension="204")
    User.objects.create_user("baja", password="x-very-long-pass", role="tecnico", extension="205", is_active=False)
    User.objects.create_user("ana", password="x-very-long-pass", role="tecnico", extension="206")
    User.objects.create_user("pablo", password="x-very-long-pass", role="tecnico", extension="206")

    found = find_technician("201")
    assert found == lucia and found.username == "lucia" and found.extension == "201"
    assert find_technician("202") == marta
    assert find_technician("203") == root  # an administrator's account (superuser) is staff
    assert find_technician("204") is None  # not staff
    assert find_technician("205") is None  # not active
    assert find_technician("206") is None  # two share it: ambiguous
    assert find_technician("lucia") == lucia  # not an extension: the username

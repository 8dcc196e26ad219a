"""The admin opens for administrators and shows every desk model without errors."""

import pytest
from django.urls import reverse

from tests.desk.conftest import close

pytestmark = pytest.mark.django_db


def test_the_admin_lists_and_shows_desk_records(client, tech, work_order):
    from atiende.people.models import User

    close(tech, work_order)
    root = User.objects.create_superuser("raiz", "raiz@example.es", "x-very-long-pass-2026", role="administrador")
    client.force_login(root)
    for name in ("organisation", "customer", "workorder", "commitment", "satisfactionsurvey", "workorderevent",
                 "traitobservation"):
        assert client.get(reverse(f"admin:desk_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:desk_workorder_change", args=[work_order.pk])).status_code == 200
    assert client.get(reverse("admin:desk_customer_change", args=[work_order.customer_id])).status_code == 200
    for name in ("user", "team", "apitoken"):
        assert client.get(reverse(f"admin:people_{name}_changelist")).status_code == 200, name

"""The bell, the notifications page and the preferences page (staff only)."""

from __future__ import annotations

from atiende.notifications import services
from atiende.notifications.models import Notification, Preference
from tests.pages import signed_in


def test_the_bell_counts_unread_and_opening_one_marks_it_read(desk):
    [item] = services.notify(recipients=[desk.technician], kind="assigned", text="Solicitud #1 asignada",
                             url=f"/solicitudes/{desk.work_order.number}/")
    client = signed_in(desk.technician)
    home = client.get("/").content.decode()
    assert 'id="bell-count">1<' in home
    assert "Solicitud #1 asignada" in client.get("/avisos/").content.decode()
    response = client.post(f"/avisos/{item.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/solicitudes/{desk.work_order.number}/"
    assert Notification.objects.get().read_at is not None
    assert 'id="bell-count">0<' in client.get("/").content.decode()


def test_nobody_opens_someone_elses_notification_and_customers_have_no_bell(desk):
    [item] = services.notify(recipients=[desk.technician], kind="assigned", text="x", url="https://evil.example/")
    assert signed_in(desk.supervisor).post(f"/avisos/{item.pk}/").status_code == 404
    # An outside address is never followed.
    assert signed_in(desk.technician).post(f"/avisos/{item.pk}/")["Location"] == "/avisos/"
    assert 'id="bell"' not in signed_in(desk.portal).get("/").content.decode()
    assert signed_in(desk.portal).get("/avisos/").status_code == 403


def test_preferences_switch_each_kind_and_delivery(desk):
    client = signed_in(desk.technician)
    page = client.get("/avisos/preferencias/").content.decode()
    assert 'name="assigned:email"' in page
    client.post("/avisos/preferencias/", {"assigned:in_app": "on", "customer_reply:email": "on"})
    chosen = {(p.kind, p.delivery): p.enabled for p in Preference.objects.filter(user=desk.technician)}
    assert chosen[("assigned", "in_app")] and not chosen[("assigned", "email")]
    assert chosen[("customer_reply", "email")] and not chosen[("new_request", "in_app")]

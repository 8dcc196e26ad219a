"""notify(): who is told, in whose language, and each person's switches (in the app, by email)."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext as _

from atiende.notifications import selectors, services
from atiende.notifications.models import Notification
from atiende.notifications.signals import notification_created
from tests.desk.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    tech = make_user("lucia", "tecnico")
    tech.email, tech.language = "lucia@example.es", "en"
    tech.save()
    return {"tech": tech, "boss": make_user("marta", "supervisor"), "customer": make_user("carmen", "cliente")}


def test_staff_are_told_in_their_language_and_customers_never(people, django_capture_on_commit_callbacks):
    heard = []
    notification_created.connect(lambda notification, **kw: heard.append(notification.recipient.username),
                                 weak=False, dispatch_uid="test-heard")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            created = services.notify(recipients=[people["tech"], people["boss"], people["customer"], people["tech"]],
                                      kind="assigned", text=lambda: _("Work order"), exclude=people["boss"])
    finally:
        notification_created.disconnect(dispatch_uid="test-heard")
    assert [(n.recipient.username, n.text) for n in created] == [("lucia", "Work order")]
    assert heard == ["lucia"]
    assert selectors.unread_count(people["tech"]) == 1


def test_switches_per_kind_and_delivery(people):
    tech = people["tech"]
    assert selectors.wants_email(tech, "assigned") and not selectors.wants_email(tech, "new_request")
    services.set_preference(user=tech, kind="assigned", delivery="email", enabled=False)
    services.set_preference(user=tech, kind="assigned", delivery="in_app", enabled=False)
    assert not selectors.wants_email(tech, "assigned")
    assert services.notify(recipients=[tech], kind="assigned", text="x") == []
    services.set_preference(user=tech, kind="assigned", delivery="email", enabled=True)
    [only_mail] = services.notify(recipients=[tech], kind="assigned", text="x")
    assert only_mail.in_app is False and selectors.unread_count(tech) == 0
    people["boss"].email = ""
    assert not selectors.wants_email(people["boss"], "assigned")  # no address, no email


def test_mark_read_touches_only_ones_own(people):
    mine = services.notify(recipients=[people["tech"]], kind="assigned", text="x")
    theirs = services.notify(recipients=[people["boss"]], kind="assigned", text="y")
    assert services.mark_read(user=people["tech"], ids=[theirs[0].pk]) == 0
    assert services.mark_read(user=people["tech"], ids=[mine[0].pk]) == 1
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None


@pytest.mark.parametrize("kind, delivery", [("nope", "email"), ("assigned", "fax")])
def test_unknown_kinds_and_deliveries_are_refused(people, kind, delivery):
    from atiende.errors import InputError

    with pytest.raises(InputError):
        services.set_preference(user=people["tech"], kind=kind, delivery=delivery, enabled=True)


def test_the_link_is_made_once_and_only_when_someone_is_told(people):
    made = []

    def link():
        made.append(1)
        return "/desk/work-orders/7/"

    assert services.notify(recipients=[people["customer"]], kind="assigned", text="x", url=link) == []
    assert made == []  # nobody told: no URL resolved (the URLconf's first import costs about a second)
    told = services.notify(recipients=[people["tech"], people["boss"]], kind="assigned", text="x", url=link)
    assert [n.url for n in told] == ["/desk/work-orders/7/"] * 2 and made == [1]

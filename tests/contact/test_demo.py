import pytest

from atiende.contact.models import Queue, TechnicianState
from atiende.demo import load_demo

pytestmark = pytest.mark.django_db


def test_demo_has_a_support_queue_and_technicians_ready_for_calls():
    load_demo()
    load_demo()  # twice changes nothing
    assert Queue.objects.filter(name="soporte").count() == 1
    assert TechnicianState.objects.filter(status="disponible").count() >= 4

"""A small contact center for the console tests: a queue, two technicians, a supervisor, an administrator
and a known customer whose phone number the calls come from. Used in-process by the view tests and in a
subprocess (``python -m tests.consoles.seed <password>``) by the browser test, against its own database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported inside build(): the subprocess sets Django up first
    from atiende.desk.models import Customer
    from atiende.people.models import User

CALLER = "+34910000111"


@dataclass
class Center:
    lucia: User
    jorge: User
    marta: User
    ana: User
    customer: Customer


def build(password: str | None = None, *, with_work_order: bool = False) -> Center:
    from atiende.contact.services import queues
    from atiende.desk.models import ContactPoint, Customer, TraitObservation
    from atiende.people.models import User

    queues.save_queue(name="soporte", label="Soporte", tiers=[1, 2])

    def user(username: str, role: str, first: str, **extra: object) -> User:
        return User.objects.create_user(username, password=password, role=role, first_name=first,
                                        is_staff=role == "administrador", is_superuser=role == "administrador",
                                        **extra)

    lucia = user("lucia", "tecnico", "Lucía", tier=1)
    jorge = user("jorge", "tecnico", "Jorge", tier=1)
    marta = user("marta", "supervisor", "Marta", tier=2)
    ana = user("ana", "administrador", "Ana")
    customer = Customer.objects.create(name="Carmen Ruiz", address_as="Doña", knowledge_level="basico", country="ES")
    ContactPoint.objects.create(customer=customer, kind=ContactPoint.Kind.PHONE, value=CALLER)
    TraitObservation.objects.create(customer=customer, trait="CT-INX", score=0.8, evidence=["no sé dónde está eso"])
    if with_work_order:  # the browser tests' extras: an open work order, a queue with short limits (PO-2, TR-5)
        queues.save_queue(name="urgente", label="Urgente", tiers=[1, 2],
                            policy={"max_wait_seconds": 4, "transfer_timeout_seconds": 3})
        from atiende.desk.services.work_orders import create_work_order

        create_work_order(actor=lucia, customer=customer, title="La impresora no imprime", channel="telefonico")
    return Center(lucia, jorge, marta, ana, customer)


if __name__ == "__main__":
    import sys

    from atiende.cli.django_setup import setup_django

    setup_django()
    center = build(sys.argv[1], with_work_order=True)
    from atiende.contact.services import availability

    availability.make_available(user=center.lucia)
    from atiende.telephony.services import issue_cti_token

    print(issue_cti_token(name="centralita"))

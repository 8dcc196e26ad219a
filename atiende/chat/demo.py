"""Demo chat widget for the "soporte" queue, so the widget and the console's chats work on first run.
Loading twice changes nothing."""

from __future__ import annotations

from atiende.chat.models import ChatWidget
from atiende.contact.models import Queue


def load_chat_demo() -> None:
    queue = Queue.objects.filter(name="soporte").first()
    if queue is None or ChatWidget.objects.filter(key="soporte").exists():
        return
    # No other origin: the demo's own pages (the desk's origin) may embed it; add a site in the admin.
    ChatWidget.objects.create(key="soporte", name="Soporte técnico", queue=queue)

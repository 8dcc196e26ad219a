"""Websocket routes for live consoles (filled by the engine's live updates)."""

from django.urls import path

from atiende.consoles.consumers import ConsoleConsumer
from atiende.contact.consumers import ContactConsumer
from atiende.notifications.consumers import NotificationConsumer
from atiende.walkin.consumers import DisplayConsumer

websocket_urlpatterns: list = [
    path("ws/contacts/", ContactConsumer.as_asgi()),
    path("ws/consolas/", ConsoleConsumer.as_asgi()),
    path("ws/avisos/", NotificationConsumer.as_asgi()),
    path("ws/sala/", DisplayConsumer.as_asgi()),
]

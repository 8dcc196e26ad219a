"""Websocket routes: the desk's own pages' (live consoles, notices, the waiting room) and the chat widget's.

The desk's sockets are opened from the desk's own pages: atiende/asgi.py puts them behind the allowed-hosts
origin check and the session. The widget's socket is opened from customers' sites, so it is routed apart
(``widget_websocket_urlpatterns``): its consumer checks the page's origin against the widget's own allow-list
when the customer joins (atiende/chat/consumers.py).
"""

from django.urls import path

from atiende.chat.consumers import CustomerChatConsumer, TechnicianChatConsumer
from atiende.consoles.consumers import ConsoleConsumer
from atiende.contact.consumers import ContactConsumer
from atiende.notifications.consumers import NotificationConsumer
from atiende.walkin.consumers import DisplayConsumer

websocket_urlpatterns: list = [
    path("ws/contacts/", ContactConsumer.as_asgi()),
    path("ws/consolas/", ConsoleConsumer.as_asgi()),
    path("ws/avisos/", NotificationConsumer.as_asgi()),
    path("ws/sala/", DisplayConsumer.as_asgi()),
    path("ws/chat/tecnico/", TechnicianChatConsumer.as_asgi()),
]

widget_websocket_urlpatterns: list = [
    path("ws/chat/", CustomerChatConsumer.as_asgi()),
]
WIDGET_PATHS = frozenset({"/ws/chat/"})

"""The consoles' pages. Paths are Spanish (the product's language); names are English.

Their JSON (``consola/estado/``, ``consola/asistente/``, ``consola/solicitud/``, ``panel/estado/``)
is served by ``atiende/api/consoles.py``, URL names ``consoles_api:...``."""

from django.urls import path

from atiende.consoles import boardchats, fragments, livechat, views

app_name = "consoles"

urlpatterns = [
    path("consola/", views.console, name="console"),
    path("panel/", views.wallboard, name="wallboard"),
    # The chats panel and the chat composer (server-rendered fragments, htmx): atiende/consoles/fragments.py
    path("consola/chats/", fragments.chats_panel, name="chats_panel"),
    path("consola/chats/<int:pk>/", livechat.chat_thread, name="chat_thread"),
    path("consola/chats/<int:pk>/enviar/", livechat.chat_send, name="chat_send"),
    path("consola/chats/<int:pk>/accion/", livechat.chat_action, name="chat_action"),
    path("consola/chats/<int:pk>/respuestas/<int:answer>/usada/", livechat.chat_canned_used, name="chat_canned_used"),
    path("consola/practica/empezar/", fragments.practice_start, name="practice_start"),
    path("consola/practica/<int:pk>/", fragments.practice_thread, name="practice_thread"),
    path("consola/practica/<int:pk>/enviar/", fragments.practice_send, name="practice_send"),
    path("consola/redactor/revisar/", fragments.composer_check, name="composer_check"),
    path("consola/redactor/respuestas/", fragments.composer_canned, name="composer_canned"),
    path("panel/devoluciones/", views.callbacks_card, name="callbacks_card"),
    # The wallboard's chats (PO-5: join, coach, take over from the page): atiende/consoles/boardchats.py
    path("panel/chats/", boardchats.board_chats, name="board_chats"),
    path("panel/chats/<int:pk>/", boardchats.board_chat, name="board_chat"),
    path("panel/chats/<int:pk>/log/", boardchats.board_chat_log, name="board_chat_log"),
    path("panel/chats/<int:pk>/accion/", boardchats.board_chat_action, name="board_chat_action"),
]

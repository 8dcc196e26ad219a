"""Chat actions (CH-VIR). Keyword-only arguments; each one transaction; bad input raises ``InputError``
(a clear 4xx naming the rule), refusals of the engine ``Refusal``. Signatures kept stable for the
widget's transport (chatlive) and the console's composer (composer).

Customer side (``customer.py``; the customer is known by their token only):

- ``open_chat(*, widget_key, name, email="", language="es", message="", origin=None) -> Opened``
  (``Opened.session``, ``Opened.token``: the secret, shown once). 404 ``unknown_widget``, 403
  ``origin_not_allowed``, 409 ``chat_offline`` (then offer ``leave_message``).
- ``selectors.session_for_token(token) -> ChatSession`` (404 ``unknown_chat``).
- ``customer_writes(*, session, body, attachments=(), client_id=None) -> desk.Message`` (``attachments``: (name,
  bytes); ``client_id``: the widget's id for it, stored once: a resend is 409 ``duplicate_message``).
- ``customer_reads(*, session, up_to: int) -> int`` (read mark; only moves on).
- ``customer_answers_transfer(*, session, consent: bool) -> ChatSession`` (TR-3).
- ``customer_leaves(*, session) -> ChatSession`` (abandoned if not yet taken; else ended).
- ``leave_message(*, widget_key, name, email, body, language="es", origin=None) -> WorkOrder`` (offline).
- ``selectors.availability(widget) -> Availability(online, reason, estimated_wait_seconds, waiting)``.
- ``selectors.customer_messages(session, after_id=None)`` and ``selectors.customer_message_view(m)``:
  the ONLY messages a customer may be shown (public ones; never notes, coach messages, rule codes);
  ``selectors.customer_view(staff_view)`` cuts a console's view (``staff_message_view``) down to it.
- ``selectors.message_for_client_id(session, client_id)``: the message a resend was refused for.

Technician side (``technician.py``; ``chat_id`` is ``ChatSession.pk``, scoped by ET-4, else 404):

- ``accept_chat(*, user, chat_id)``, ``decline_chat(*, user, chat_id)`` -> ChatSession
- ``technician_writes(*, user, chat_id, body, internal=False, attachments=(), client_id=None) -> desk.Message``
- ``technician_reads(*, user, chat_id, up_to) -> int``
- ``propose_transfer(*, user, chat_id, purpose, to_technician=None, to_queue=None) -> ChatSession``
  (asks the customer in the chat; nothing moves until they consent), ``accept_transfer(*, user, chat_id)``,
  ``decline_transfer(*, user, chat_id)`` -> ChatSession (TR-4, TR-5)
- ``escalate(*, user, chat_id, reason="")``, ``supervisor_joins(*, user, chat_id, mode)`` (join,
  take_over, coach), ``coach(*, user, chat_id, body) -> desk.Message`` (internal: never to the customer)
- ``end_chat(*, user, chat_id)``, ``finish_wrap_up(*, user, chat_id)`` -> ChatSession
- ``link_work_order(*, user, chat_id, work_order) -> ChatSession`` (``linking.py``): the chat goes to an existing
  work order by its number (its messages, its later lines); 404 ``unknown_work_order`` (ET-4), 409
  ``work_order_closed`` (SP-1), ``already_linked``.
- ``selectors.my_chats(user)``, ``selectors.chat_view(session)``, ``selectors.staff_messages(session)``.

Live updates go out after each commit (``atiende/chat/live.py``): ``chat.message``, ``chat.read`` and
``chat.state`` to the consoles' groups and to ``live.customer_group(session.pk)`` for the widget.
"""

from atiende.chat.services.customer import (
    Opened,
    customer_answers_transfer,
    customer_leaves,
    customer_reads,
    customer_writes,
    leave_message,
    open_chat,
)
from atiende.chat.services.linking import link_work_order
from atiende.chat.services.technician import (
    accept_chat,
    accept_transfer,
    coach,
    decline_chat,
    decline_transfer,
    end_chat,
    escalate,
    finish_wrap_up,
    propose_transfer,
    supervisor_joins,
    technician_reads,
    technician_writes,
)

__all__ = [
    "Opened", "accept_chat", "accept_transfer", "coach", "customer_answers_transfer", "customer_leaves",
    "customer_reads", "customer_writes", "decline_chat", "decline_transfer", "end_chat", "escalate",
    "finish_wrap_up", "leave_message", "link_work_order", "open_chat", "propose_transfer", "supervisor_joins",
    "technician_reads", "technician_writes",
]

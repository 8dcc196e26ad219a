"""Signals the notifications send.

``notification_created(sender=Notification, notification)``
    Sent once the notification's transaction has committed, whatever its deliveries
    (``notification.in_app`` says whether the bell shows it). The mail adapter sends the
    email copy when :func:`atiende.notifications.selectors.wants_email` says so. A
    receiver that raises is logged and does not undo the notification (``send_robust``).

``notification_stored(sender=Notification, notification)``
    Sent inside the transaction that writes the notification, before the commit: the
    mail adapter writes the email copy's outbox row there, so it commits or rolls back
    with the notification, even if the process is killed right after the commit (issue
    24). A receiver keeps its writes in a savepoint; one that raises is logged and does
    not undo the notification (``send_robust``).
"""

from __future__ import annotations

from django.dispatch import Signal

notification_created = Signal()
notification_stored = Signal()

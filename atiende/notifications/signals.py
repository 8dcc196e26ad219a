"""Signals the notifications send.

``notification_created(sender=Notification, notification)``
    Sent once the notification's transaction has committed, whatever its deliveries
    (``notification.in_app`` says whether the bell shows it). The mail adapter sends the
    email copy when :func:`atiende.notifications.selectors.wants_email` says so. A
    receiver that raises is logged and does not undo the notification (``send_robust``).
"""

from __future__ import annotations

from django.dispatch import Signal

notification_created = Signal()

"""What makes the help desk write mail: the desk's and the notifications' signals.

- ``message_stored``: a public reply from the help desk whose channel is email goes to the
  customer (``notices.reply``): its outbox row is written in the message's own transaction.
- ``notification_stored``: the email copy of a staff notification, when its person wants it, in
  the notification's transaction.
- A ``survey_sent`` line of a work order's history (the work order closed, SP-4): the closing
  mail with the survey's link, written in the closing transaction itself, so a close that
  rolls back sends nothing and a committed one is never without its mail.

All three write in the transaction of the change they follow, never after its commit: a process
killed right after a commit (SIGKILL, a crash; issue 24's topology test) would never run what was to
come after it, and the customer would never get the reply the conversation shows as sent. A change
that rolls back sends nothing. A receiver that fails is logged by the sender (``send_robust``) and
never undoes what was posted (its savepoint rolls back alone); the mail is simply not queued.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from atiende.desk.models import MessageDirection, SatisfactionSurvey, Visibility, WorkOrderEvent
from atiende.desk.signals import message_stored
from atiende.mail import notices
from atiende.notifications.signals import notification_stored


@receiver(message_stored, dispatch_uid="mail.reply")
def send_reply(sender: Any, message: Any, **kwargs: Any) -> None:
    if (message.direction != MessageDirection.OUTBOUND or message.visibility != Visibility.PUBLIC
            or message.channel != "email"):
        return
    with transaction.atomic():
        notices.reply(message)


@receiver(notification_stored, dispatch_uid="mail.notification")
def email_notification(sender: Any, notification: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        notices.notify_staff(notification)


@receiver(post_save, sender=WorkOrderEvent, dispatch_uid="mail.survey")
def send_survey(sender: Any, instance: WorkOrderEvent, created: bool = False, raw: bool = False,
                **kwargs: Any) -> None:
    if raw or not created or instance.kind != "survey_sent":
        return
    found = SatisfactionSurvey.objects.select_related("work_order").filter(work_order_id=instance.work_order_id).first()
    if found is not None:
        notices.survey(found)

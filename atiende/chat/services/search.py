"""A chat's lines in the search index: at the chat's end, and by the worker while it goes on; not once a line.

Indexing a work order rewrites its whole entry from every message (``atiende.knowledge.index``): at
every line of a chat that is a read of the whole conversation and a write, where the line itself is one
row. So the lines a customer or a technician write in a chat (``customer_writes``, ``technician_writes``,
``coach``) leave the index alone (``atiende.db.later``); the chat's work order is indexed when the chat
ends, in the ending's transaction, and the worker catches up the chats still going on
(:func:`index_chats_behind`): a live chat's words are found in search at most :data:`BEHIND_SECONDS`
after they were written.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from atiende import db
from atiende.chat.models import ChatSession, ChatState
from atiende.desk.models import Message
from atiende.knowledge import index
from atiende.knowledge.models import SearchEntry, SearchKind
from atiende.knowledge.receivers import WORK_ORDER_ENTRY

BEHIND_SECONDS = 300.0  # how far the search may be behind a chat going on (one indexing a chat per 5 minutes at most)
# A line stored a moment before an indexing but committed after it was not read by it: lines this close to the
# entry's time count as not indexed yet (the next round indexes the chat once more).
COMMIT_SLACK = timedelta(seconds=30)
ENDED_LATELY = timedelta(hours=1)  # ended chats looked at too (a line that raced the ending)


def lines_later() -> AbstractContextManager[None]:
    """The block a chat line is written in: its work order's search entry is left to :func:`index_chat`."""
    return db.later(WORK_ORDER_ENTRY)


def index_chat(session: ChatSession) -> None:
    """Index the chat's work order now (once per transaction: the ending)."""
    work_order_id = session.work_order_id
    db.once((WORK_ORDER_ENTRY, work_order_id), lambda: index.index_work_order(work_order_id))


def index_chats_behind(*, now: datetime | None = None, limit: int = 200) -> int:
    """Worker: index the work orders of chats going on (or ended in the last hour) whose search entry is older than
    their last line and at least :data:`BEHIND_SECONDS` old; each in its own transaction. Returns how many."""
    moment = now or timezone.now()
    entry = SearchEntry.objects.filter(kind=SearchKind.WORK_ORDER, object_id=OuterRef("work_order_id"))
    last = Message.objects.filter(work_order_id=OuterRef("work_order_id")).order_by("-created_at")
    behind = (ChatSession.objects
              .filter(Q(state__in=(ChatState.WAITING, ChatState.ACTIVE)) | Q(ended_at__gte=moment - ENDED_LATELY))
              .annotate(indexed_at=Subquery(entry.values("updated_at")[:1]),
                        last_line=Subquery(last.values("created_at")[:1]))
              .filter(last_line__isnull=False)
              .filter(Q(indexed_at__isnull=True)
                      | Q(indexed_at__lte=moment - timedelta(seconds=BEHIND_SECONDS),
                          last_line__gte=F("indexed_at") - COMMIT_SLACK))
              .order_by("indexed_at").values_list("work_order_id", flat=True))
    done = 0
    for work_order_id in list(dict.fromkeys(behind[:limit])):
        with transaction.atomic():  # each chat in a transaction of its own: one writer's turn, not one for all
            index.index_work_order(work_order_id)
        done += 1
    return done

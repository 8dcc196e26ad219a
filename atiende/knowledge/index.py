"""The search index: what each searchable thing contributes, kept in step, and the match per database.

Every entry is written with its stems (``atiende.search.index_terms``), computed in
Python the same for SQLite and PostgreSQL. The database only answers "which entries
hold these stems" (FTS5 ``MATCH`` / ``tsvector @@ tsquery``) and gives its own first
ranking, to pick a bounded set of candidates; ``search.py`` ranks those again in Python,
so both databases list the same results in the same order.

``receivers.py`` calls :func:`index_work_order` and :func:`index_customer` inside the
transaction of the change, so the index never tells of text that was rolled back.
``atiende search reindex`` (:func:`reindex_all`) rebuilds everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from atiende.desk.models import ContactPoint, Customer, Message, WorkOrder
from atiende.knowledge.models import SearchEntry, SearchKind
from atiende.search import Query, index_terms

TEXT_LIMIT = 100_000  # what one entry keeps of a very long conversation


@dataclass(frozen=True)
class Document:
    kind: str
    object_id: int
    title: str
    text: str
    public: bool = False
    language: str = ""

    def entry(self) -> SearchEntry:
        text = self.text[:TEXT_LIMIT]
        return SearchEntry(kind=self.kind, object_id=self.object_id, title=self.title[:300], text=text,
                           terms=index_terms(self.title, text), public=self.public, language=self.language,
                           updated_at=timezone.now())


def work_order_document(work_order: WorkOrder, messages: Iterable[str]) -> Document:
    """Title, story, paraphrase, resolution and every message (internal notes too: only staff search orders)."""
    parts = [work_order.problem_story, work_order.paraphrase, work_order.resolution, *messages]
    return Document(SearchKind.WORK_ORDER, work_order.pk, f"#{work_order.number} {work_order.title}",
                    "\n".join(p for p in parts if p))


def customer_document(customer: Customer, contact_values: Iterable[str]) -> Document:
    organisation = customer.organisation.name if customer.organisation_id and customer.organisation else ""
    parts = [organisation, *contact_values]
    return Document(SearchKind.CUSTOMER, customer.pk, customer.greeting_name, " · ".join(p for p in parts if p))


def store(document: Document) -> None:
    entry = document.entry()
    values = {f: getattr(entry, f) for f in ("title", "text", "terms", "public", "language", "updated_at")}
    SearchEntry.objects.update_or_create(kind=document.kind, object_id=document.object_id, defaults=values)


def remove(kind: str, object_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()


def index_work_order(pk: int) -> None:
    work_order = WorkOrder.objects.filter(pk=pk).first()
    if work_order is None:
        remove(SearchKind.WORK_ORDER, pk)
        return
    bodies = Message.objects.filter(work_order_id=pk).order_by("created_at", "id").values_list("body", flat=True)
    store(work_order_document(work_order, bodies))


def index_customer(pk: int) -> None:
    customer = Customer.objects.select_related("organisation").filter(pk=pk).first()
    if customer is None:
        remove(SearchKind.CUSTOMER, pk)
        return
    values = ContactPoint.objects.filter(customer_id=pk).values_list("value", flat=True)
    store(customer_document(customer, values))


def _work_order_documents(batch: int) -> Iterator[Document]:
    last = 0
    while True:
        orders = list(WorkOrder.objects.filter(pk__gt=last).order_by("pk")[:batch])
        if not orders:
            return
        texts: dict[int, list[str]] = {}
        rows = Message.objects.filter(work_order_id__in=[o.pk for o in orders]).order_by("created_at", "id")
        for work_order_id, body in rows.values_list("work_order_id", "body"):
            texts.setdefault(work_order_id, []).append(body)
        for order in orders:
            yield work_order_document(order, texts.get(order.pk, []))
        last = orders[-1].pk


def _customer_documents(batch: int) -> Iterator[Document]:
    last = 0
    while True:
        customers = list(Customer.objects.select_related("organisation").filter(pk__gt=last).order_by("pk")[:batch])
        if not customers:
            return
        values: dict[int, list[str]] = {}
        points = ContactPoint.objects.filter(customer_id__in=[c.pk for c in customers]).order_by("pk")
        for customer_id, value in points.values_list("customer_id", "value"):
            values.setdefault(customer_id, []).append(value)
        for customer in customers:
            yield customer_document(customer, values.get(customer.pk, []))
        last = customers[-1].pk


# Other apps' kinds (articles, canned answers) add their document sources here.
SOURCES: dict[str, object] = {
    SearchKind.WORK_ORDER: _work_order_documents,
    SearchKind.CUSTOMER: _customer_documents,
}


def reindex_all(*, batch: int = 1000) -> dict[str, int]:
    """Rebuild the whole index from the stored data; how many entries of each kind."""
    counts: dict[str, int] = {}
    for kind, source in SOURCES.items():
        with transaction.atomic():
            SearchEntry.objects.filter(kind=kind).delete()
            pending: list[SearchEntry] = []
            counts[kind] = 0
            for document in source(batch):  # type: ignore[operator]
                pending.append(document.entry())
                if len(pending) >= batch:
                    SearchEntry.objects.bulk_create(pending)
                    counts[kind] += len(pending)
                    pending = []
            SearchEntry.objects.bulk_create(pending)
            counts[kind] += len(pending)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # compacts the FTS b-trees after a rebuild
            cursor.execute("INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts) VALUES ('optimize')")
    return counts


@dataclass(frozen=True)
class Candidate:
    kind: str
    object_id: int
    title: str
    text: str
    language: str
    public: bool


def candidates(query: Query, kind: str, *, within: tuple[str, list] | None = None, public_only: bool = False,
               limit: int = 50, any_term: bool = False) -> list[Candidate]:
    """The entries of ``kind`` holding the query's stems (all of them, or any with ``any_term``).

    ``within``: SQL selecting the object ids the user may see, with its parameters (a
    visibility queryset's ``values("pk")``). The database's own rank picks at most ``limit``.
    """
    if not query:
        return []
    filters = ["e.kind = %s"]
    params: list = [kind]
    if public_only:
        filters.append("e.public = %s")
        params.append(True)
    if within is not None:
        filters.append(f"e.object_id IN ({within[0]})")
        params.extend(within[1])
    where = " AND ".join(filters)
    columns = "e.kind, e.object_id, e.title, e.text, e.language, e.public"
    if connection.vendor == "postgresql":
        sql = (f"SELECT {columns} FROM knowledge_searchentry e, to_tsquery('atiende_search', %s) q "
               f"WHERE e.search_vector @@ q AND {where} "
               f"ORDER BY ts_rank(e.search_vector, q) DESC, e.object_id DESC LIMIT %s")
        params = [query.tsquery(any_term=any_term), *params, limit]
    else:
        sql = (f"SELECT {columns} FROM knowledge_searchentry_fts f JOIN knowledge_searchentry e ON e.id = f.rowid "
               f"WHERE knowledge_searchentry_fts MATCH %s AND {where} "
               f"ORDER BY f.rank, e.object_id DESC LIMIT %s")
        params = [query.fts5(any_term=any_term), *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Candidate(*row) for row in cursor.fetchall()]

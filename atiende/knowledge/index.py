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
        title = self.title[:300]
        title_terms = index_terms(title)
        return SearchEntry(kind=self.kind, object_id=self.object_id, title=title, text=text,
                           terms=f"{title_terms} {index_terms(text)}".strip(), title_terms=title_terms,
                           public=self.public, language=self.language, updated_at=timezone.now())


def work_order_document(work_order: WorkOrder, messages: Iterable[str]) -> Document:
    """Title, story, paraphrase, resolution and every message (internal notes too: only staff search orders)."""
    parts = [work_order.problem_story, work_order.paraphrase, work_order.resolution, *messages]
    return Document(SearchKind.WORK_ORDER, work_order.pk, f"#{work_order.number} {work_order.title}",
                    "\n".join(p for p in parts if p))


def customer_document(customer: Customer, contact_values: Iterable[str]) -> Document:
    organisation = customer.organisation.name if customer.organisation_id and customer.organisation else ""
    parts = [organisation, *contact_values]
    return Document(SearchKind.CUSTOMER, customer.pk, customer.greeting_name, " · ".join(p for p in parts if p))


ENTRY_FIELDS = ("title", "text", "terms", "title_terms", "public", "language", "updated_at")


def store(document: Document) -> None:
    """Insert or replace the document's entry: one statement (``INSERT ... ON CONFLICT DO UPDATE``), where a read,
    a savepoint and a write took four; SQLite's update trigger keeps FTS5 in step either way."""
    SearchEntry.objects.bulk_create([document.entry()], update_conflicts=True, unique_fields=("kind", "object_id"),
                                    update_fields=ENTRY_FIELDS)


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
    entry_id: int
    kind: str
    object_id: int
    title: str
    title_terms: str | None
    terms: str
    language: str
    public: bool


def _fts5_kind(kind: str, public_only: bool) -> str:
    # The kind ("work_order") and public (0/1) are FTS5 columns too: one MATCH selects them.
    phrase = " ".join(kind.split("_"))
    return f'kind : "{phrase}"' + (' AND public : "1"' if public_only else "")


def candidates(query: Query, kind: str, *, public_only: bool = False, limit: int = 200, before: int | None = None,
               any_term: bool = False) -> list[Candidate]:
    """Entries of ``kind`` holding the query's stems: every one of them, or any with ``any_term``.

    Every stem: the newest ``limit`` entries (by entry id, below ``before`` to read on), the same
    rows on both databases, which ``search.py`` ranks; both databases walk their matches newest
    first and stop at the limit. Any stem (related articles, a long text): the database's own rank
    (FTS5 ``bm25``, ``ts_rank``) picks the ``limit`` best, since among thousands of matches of one
    common word the newest would be chance.
    """
    if not query:
        return []
    columns = "e.id, e.kind, e.object_id, e.title, e.title_terms, e.terms, e.language, e.public"
    params: list = []
    if connection.vendor == "postgresql":
        filters = ["e.search_vector @@ q", "e.kind = %s"]
        params = [query.tsquery(any_term=any_term), kind]
        if public_only:
            filters.append("e.public")
        if before is not None:
            filters.append("e.id < %s")
            params.append(before)
        order = "ts_rank(e.search_vector, q) DESC, e.id DESC" if any_term else "e.id DESC"
        # The match first, through the GIN index (a materialised CTE): left to itself the planner may walk
        # the (kind, id) index newest first and test every row against a rare word.
        sql = (f"WITH q AS MATERIALIZED (SELECT to_tsquery('atiende_search', %s) AS q), "
               f"m AS MATERIALIZED (SELECT e.id FROM knowledge_searchentry e, q WHERE {' AND '.join(filters)}) "
               f"SELECT {columns} FROM knowledge_searchentry e JOIN m ON m.id = e.id, q "
               f"ORDER BY {order} LIMIT %s")
    else:
        match = f"{_fts5_kind(kind, public_only)} AND terms : ({query.fts5(any_term=any_term)})"
        params = [match]
        cursor_filter = ""
        if before is not None:
            cursor_filter = "AND rowid < %s "
            params.append(before)
        order = "rank" if any_term else "rowid DESC"
        sql = (f"SELECT {columns} FROM (SELECT rowid AS found FROM knowledge_searchentry_fts "
               f"WHERE knowledge_searchentry_fts MATCH %s {cursor_filter}ORDER BY {order} LIMIT %s) m "
               f"JOIN knowledge_searchentry e ON e.id = m.found")
        if not any_term:
            sql += " ORDER BY e.id DESC"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Candidate(*row) for row in cursor.fetchall()]


def texts(kind: str, object_ids: list[int]) -> dict[int, str]:
    """The stored text of some entries (only for the results shown: long texts stay in the database)."""
    rows = SearchEntry.objects.filter(kind=kind, object_id__in=object_ids).values_list("object_id", "text")
    return dict(rows)

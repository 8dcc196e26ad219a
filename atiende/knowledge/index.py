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

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from atiende import config_cache, db
from atiende.desk import rows as raw
from atiende.desk.models import ContactPoint, Customer, Message, WorkOrder
from atiende.knowledge.models import SearchEntry, SearchKind
from atiende.search import Query, index_terms
from atiende.search import scope as scopes

TEXT_LIMIT = 100_000  # what one entry keeps of a very long conversation


@dataclass(frozen=True)
class Document:
    kind: str
    object_id: int
    title: str
    text: str
    public: bool = False
    language: str = ""
    scope: str = ""  # who may find it (``atiende.search.scope``); empty: no staff restriction (articles)
    refs: str = ""  # a work order's customers ("12 40"): their scope follows the work order's

    def entry(self) -> SearchEntry:
        text = self.text[:TEXT_LIMIT]
        title = self.title[:300]
        title_terms = index_terms(title)
        return SearchEntry(kind=self.kind, object_id=self.object_id, title=title, text=text,
                           terms=f"{title_terms} {index_terms(text)}".strip(), title_terms=title_terms,
                           public=self.public, language=self.language, scope=self.scope, refs=self.refs,
                           updated_at=timezone.now())


def _refs(ids: Iterable[int | None]) -> str:
    return " ".join(str(i) for i in sorted({int(i) for i in ids if i}))


def work_order_document(work_order: WorkOrder, messages: Iterable[str]) -> Document:
    """Title, story, paraphrase, resolution and every message (internal notes too: only staff search orders)."""
    parts = [work_order.problem_story, work_order.paraphrase, work_order.resolution, *messages]
    tokens = scopes.work_order_tokens(work_order.team_id, work_order.assignee_id, work_order.created_by_id)
    return Document(SearchKind.WORK_ORDER, work_order.pk, f"#{work_order.number} {work_order.title}",
                    "\n".join(p for p in parts if p), scope=scopes.as_text(tokens),
                    refs=_refs([work_order.customer_id, work_order.requester_id, work_order.decision_maker_id]))


def customer_document(customer: Customer, contact_values: Iterable[str], tokens: set[str]) -> Document:
    organisation = customer.organisation.name if customer.organisation_id and customer.organisation else ""
    parts = [organisation, *contact_values]
    return Document(SearchKind.CUSTOMER, customer.pk, customer.greeting_name, " · ".join(p for p in parts if p),
                    scope=scopes.as_text(tokens))


ENTRY_FIELDS = ("title", "text", "terms", "title_terms", "public", "language", "scope", "refs", "updated_at")


def store(document: Document) -> None:
    """Insert or replace the document's entry: one statement (``INSERT ... ON CONFLICT DO UPDATE``), where a read,
    a savepoint and a write took four; SQLite's update trigger keeps FTS5 in step either way."""
    raw.upsert(document.entry(), unique=("kind", "object_id"), update=ENTRY_FIELDS)  # built once (issue 25)


def customer_scopes(ids: Iterable[int]) -> dict[int, set[str]]:
    """The scope tokens of some customers: their organisation's team and every work order naming them."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    found = {pk: {scopes.team_token(team_id)} for pk, team_id in
             Customer.objects.filter(pk__in=wanted).values_list("pk", "organisation__team_id")}
    rows = (WorkOrder.objects.filter(Q(customer__in=wanted) | Q(requester__in=wanted) | Q(decision_maker__in=wanted))
            .order_by().values_list("customer_id", "requester_id", "decision_maker_id", "team_id", "assignee_id",
                                    "created_by_id").distinct())
    for customer_id, requester_id, decision_maker_id, team_id, assignee_id, created_by_id in rows:
        tokens = scopes.work_order_tokens(team_id, assignee_id, created_by_id)
        for pk in {customer_id, requester_id, decision_maker_id}:
            if pk in found:
                found[pk] |= tokens
    return found


def store_many(documents: Sequence[Document]) -> None:
    """Insert or replace the entries of several documents with one statement (a batch of mail's work orders)."""
    if documents:
        raw.insert_many([d.entry() for d in documents], unique=("kind", "object_id"), update=ENTRY_FIELDS)


def remove(kind: str, object_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()


def refresh_customer_scopes(ids: Iterable[int]) -> None:
    """Write again the scope of some customers' entries (a work order naming them moved, or went)."""
    for pk, tokens in customer_scopes(ids).items():
        text = scopes.as_text(tokens)
        SearchEntry.objects.filter(kind=SearchKind.CUSTOMER, object_id=pk).exclude(scope=text).update(scope=text)


_CUSTOMER_SCOPES = ("knowledge.customer_scopes",)


def _customer_entry_scopes_query(ids: set[int]) -> tuple[str, list[object]]:
    """The statement (and its parameters) reading the search entries of these customers: (id, scope) rows."""
    keys = sorted(ids)
    return (f"SELECT id, scope FROM {raw.table(SearchEntry)} WHERE kind = %s AND object_id IN "
            f"({raw.placeholders(keys)})", [str(SearchKind.CUSTOMER), *keys])


def _customer_entry_scopes(ids: set[int]) -> list[tuple[int, str]]:
    with connection.cursor() as cursor:  # hand-written: the ORM's query building cost more than the read
        cursor.execute(*_customer_entry_scopes_query(ids))
        return cursor.fetchall()


def read_customer_scopes_early(customer_ids: Iterable[int | None], *, settings_version: bool = False) -> None:
    """Read now, for the new work order's entry written later in this transaction, the search entries of the
    customers it names (:func:`index_new_work_order` takes them instead of reading them then).

    A creation calls it before it takes the work-order counter: on PostgreSQL that row stays locked until the
    commit, so every statement after it makes every other creator wait longer (issue 25). Only in the
    outermost :func:`atiende.db.coalesced` block, where nothing but this creation writes those entries before
    its entry is written; elsewhere it does nothing and the entry reads them as before.

    ``settings_version``: the creation needs the settings' version as well (:func:`atiende.config_cache.version`,
    for the SLA clocks): read in the same statement (issue 25), or alone when the entries are not read here.
    """
    ids = _ref_ids(_refs(customer_ids))
    if ids and db.outermost():
        if settings_version:
            found = config_cache.version_with(*_customer_entry_scopes_query(ids), 2)
            db.memo(_CUSTOMER_SCOPES + tuple(sorted(ids)), lambda: found)
            return
        db.memo(_CUSTOMER_SCOPES + tuple(sorted(ids)), lambda: _customer_entry_scopes(ids))
    if settings_version:
        config_cache.version()


def _add_customer_tokens(ids: set[int], tokens: set[str]) -> None:
    """Customers named by a new work order (or one only gaining people or customers): its tokens join theirs.

    One read; a write only for a customer not yet seen by them (usually none: a customer's work orders
    mostly stay with one team).
    """
    if not ids:
        return
    found = db.take(_CUSTOMER_SCOPES + tuple(sorted(ids)), lambda: _customer_entry_scopes(ids))
    for entry_pk, scope in found:
        held = set((scope or "").split())
        if not tokens <= held:
            SearchEntry.objects.filter(pk=entry_pk).update(scope=scopes.as_text(held | tokens))


def _add_customer_tokens_each(tokens: dict[int, set[str]]) -> None:
    """As :func:`_add_customer_tokens`, each customer with its own tokens: one read for all."""
    ids = sorted(tokens)
    with connection.cursor() as cursor:  # hand-written: the ORM's query building cost more than the read
        cursor.execute(f"SELECT id, object_id, scope FROM {raw.table(SearchEntry)} WHERE kind = %s AND object_id IN "
                       f"({raw.placeholders(ids)})", [str(SearchKind.CUSTOMER), *ids])
        rows = cursor.fetchall()
    for entry_pk, customer_id, scope in rows:
        held = set((scope or "").split())
        if not tokens[customer_id] <= held:
            SearchEntry.objects.filter(pk=entry_pk).update(scope=scopes.as_text(held | tokens[customer_id]))


def _ref_ids(refs: str | None) -> set[int]:
    return {int(i) for i in (refs or "").split() if i.isdigit()}


def index_work_order(pk: int) -> None:
    index_work_orders([pk])


def index_work_orders(pks: Iterable[int]) -> None:
    """Write the entries of some work orders as they now are (and their customers' scopes where it changed).

    One read of the rows (each with its entry's former scope and customers), one of all their messages' text and
    one upsert, however many: a batch of mail indexes its work orders together at the end of its transaction.
    """
    wanted = sorted({int(pk) for pk in pks})
    if not wanted:
        return
    orders = _work_orders_with_entries(wanted)
    for pk in set(wanted) - {o.pk for o in orders}:
        remove_work_order(pk)
    if not orders:
        return
    bodies: dict[int, list[str]] = {o.pk: [] for o in orders}
    for work_order_id, body in _message_bodies(list(bodies)):
        bodies[work_order_id].append(body)
    documents = [work_order_document(o, bodies[o.pk]) for o in orders]
    store_many(documents)
    # Who sees a work order, or whom it names, may have changed: so may who sees those customers.
    gained: dict[int, set[str]] = {}  # customer -> tokens of work orders naming them that only gained
    changed: set[int] = set()  # customers whose scope is read again from all their work orders
    for work_order, document in zip(orders, documents, strict=True):
        old_tokens, new_tokens = set((work_order.indexed_scope or "").split()), set(document.scope.split())
        old_refs, new_refs = _ref_ids(work_order.indexed_refs), _ref_ids(document.refs)
        if old_tokens == new_tokens and old_refs == new_refs:
            continue
        if old_tokens <= new_tokens and old_refs <= new_refs:
            for customer_id in new_refs:
                gained.setdefault(customer_id, set()).update(new_tokens)
        else:
            changed |= old_refs | new_refs
    if gained:
        _add_customer_tokens_each(gained)
    if changed:
        refresh_customer_scopes(changed)


def _work_orders_with_entries(wanted: Sequence[int]) -> list[WorkOrder]:
    """The work orders, by key, each with its entry's former scope and customers (``indexed_scope``,
    ``indexed_refs``: None without one). Hand-written: building the ORM's query cost more than running it."""
    shape, entry = raw.shape(WorkOrder, "w"), raw.columns(SearchEntry, "e", "scope", "refs")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {shape.columns}, {entry.columns} FROM {raw.table(WorkOrder)} w "
                       f"LEFT JOIN {raw.table(SearchEntry)} e ON e.kind = %s AND e.object_id = w.id "
                       f"WHERE w.id IN ({raw.placeholders(wanted)}) ORDER BY w.id",
                       [str(SearchKind.WORK_ORDER), *wanted])
        fetched = cursor.fetchall()
    orders = []
    for row in fetched:
        order = shape.build(row, 0)
        order.indexed_scope, order.indexed_refs = entry.values(row, shape.width)  # type: ignore[union-attr]
        orders.append(order)
    return orders  # type: ignore[return-value]


def _message_bodies(work_order_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(work order, text) of every message of these work orders, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT m.work_order_id, m.body FROM {raw.table(Message)} m "
                       f"WHERE m.work_order_id IN ({raw.placeholders(work_order_ids)}) ORDER BY m.created_at, m.id",
                       list(work_order_ids))
        return cursor.fetchall()


def index_new_work_order(work_order: WorkOrder) -> None:
    """:func:`index_work_order` for a work order opened in this transaction, from the row in hand: it has no
    message and no entry yet, so only its customers' entries are read (to see it from now on)."""
    document = work_order_document(work_order, [])
    store(document)
    _add_customer_tokens(_ref_ids(document.refs), set(document.scope.split()))


def index_written(work_orders: Sequence[tuple[WorkOrder, Sequence[str]]],
                  customers: Sequence[tuple[Customer, Sequence[str], Sequence[WorkOrder]]]) -> None:
    """The entries of work orders and customers created in this transaction, from the rows in hand (a set of mail,
    ``desk.bulk``): what :func:`index_customers` and :func:`index_work_orders` would write, without reading back
    what was just written. ``work_orders``: each with its messages' text, oldest first; ``customers``: each with its
    contact values (in the model's order) and every work order naming it. The customers that the work orders name
    and ``customers`` does not hold see them from now on (one read, as after any new work order)."""
    entries = []
    for customer, values, named in customers:
        team_id = customer.organisation.team_id if customer.organisation_id and customer.organisation else None
        tokens = scopes.customer_tokens(team_id, [(w.team_id, w.assignee_id, w.created_by_id) for w in named])
        entries.append(customer_document(customer, values, tokens))
    documents = [work_order_document(work_order, bodies) for work_order, bodies in work_orders]
    store_many(entries + documents)
    held = {customer.pk for customer, _values, _named in customers}
    gained: dict[int, set[str]] = {}
    for document in documents:
        for customer_id in _ref_ids(document.refs) - held:
            gained.setdefault(customer_id, set()).update(document.scope.split())
    if gained:
        _add_customer_tokens_each(gained)


def remove_work_order(pk: int) -> None:
    old = SearchEntry.objects.filter(kind=SearchKind.WORK_ORDER, object_id=pk).values_list("refs", flat=True).first()
    remove(SearchKind.WORK_ORDER, pk)
    if old:
        refresh_customer_scopes(_ref_ids(old))


def index_customer(pk: int) -> None:
    index_customers([pk])


def index_customers(pks: Iterable[int]) -> None:
    """Write the entries of some customers as they now are: the same few statements however many."""
    wanted = sorted({int(pk) for pk in pks})
    if not wanted:
        return
    customers = list(Customer.objects.select_related("organisation").filter(pk__in=wanted).order_by("pk"))
    for pk in set(wanted) - {c.pk for c in customers}:
        remove(SearchKind.CUSTOMER, pk)
    if not customers:
        return
    values: dict[int, list[str]] = {c.pk: [] for c in customers}
    points = ContactPoint.objects.filter(customer_id__in=list(values))  # in the model's order, as a page lists them
    for customer_id, value in points.values_list("customer_id", "value"):
        values[customer_id].append(value)
    tokens = customer_scopes(values)
    store_many([customer_document(c, values[c.pk], tokens.get(c.pk, {scopes.STAFF})) for c in customers])


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
        tokens = customer_scopes([c.pk for c in customers])
        for customer in customers:
            yield customer_document(customer, values.get(customer.pk, []), tokens.get(customer.pk, {scopes.STAFF}))
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


def _fts5_filter(kind: str, public_only: bool, scope: Sequence[str] | None) -> str:
    # The kind ("work_order"), public (0/1) and scope tokens are FTS5 columns too: one MATCH selects them.
    phrase = " ".join(kind.split("_"))
    found = f'kind : "{phrase}"' + (' AND public : "1"' if public_only else "")
    if scope is not None:
        found += " AND scope : (" + " OR ".join(f'"{token}"' for token in scope) + ")"
    return found


def _tsquery_filter(kind: str, public_only: bool, scope: Sequence[str] | None) -> str:
    # The same as lexemes of search_vector ("@work_order", "@public", "@t3"): made by migration 0004.
    found = f"'@{kind}'" + (" & '@public'" if public_only else "")
    if scope is not None:
        found += " & (" + " | ".join(f"'@{token}'" for token in scope) + ")"
    return found


def _check_scope(scope: Sequence[str] | None) -> None:
    # Tokens are written into the match expressions: only ours ("staff", "t12", "u7") may get there.
    if scope is not None and not all(t == scopes.STAFF or (t[:1] in "tu" and t[1:].isdigit()) for t in scope):
        raise ValueError(f"not a scope token: {scope!r}")


@dataclass(frozen=True)
class Wanted:
    """One kind to search: public entries only, and the scope tokens to match (None: no restriction)."""

    kind: str
    public_only: bool = False
    scope: Sequence[str] | None = None


def newest_matches(query: Query, wanted: Sequence[Wanted], *, limit: int) -> dict[str, list[Candidate]]:
    """For each kind, the newest ``limit`` entries (by entry id) holding every stem of ``query`` within its scope.

    The same rows on both databases, which ``search.py`` ranks. The match, the kind and the
    scope are one index lookup: FTS5 walks its matches newest first and stops at the limit;
    PostgreSQL reads them by steps back in time (:func:`_newest_postgresql`).
    """
    found: dict[str, list[Candidate]] = {w.kind: [] for w in wanted}
    if not query or not wanted:
        return found
    for w in wanted:
        _check_scope(w.scope)
    if connection.vendor == "postgresql":
        return _newest_postgresql(query, wanted, limit, found)
    sql = (f"SELECT {COLUMNS} FROM (SELECT rowid AS found FROM knowledge_searchentry_fts "
           f"WHERE knowledge_searchentry_fts MATCH %s ORDER BY rowid DESC LIMIT %s) m "
           f"JOIN knowledge_searchentry e ON e.id = m.found ORDER BY e.id DESC")
    with connection.cursor() as cursor:
        for w in wanted:
            cursor.execute(sql, [f"{_fts5_filter(w.kind, w.public_only, w.scope)} AND terms : ({query.fts5()})", limit])
            found[w.kind] = [Candidate(*row) for row in cursor.fetchall()]
    return found


COLUMNS = "e.id, e.kind, e.object_id, e.title, e.title_terms, e.terms, e.language, e.public"
WINDOW = 1024  # ids in the smallest window lexeme ("@<kind>:0:<id // 1024>"); each level is four times larger
LEVELS = 5  # window sizes 1,024 to 262,144 (migration 0004)
MAX_COMPLETIONS = 200  # an open last word with more indexed words than this is matched as a prefix

# One statement for every kind and every step. For each kind (k), for each of its steps (s) in order, the
# step's matches newest first, until the kind has its limit: nested loops keep that order and stop early,
# so a step is read only when the ones before found too few. OFFSET 0 keeps each step a lookup in the GIN
# index (the planner could otherwise walk the primary key newest first, testing every row), and "+ 0"
# keeps the id bound of the last step out of the indexes (a bitmap of the primary key costs more than it saves).
NEWEST_SQL = """
SELECT k.n, f.id FROM generate_series(1, %(kinds)s) AS k(n)
CROSS JOIN LATERAL (
    SELECT m.id FROM unnest(%(of)s::int[], %(steps)s::text[], %(below)s::bigint[]) WITH ORDINALITY AS s(kn, q, below, sn)
    CROSS JOIN LATERAL (
        SELECT x.id FROM (
            SELECT e.id FROM knowledge_searchentry e
            WHERE e.search_vector @@ (to_tsquery('atiende_search', %(words)s) && s.q::tsquery)
              AND e.id + 0 < s.below OFFSET 0) x
        ORDER BY x.id DESC) m
    WHERE s.kn = k.n
    LIMIT %(limit)s) f
"""


def _newest_postgresql(query: Query, wanted: Sequence[Wanted], limit: int,
                       found: dict[str, list[Candidate]]) -> dict[str, list[Candidate]]:
    """PostgreSQL: the GIN index finds the matches, but reading them newest first is not its gift.

    Read whole, a common word's matches cost a heap read each (tens of thousands); walking the
    newest entries and testing each costs as much for a rare word. So the newest are read by
    steps back in time from the kind's newest entry: every entry carries lexemes of its kind and
    windows of ids at five sizes (1,024 to 262,144, by four), and each step asks the GIN index for
    the matches in the newest two windows of the next size (ids the steps before read are left
    out), then in all older ones, until ``limit`` are found. A step is reached only when the ones
    before found fewer than ``limit`` in at least a quarter of its ids, so it reads at most about
    eight times that; all of it is one statement, one round trip.

    An open last word («ferret») is matched as the indexed words it starts (``knowledge_searchword``,
    kept by a trigger): a GIN prefix match would read every entry of all those words at each step.
    """
    with connection.cursor() as cursor:
        # Each kind's newest entry (the (kind, id) index of migration 0003), and the open word's completions.
        # First and last of the (kind, id) index. Not max()/min() nor "kind = k": the planner then reads along the
        # primary key, skipping every entry of the other kinds (680 ms for four kinds among 215,200 entries);
        # a range on kind is only answered by that index, in its order.
        cursor.execute("SELECT ARRAY(SELECT (SELECT e.id FROM knowledge_searchentry e WHERE e.kind >= k AND e.kind <= k "
                       "ORDER BY e.kind DESC, e.id DESC LIMIT 1) "
                       "FROM unnest(%(kinds)s::text[]) WITH ORDINALITY AS w(k, n) ORDER BY n), "
                       "ARRAY(SELECT (SELECT e.id FROM knowledge_searchentry e WHERE e.kind >= k AND e.kind <= k "
                       "ORDER BY e.kind, e.id LIMIT 1) "
                       "FROM unnest(%(kinds)s::text[]) WITH ORDINALITY AS w(k, n) ORDER BY n), "
                       "ARRAY(SELECT DISTINCT word FROM knowledge_searchword WHERE word LIKE %(word)s "
                       "ORDER BY word LIMIT %(most)s)",
                       {"kinds": [w.kind for w in wanted], "word": f"{query.stems[-1]}%" if query.prefix else "",
                        "most": MAX_COMPLETIONS + 1})
        newest_of_kind, oldest_of_kind, completions = cursor.fetchone()
        if not query.prefix or len(completions) > MAX_COMPLETIONS:
            completions = None
        steps: list[tuple[int, str, int]] = []  # (which kind, its filter and windows, ids below)
        for n, (w, newest, oldest) in enumerate(zip(wanted, newest_of_kind, oldest_of_kind, strict=True), start=1):
            if newest is None:
                continue
            kind_filter = _tsquery_filter(w.kind, w.public_only, w.scope)
            below = newest + 1  # ids from here up were read by the steps before
            for level in range(LEVELS):
                if below <= oldest:
                    break
                size = WINDOW << 2 * level
                current = newest // size  # this window and the one before: between one and two sizes back
                spans = " | ".join(f"'@{w.kind}:{level}:{i}'" for i in range(current, max(current - 2, -1), -1))
                steps.append((n, f"{kind_filter} & ({spans})", below))
                below = max(current - 1, 0) * size
            if below > oldest:
                steps.append((n, kind_filter, below))  # everything older
        if not steps:
            return found
        of, filters, bounds = zip(*steps, strict=True)
        cursor.execute(NEWEST_SQL, {
            "kinds": len(wanted), "of": list(of), "steps": list(filters), "below": list(bounds),
            "words": query.tsquery(completions=completions), "limit": limit})
        rows = cursor.fetchall()
        cursor.execute(f"SELECT {COLUMNS} FROM knowledge_searchentry e WHERE e.id = ANY(%s)",
                       [[entry_id for _n, entry_id in rows]])
        by_id = {row[0]: Candidate(*row) for row in cursor.fetchall()}
    for n, entry_id in rows:
        if entry_id in by_id:
            found[wanted[n - 1].kind].append(by_id[entry_id])
    for kind in found:
        found[kind].sort(key=lambda c: -c.entry_id)
    return found


def best_matches(query: Query, kind: str, *, public_only: bool = False, limit: int = 50) -> list[Candidate]:
    """The ``limit`` entries of ``kind`` sharing most with ``query`` (any of its stems): related articles.

    The database's own rank (FTS5 ``bm25``, ``ts_rank``) picks them, since among thousands of
    matches of one common word the newest would be chance; ``search.py`` ranks them again.
    """
    if not query:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Ranked by the words alone (every entry of the kind holds the filter's lexemes).
            cursor.execute(
                f"SELECT {COLUMNS} FROM knowledge_searchentry e, "
                f"(SELECT to_tsquery('atiende_search', %s) AS w, %s::tsquery AS f) q "
                f"WHERE e.search_vector @@ (q.w && q.f) ORDER BY ts_rank(e.search_vector, q.w) DESC, e.id DESC "
                f"LIMIT %s", [query.tsquery(any_term=True), _tsquery_filter(kind, public_only, None), limit])
        else:
            cursor.execute(
                f"SELECT {COLUMNS} FROM (SELECT rowid AS found FROM knowledge_searchentry_fts "
                f"WHERE knowledge_searchentry_fts MATCH %s ORDER BY rank LIMIT %s) m "
                f"JOIN knowledge_searchentry e ON e.id = m.found",
                [f"{_fts5_filter(kind, public_only, None)} AND terms : ({query.fts5(any_term=True)})", limit])
        return [Candidate(*row) for row in cursor.fetchall()]


def texts(entry_ids: list[int]) -> dict[int, str]:
    """The stored text of some entries, by entry id (only for the results shown: long texts stay in the database)."""
    return dict(SearchEntry.objects.filter(pk__in=entry_ids).values_list("pk", "text")) if entry_ids else {}

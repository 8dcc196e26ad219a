"""Who may find an entry, stored with it and matched with the words (issue 21: search p99 under 50 ms).

Each entry gets ``scope`` (``atiende.search.scope`` tokens: "staff t3 u7") and, for a work
order, ``refs`` (its customers, whose scope follows it). Filled here from the desk's rows.

SQLite: the FTS5 table is made again with ``scope`` as a column (kind, public, scope, terms).
PostgreSQL: ``search_vector`` is made again: the stems' lexemes plus ``@<kind>``, ``@public``,
``@<scope token>`` and ``@<kind>:<level>:<id // size>`` (the windows ``index.newest_matches`` reads newest
first by),
and ``knowledge_searchword`` holds every word of the index, for an open last word.
Lexemes of stems are letters and digits only, so no word of a text can be taken for one of these.
Both columns are nullable so that SQLite adds them in place (a rebuilt table would lose its triggers).
"""

from django.db import migrations, models
from django.db.models import Q

from atiende.search import scope as scopes

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_searchentry_fts_insert",
    "DROP TABLE IF EXISTS knowledge_searchentry_fts",
]


def _sqlite_fts(columns: list[str]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE knowledge_searchentry_fts USING fts5({names}, content='knowledge_searchentry', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER knowledge_searchentry_fts_insert AFTER INSERT ON knowledge_searchentry BEGIN "
        f"INSERT INTO knowledge_searchentry_fts(rowid, {names}) VALUES (new.id, {new}); END",
        "CREATE TRIGGER knowledge_searchentry_fts_delete AFTER DELETE ON knowledge_searchentry BEGIN "
        f"INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); END",
        "CREATE TRIGGER knowledge_searchentry_fts_update AFTER UPDATE ON knowledge_searchentry BEGIN "
        f"INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO knowledge_searchentry_fts(rowid, {names}) VALUES (new.id, {new}); END",
        "INSERT INTO knowledge_searchentry_fts(knowledge_searchentry_fts) VALUES ('rebuild')",
    ]


# Windows of ids at five sizes (1,024 to 262,144, by four): "@work_order:2:13" is the work orders with ids
# 13 * 16,384 to 14 * 16,384 - 1.
WINDOWS = " || ".join(f"' @' || kind || ':{level}:' || (id / {1024 << 2 * level})::text" for level in range(5))
POSTGRES_VECTOR = (
    "to_tsvector('atiende_search'::regconfig, terms) || array_to_tsvector(string_to_array("
    f"'@' || kind || {WINDOWS} || CASE WHEN public THEN ' @public' ELSE '' END "
    "|| coalesce(' @' || replace(nullif(scope, ''), ' ', ' @'), ''), ' '))"
)
# Every word (stem) the index holds, for an open last word: «ferret» is matched as the words it starts, each
# through the GIN index, rather than as a prefix (which reads every entry of all those words). Kept by a
# trigger; never pruned (a word no entry holds any more only matches nothing). No unique constraint: two
# transactions adding the same new word must not wait on each other; a repeat is harmless (read DISTINCT).
POSTGRES_WORDS = [
    "CREATE TABLE knowledge_searchword (word text NOT NULL)",
    "CREATE INDEX knowledge_searchword_word ON knowledge_searchword (word text_pattern_ops)",
    """CREATE FUNCTION knowledge_searchword_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO knowledge_searchword (word)
        SELECT w FROM unnest(tsvector_to_array(NEW.search_vector)) AS w
        WHERE left(w, 1) <> '@' AND NOT EXISTS (SELECT 1 FROM knowledge_searchword s WHERE s.word = w);
    ELSE
        INSERT INTO knowledge_searchword (word)
        SELECT w FROM (SELECT unnest(tsvector_to_array(NEW.search_vector))
                       EXCEPT SELECT unnest(tsvector_to_array(OLD.search_vector))) AS added (w)
        WHERE left(w, 1) <> '@' AND NOT EXISTS (SELECT 1 FROM knowledge_searchword s WHERE s.word = w);
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER knowledge_searchword_insert AFTER INSERT ON knowledge_searchentry "
    "FOR EACH ROW EXECUTE FUNCTION knowledge_searchword_add()",
    "CREATE TRIGGER knowledge_searchword_update AFTER UPDATE OF terms ON knowledge_searchentry "
    "FOR EACH ROW WHEN (OLD.terms IS DISTINCT FROM NEW.terms) EXECUTE FUNCTION knowledge_searchword_add()",
    "INSERT INTO knowledge_searchword (word) SELECT DISTINCT w FROM knowledge_searchentry, "
    "unnest(tsvector_to_array(search_vector)) AS w WHERE left(w, 1) <> '@'",
]
POSTGRES_FORWARD = [
    f"ALTER TABLE knowledge_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({POSTGRES_VECTOR}) STORED",
    "CREATE INDEX knowledge_searchentry_vector ON knowledge_searchentry USING gin (search_vector)",
    *POSTGRES_WORDS,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_searchword_update ON knowledge_searchentry",
    "DROP TRIGGER IF EXISTS knowledge_searchword_insert ON knowledge_searchentry",
    "DROP FUNCTION IF EXISTS knowledge_searchword_add()",
    "DROP TABLE IF EXISTS knowledge_searchword",
    "ALTER TABLE knowledge_searchentry DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE knowledge_searchentry ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('atiende_search'::regconfig, terms)) STORED",
    "CREATE INDEX knowledge_searchentry_vector ON knowledge_searchentry USING gin (search_vector)",
]
BATCH = 2000


def _fill(apps) -> None:
    WorkOrder = apps.get_model("desk", "WorkOrder")
    Customer = apps.get_model("desk", "Customer")
    CannedAnswer = apps.get_model("knowledge", "CannedAnswer")
    SearchEntry = apps.get_model("knowledge", "SearchEntry")

    def write(kind: str, values: dict[int, tuple[str, str | None]]) -> None:
        entries = list(SearchEntry.objects.filter(kind=kind, object_id__in=list(values)))
        for entry in entries:
            entry.scope, entry.refs = values[entry.object_id]
        SearchEntry.objects.bulk_update(entries, ["scope", "refs"], batch_size=500)

    last = 0
    while True:
        rows = list(WorkOrder.objects.filter(pk__gt=last).order_by("pk").values_list(
            "pk", "team_id", "assignee_id", "created_by_id", "customer_id", "requester_id", "decision_maker_id")[:BATCH])
        if not rows:
            break
        write("work_order", {pk: (scopes.as_text(scopes.work_order_tokens(team, assignee, author)),
                                  " ".join(str(c) for c in sorted({c for c in named if c})))
                             for pk, team, assignee, author, *named in rows})
        last = rows[-1][0]
    last = 0
    while True:
        rows = list(Customer.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "organisation__team_id")[:BATCH])
        if not rows:
            break
        ids = [pk for pk, _team in rows]
        tokens = {pk: {scopes.team_token(team)} for pk, team in rows}
        orders = (WorkOrder.objects.filter(Q(customer__in=ids) | Q(requester__in=ids) | Q(decision_maker__in=ids))
                  .order_by().values_list("customer_id", "requester_id", "decision_maker_id", "team_id",
                                          "assignee_id", "created_by_id").distinct())
        for customer_id, requester_id, decision_maker_id, team, assignee, author in orders:
            for pk in {customer_id, requester_id, decision_maker_id}:
                if pk in tokens:
                    tokens[pk] |= scopes.work_order_tokens(team, assignee, author)
        write("customer", {pk: (scopes.as_text(found), None) for pk, found in tokens.items()})
        last = rows[-1][0]
    write("canned_answer", {pk: (scopes.team_token(team), None)
                            for pk, team in CannedAnswer.objects.values_list("pk", "team_id")})


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":  # no trigger to run for every row filled
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)
    elif vendor == "postgresql":  # no vector to compute again for every row filled
        schema_editor.execute("ALTER TABLE knowledge_searchentry DROP COLUMN IF EXISTS search_vector")
    _fill(apps)
    if vendor == "sqlite":
        for statement in _sqlite_fts(["kind", "public", "scope", "terms"]):
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_DROP + _sqlite_fts(["kind", "public", "terms"]):
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0003_search_by_kind"),
        ("desk", "0006_contactpoint_number_by_region"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry", name="scope",
            field=models.TextField(blank=True, null=True, verbose_name="scope"),
        ),
        migrations.AddField(
            model_name="searchentry", name="refs",
            field=models.TextField(blank=True, null=True, verbose_name="references"),
        ),
        migrations.RunPython(forward, backward),
    ]

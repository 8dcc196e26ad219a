#!/bin/sh
# `make test`: both halves of the suite at once, one per core: SQLite (every test) and PostgreSQL (the tests
# that touch the database; POSTGRES_URL names the server). They share nothing: the SQLite half's test database
# is in memory, the PostgreSQL half's is a database of its own, every live server takes a free port.
# The SQLite half prints as it goes; the PostgreSQL half's output is kept in a log and printed, whole, once
# it has finished. Fails if either half fails.
#
#   sh scripts/test-both.sh PYTHON POSTGRES_URL [pytest options...]
set -u
PYTHON=$1
POSTGRES_URL=$2
shift 2

LOG=$(mktemp "${TMPDIR:-/tmp}/atiende-test-postgres.XXXXXX")
trap 'rm -f "$LOG"' EXIT
trap 'kill "$PG" 2>/dev/null; exit 130' INT TERM

ATIENDE_TEST_DATABASE=postgres DATABASE_URL="$POSTGRES_URL" "$PYTHON" -m pytest "$@" >"$LOG" 2>&1 &
PG=$!

echo "== SQLite half (the PostgreSQL half runs beside it; its output follows) =="
"$PYTHON" -m pytest "$@"
SQLITE_STATUS=$?

wait "$PG"
PG_STATUS=$?
echo
echo "== PostgreSQL half =="
cat "$LOG"

echo
echo "SQLite half: $([ "$SQLITE_STATUS" -eq 0 ] && echo passed || echo "FAILED (exit $SQLITE_STATUS)");" \
     "PostgreSQL half: $([ "$PG_STATUS" -eq 0 ] && echo passed || echo "FAILED (exit $PG_STATUS)")"
[ "$SQLITE_STATUS" -eq 0 ] && [ "$PG_STATUS" -eq 0 ]

# Atiende: `make run` serves the demo, `make test` runs the whole suite.
# Django 6 needs Python >= 3.12: use the first such interpreter we can find.
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test test-deploy test-sqlite test-postgres venv messages bytecode lint bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Atiende needs Python 3.12 or newer (Django 6)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP) messages

messages: $(STAMP)
	@$(BIN)/python -m atiende.i18n

run: venv
	$(BIN)/atiende demo

# The suite starts many Python processes (servers, workers, migrations): compile the project's bytecode once
# instead of in every one of them, and let the runs keep theirs (pytest's rewritten test modules: collecting
# the suite takes ~12 s without them, ~4 s with them), even where the environment sets PYTHONDONTWRITEBYTECODE.
bytecode test test-sqlite test-postgres: export PYTHONDONTWRITEBYTECODE :=

bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q atiende tests >/dev/null || true

# Both halves at once, one per core (scripts/test-both.sh): SQLite, and PostgreSQL at POSTGRES_URL.
test: venv bytecode
	@sh scripts/ensure-browser.sh
	@sh scripts/ensure-dovecot.sh
	@sh scripts/ensure-caddy.sh
	@sh scripts/test-both.sh $(BIN)/python $(POSTGRES_URL)

# The reference deployment for real (tests/deploy/test_topology.py): Caddy with TLS, two app processes,
# two workers, PostgreSQL at POSTGRES_URL and Redis; one app process and one worker killed midway.
test-deploy: export PYTHONDONTWRITEBYTECODE :=
test-deploy: venv bytecode
	@sh scripts/ensure-caddy.sh
	ATIENDE_TEST_TOPOLOGY=1 ATIENDE_TEST_DATABASE=postgres DATABASE_URL=$(POSTGRES_URL) $(BIN)/python -m pytest tests/deploy

test-sqlite: venv bytecode
	@sh scripts/ensure-browser.sh
	@sh scripts/ensure-dovecot.sh
	$(BIN)/python -m pytest

test-postgres: venv bytecode
	@sh scripts/ensure-browser.sh
	@sh scripts/ensure-dovecot.sh
	ATIENDE_TEST_DATABASE=postgres DATABASE_URL=$(POSTGRES_URL) $(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check atiende tests bench
	$(BIN)/mypy atiende

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var build *.egg-info

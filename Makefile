# CivicGrid: `make run` (the product on SQLite with a demo world) and `make test` (everything).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install system-deps messages test-only lint audit bench clean

run: install
	DEBUG=1 $(BIN)/civicgrid migrate --noinput
	DEBUG=1 $(BIN)/civicgrid demo
	DEBUG=1 $(BIN)/civicgrid runserver $(HOST):$(PORT)

test: install
	$(MAKE) test-only

test-only:
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/civicgrid makemigrations --check --dry-run
	$(BIN)/bandit -c pyproject.toml -q -r src --severity-level high
	$(MAKE) audit

# No installed dependency with a known vulnerability (skipped, loudly, where PyPI's JSON API
# cannot be reached). The OpenAPI fuzzing (schemathesis) is a test: tests/test_api_schema.py.
audit:
	BIN=$(BIN) .ci/audit-deps

bench: install
	$(BIN)/python bench/locate.py
	$(BIN)/python bench/generate.py
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/population.py
	$(BIN)/python bench/people.py
	$(BIN)/python bench/deadlines.py
	$(BIN)/python bench/command.py
	$(BIN)/python bench/map.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/audit_retention.py
	$(BIN)/python bench/assistance.py
	$(BIN)/python bench/disputes.py
	$(BIN)/python bench/backup.py
	$(BIN)/python bench/soak.py

install: system-deps $(VENV)/.installed node_modules/.installed messages

# Debian packages: Chromium for the browser tests, gettext for compiling translations, wrk for
# the intake benchmark's load (bench/intake.py), pg_dump/pg_restore for `civicgrid backup` and
# `restore` on PostgreSQL (postgresql-client).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v pg_dump >/dev/null || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: $(VENV)/.installed
	cd src/civicgrid && ../../$(BIN)/civicgrid compilemessages --ignore=.venv -v 0

clean:
	rm -rf $(VENV) node_modules var

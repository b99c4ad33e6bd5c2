# Two commands on a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install install-test test test-fast journeys lint format migrations-check demo worker benchmarks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the declared dependencies or their pinned versions change.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

worker: install
	$(BIN)/python manage.py db_worker

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Browser tests run in their own process: the database of a live-server test is flushed after it, and the next
# one gets back a copy of the worker's freshly migrated database taken by its first browser test (tests/database.py),
# which must come before any other transactional test has flushed it.
# Each half runs on every core (pytest-xdist, one test database per worker; at most four).
XDIST := -n auto --maxprocesses 4
test: install-test lint migrations-check
	$(BIN)/python -m pytest -m "not browser" $(XDIST) $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m browser $(XDIST) $(PYTEST_ARGS)

test-fast: install-test
	$(BIN)/python -m pytest -m "not browser" $(XDIST) $(PYTEST_ARGS)

# The README's "En production" commands, run as written (production settings, migrate, collectstatic,
# check --deploy, gunicorn, db_worker) with an SMTP sink, then every user's journey in Chromium against that server.
# A fresh database each time: SQLite, or <name>_journeys beside the PostgreSQL database of DATABASE_URL.
journeys: install-test
	$(BIN)/python -m tests.journeys $(PYTEST_ARGS)

benchmarks: install-test
	@for bench in benchmarks/*.py; do [ -e "$$bench" ] || continue; echo "== $$bench"; $(BIN)/python $$bench || exit 1; done

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .test-media

# make run        — from a fresh clone: venv, install, migrate, demo data, web + worker
# make run DEMO=0 — the same without demo data: a new instance opens the setup page (/setup)
# make test  — install what the tests need, lint, type-check, run the whole suite
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export FLASK_APP := wsgi
# 1: load the demo club on an empty database (try things); 0: start empty for a real club.
DEMO ?= 1

.PHONY: run test venv install install-dev translations migrate demo lint typecheck duplicates test-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt $(STAMP)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv install: $(STAMP)
install-dev: $(DEV_STAMP)

translations: $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -d app/translations

# Embedded default: SQLite database, SQLite broker and media under instance/.
run: translations
	APP_ENV=$${APP_ENV:-development} $(BIN)/flask db upgrade
	@if [ "$(DEMO)" != "0" ]; then \
	  APP_ENV=$${APP_ENV:-development} $(BIN)/flask demo load --if-empty; \
	else \
	  echo "DEMO=0: không nạp dữ liệu mẫu (no demo data)."; \
	fi
	APP_ENV=$${APP_ENV:-development} DEMO=$(DEMO) ./scripts/run.sh

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

# mypy, configured in pyproject.toml: strict on integrations/media/analytics/vietnam, a baseline
# (every body checked, no unused or uncoded ignores) on app, sandbox, bench and wsgi.py. An
# empty TYPECHECK_PATHS checks everything pyproject lists (`files`).
TYPECHECK_PATHS ?=

typecheck: $(DEV_STAMP)
	$(BIN)/mypy $(TYPECHECK_PATHS)

# No pair of repeated code outside migrations and duplicates-boilerplate.txt (needs the
# `duplicates` developer command; skipped where it is not installed).
duplicates: $(DEV_STAMP)
	$(BIN)/python scripts/check_duplicates.py

# System packages the suite uses for real: PostgreSQL 15 and Chromium (Debian).
test-deps:
	@./scripts/install-test-deps.sh

# The suite on one process per core, whole files per process (a file's fixtures — its servers,
# sandboxes, browser stack — start once); PYTEST_ARGS replaces these (a subset, one process).
PYTEST_ARGS ?= -n 2 --dist loadfile

test: $(DEV_STAMP) translations test-deps lint typecheck duplicates
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# Two commands: `make run` (embedded default: SQLite, in-process jobs, demo data) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUM := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# What running needs (`make run`) and what testing needs on top (`make test`): two stamps.
RUN_STAMP := $(VENV)/.run-$(SUM)
STAMP := $(VENV)/.installed-$(SUM)
export PYTHONDONTWRITEBYTECODE=1

TEST_PG ?= postgresql://postgres@127.0.0.1:5432/wx_test
TEST_REDIS ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: prod run reset-demo test test-pg test-sqlite test-miniprogram lint-imports install install-run system-deps \
	run-deps services lint bench clean

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	rm -f $(VENV)/.run-*
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* $(VENV)/.run-*
	touch $(STAMP) $(RUN_STAMP)

install-run: $(RUN_STAMP)

install: $(STAMP)

# Debian packages: running needs only the CJK font (PDFs); tests add Chromium and poppler.
run-deps:
	@bash .ci/system-deps.sh run

system-deps:
	@bash .ci/system-deps.sh test

services:
	@bash .ci/services.sh

run: install-run run-deps
	$(BIN)/flask --app wxbackend db-upgrade
	$(BIN)/flask --app wxbackend demo-data
	@echo "Serving on http://127.0.0.1:5000 (console: /console/login, API: /api/v1/docs)"
	SCHEDULER=1 $(BIN)/flask --app wxbackend run --host 127.0.0.1 --port 5000

# The production recipe on this machine: gunicorn, `python -m jobs.worker` and `python -m jobs.scheduler`
# under honcho (deploy/Procfile), against the local PostgreSQL and Redis, with the demo data.
PROD_DB ?= postgresql://postgres@127.0.0.1:5432/wx_prod
PROD_REDIS ?= redis://127.0.0.1:6379/1
PROD_BIND ?= 127.0.0.1:8000
PROD_ENV = DATABASE_URL=$(PROD_DB) REDIS_URL=$(PROD_REDIS) JOBS_MODE=rq BIND=$(PROD_BIND) \
	PUBLIC_URL=http://$(PROD_BIND) WX_INSTANCE=$(CURDIR)/instance/prod STORAGE_DIR=$(CURDIR)/instance/prod/files

prod: install-run run-deps services
	$(PROD_ENV) $(BIN)/python deploy/createdb.py
	$(PROD_ENV) $(BIN)/flask --app wxbackend db-upgrade
	$(PROD_ENV) $(BIN)/flask --app wxbackend demo-data
	@echo "Serving on http://$(PROD_BIND) (gunicorn, RQ worker and scheduler; /healthz)"
	$(PROD_ENV) PATH=$(abspath $(BIN)):$$PATH $(BIN)/honcho -f deploy/Procfile -d $(CURDIR) start

# Start the embedded default again from nothing: drop the SQLite database and stored files, then `make run`.
reset-demo:
	rm -rf instance/wx.sqlite3 instance/wx.sqlite3-* instance/files
	$(MAKE) run

test: install system-deps services
	$(MAKE) lint-imports
	$(MAKE) test-pg
	$(MAKE) test-sqlite
	$(MAKE) test-miniprogram

test-pg:
	TEST_DATABASE_URL=$(TEST_PG) TEST_REDIS_URL=$(TEST_REDIS) $(BIN)/pytest -q $(PYTEST_ARGS)

test-sqlite:
	TEST_DATABASE_URL= TEST_REDIS_URL= $(BIN)/pytest -q $(PYTEST_ARGS)

# The mini-program: its pure helpers (form models, error mapping, signing deadlines) under Node's test runner,
# then every page under miniprogram-simulate + jest, answered from the API responses the Python suite recorded
# (tests/miniprogram → miniprogram/tests/recorded). The official WXML compiler's binaries come without their
# execute bit.
test-miniprogram:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "node/npm not found: skipping the mini-program tests"; exit 0; fi; \
	set -e; \
	node --test miniprogram/tests/*.test.js; \
	cd miniprogram && npm ci --no-audit --no-fund --loglevel=error; \
	chmod +x node_modules/miniprogram-compiler/bin/linux/* 2>/dev/null || true; \
	npx jest --ci

# The layers of the README's architecture (contracts in pyproject.toml): arrows only point down.
lint-imports: install
	$(BIN)/lint-imports

lint: install
	$(BIN)/ruff check wxbackend jobs tests bench deploy

clean:
	rm -rf $(VENV) instance .pytest_cache

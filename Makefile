# 公益创投管理平台 — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEBIAN_PACKAGES := fonts-noto-cjk chromium libpango-1.0-0 libpangoft2-1.0-0 postgresql wrk poppler-utils zbar-tools

.PHONY: help run test test-sqlite test-postgres lint bench system-deps venv demo messages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## create the virtualenv and install the Python packages

system-deps: ## install the Debian packages (fonts, Chromium, pango, PostgreSQL) when possible
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "warning: missing Debian packages:$$missing (install them with apt-get as root)"; \
	fi

var/.demo-loaded: $(STAMP)
	@mkdir -p var
	$(BIN)/grants db upgrade
	$(BIN)/grants demo --quiet
	@touch $@

run: system-deps $(STAMP) var/.demo-loaded ## install, migrate SQLite, load demo data, serve on http://127.0.0.1:8000
	@$(BIN)/python -c "from grants.cli import print_logins; from grants.demo import data; print_logins(data)"
	@echo; echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"; echo
	$(BIN)/grants db upgrade
	$(BIN)/grants serve --host $(HOST) --port $(PORT)

demo: $(STAMP) ## (re)load demo data into a fresh embedded database
	rm -f var/grants.sqlite3 var/grants.sqlite3-wal var/grants.sqlite3-shm var/.demo-loaded
	$(MAKE) var/.demo-loaded

test: system-deps $(STAMP) ## the whole suite: SQLite, then the database tests on a throwaway PostgreSQL
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP) ## every test, database tests on SQLite
	GRANTS_ENV=test DATABASE_URL= $(BIN)/pytest -q -p no:cacheprovider

test-postgres: $(STAMP) ## the database tests on a throwaway PostgreSQL on 127.0.0.1
	GRANTS_ENV=test DATABASE_URL= $(BIN)/python -m tests.pgserver -- $(BIN)/pytest -q -p no:cacheprovider -m db

lint: $(STAMP) ## ruff over everything, mypy over scoring/ and all of grants/
	$(BIN)/ruff check grants scoring tests bench
	$(BIN)/mypy scoring grants

bench: $(STAMP) ## benchmarks, printed as tables
	$(BIN)/python bench/run.py

messages: $(STAMP) ## list message ids that lack a zh_CN translation
	$(BIN)/python -m grants.i18n_tools missing

clean: ## remove the virtualenv and the embedded database
	rm -rf $(VENV) var

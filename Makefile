# Onestop: `make demo` serves the portal with demo data; `make test` runs everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := portal

.PHONY: demo test lint format serve migrate browser-deps test-sqlite test-postgresql clean bench bench-deps \
	cluster cluster-deps test-cluster mail-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make demo PORT=5001` when 5000 is taken; links in mail follow the port (BASE_URL).
PORT ?= 5000
demo: $(STAMP)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@export BASE_URL="$${BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	  export WEBHOOK_ALLOW_LOOPBACK="$${WEBHOOK_ALLOW_LOOPBACK:-1}"; \
	  $(BIN)/flask mail-listen & listener=$$!; trap 'kill $$listener 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask serve-demo --host 127.0.0.1 --port $(PORT)

migrate: $(STAMP)
	$(BIN)/flask db upgrade

serve: $(STAMP)
	$(BIN)/gunicorn --bind 127.0.0.1:8000 --workers 2 wsgi:app

# Debian's Chromium drives the browser tests; Playwright's own download does not work offline.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing and cannot be installed here: browser tests will be skipped (a failure under CI)"; fi; \
	fi

# `make bench` (SQLite) or `make bench DB=postgresql` (BENCH_DATABASE_URL, default the local
# server): 200,000 requests (REQUESTS=1000000 for the scale check) generated once and cached
# in bench/data/, results in bench/results/.
DB ?= sqlite
REQUESTS ?= 200000
BENCH_ARGS ?=
bench-deps:
	@if ! command -v wrk >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing and cannot be installed here: the bench smoke test will be skipped (a failure under CI)"; fi; \
	fi

bench: $(STAMP) bench-deps
	$(BIN)/python bench/run.py --db $(DB) --requests $(REQUESTS) $(BENCH_ARGS)

# `make cluster`: two gunicorn app servers behind HAProxy on http://127.0.0.1:8080, on
# PostgreSQL (its own database, onestop_cluster) and Redis; Ctrl-C stops everything.
# Options: make cluster CLUSTER_ARGS="--port 9000 --servers 9001,9002 --tick-every 0"
CLUSTER_ARGS ?=
cluster-deps:
	@if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ] || ! command -v redis-server >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy redis-server >/dev/null; \
	  else echo "HAProxy or redis-server is missing and cannot be installed here: the cluster tests will be skipped (a failure under CI)"; fi; \
	fi

# Dovecot: the real IMAP server the mail fetcher's tests start on loopback.
mail-deps:
	@if [ ! -x /usr/sbin/dovecot ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	  else echo "Dovecot is missing and cannot be installed here: the IMAP tests will be skipped (a failure under CI)"; fi; \
	fi

cluster: $(STAMP) cluster-deps
	$(BIN)/python bench/cluster.py $(CLUSTER_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

PYTEST := $(BIN)/python -m pytest -q --screenshot only-on-failure --output test-results

test-sqlite: $(STAMP)
	$(PYTEST)

# PostgreSQL runs when TEST_DATABASE_URL is set or a server answers on 127.0.0.1:5432.
test-postgresql: $(STAMP)
	@url="$${TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/test', connect_timeout=3).close()" 2>/dev/null; then \
	  url=postgresql://postgres@127.0.0.1:5432/test; fi; \
	if [ -n "$$url" ]; then \
	  echo "== PostgreSQL: $$url"; TEST_DATABASE_URL="$$url" $(PYTEST); \
	elif [ -n "$${CI:-}" ]; then echo "PostgreSQL is not reachable: under CI that is a failure"; exit 1; \
	else echo "PostgreSQL not reachable: suite ran on SQLite only"; fi

# tests/cluster (marked `cluster`, left out of the runs above): two app servers behind HAProxy,
# on a PostgreSQL database and a redis-server of its own; TEST_DATABASE_URL or the local server.
test-cluster: $(STAMP) cluster-deps
	@echo "== Cluster: two app servers behind HAProxy, on PostgreSQL and Redis"
	$(PYTEST) -m cluster tests/cluster

test: $(STAMP) browser-deps bench-deps cluster-deps mail-deps lint
	@echo "== SQLite"
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgresql
	$(MAKE) --no-print-directory test-cluster

clean:
	rm -rf $(VENV) test-results *.egg-info

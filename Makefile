# The two commands of the README: `make run` and `make test`. Everything else is for developers and CI.
SHELL := /bin/bash
VENV ?= .venv
# The interpreter the virtualenv is made from. Any CPython 3.11; the benchmark's figures are measured
# with an optimised build (docs/deployment.md), e.g.
#   make bench PYTHON=/usr/bin/python3.11 VENV=.venv-bench
PYTHON ?= python3
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The development settings of this checkout, which manage.py reads (never production's processes).
DOTENV := $(VENV)/bin/dotenv -f .env
# What `make test-fast` leaves out: the browser tests, the API fuzzing and the generated API client,
# the slowest by far.
FAST := not browser and not fuzz and not client
# Test processes (pytest-xdist). More than the two cores: many tests wait on a server or a browser.
TEST_WORKERS ?= 4

.PHONY: run worker bench test test-fast prod-smoke lint format check migrations-check install install-dev messages clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# axe-core, which the browser tests inject into pages to check accessibility.
node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

# Development settings, made once for this checkout (git-ignored): DEBUG on and a secret key of its own.
# Production gives its processes real environment variables; gunicorn and Celery never read this file.
.env: | $(VENV)/.installed
	echo "# Development settings of this checkout, written by make; production never reads them." > $@
	$(DOTENV) set DEBUG 1 >/dev/null
	@# Hexadecimal: a URL-safe key may start with "-", which dotenv's command line reads as an option.
	$(DOTENV) set SECRET_KEY "$$($(PY) -c 'import secrets; print(secrets.token_hex(32))')" >/dev/null

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev node_modules/.installed

## make messages: compile the French and English interface texts (locale/*.po -> .mo)
messages: install .env
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

## make run: install, migrate, load the summit's data, serve on http://$(HOST):$(PORT)/
run: install messages
	@# Links in mail and in what commands print lead to where this server listens.
	$(DOTENV) set SITE_URL "http://$(HOST):$(PORT)" >/dev/null
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_summit --if-empty
	@echo
	@echo "Summit Tracker is starting at http://$(HOST):$(PORT)/ (Ctrl-C stops it)."
	@echo "  An editor account: in another terminal, in this folder, type"
	@echo "    $(PY) manage.py create_editor you@example.org --language en"
	@echo "  It prints a link to choose the password; then sign in at http://$(HOST):$(PORT)/admin/"
	@echo "  Mail the site sends (invitations, reminders, password links) is printed here."
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

## make worker: a Celery worker with beat (the reminders' schedule), for a REDIS_URL broker. Without a
## broker, tasks run eagerly in the web process and `manage.py send_reminders` (cron) does the sweeps.
worker: install messages
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)"; exit 2; }
	$(DOTENV) run --no-override $(VENV)/bin/celery -A summit worker -B --without-mingle --without-gossip --loglevel=INFO \
		-s $(or $(BEAT_SCHEDULE),/tmp/summit-celerybeat-schedule)

## make bench: the benchmark harness (bench/run.py) on PostgreSQL with synthetic data; needs wrk.
bench: install-dev
	@command -v wrk >/dev/null || { echo "make bench needs wrk (apt-get install wrk)"; exit 2; }
	$(PY) bench/run.py $(BENCH_ARGS)

## make test: install what tests need and run the whole suite, in TEST_WORKERS processes, in a random order
test: install-dev messages
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## make test-fast: the quick loop, everything but the browser tests, the API fuzzing and the client
test-fast: $(VENV)/.installed-dev messages
	$(PY) -m pytest -n $(TEST_WORKERS) -m "$(FAST)" $(PYTEST_ARGS)

## make prod-smoke: the Procfile's processes with production settings (two gunicorns on :8801 and :8802,
## a Celery worker, beat) on a fresh `smoke` database (local PostgreSQL) and Redis db 12, driven over HTTP:
## publish on one web process, read it on the other, a reminder through the broker (deploy/smoke.py).
prod-smoke: install messages
	$(PY) deploy/smoke.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install .env
	$(PY) manage.py check

migrations-check: install .env
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles node_modules test-artifacts
	@# .env and db.sqlite3 are kept: they hold this checkout's key and data.

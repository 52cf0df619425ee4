# The two commands of the README: `make run` and `make test`. Everything else is for developers and CI.
SHELL := /bin/bash
VENV ?= .venv
# The interpreter the virtualenv is made from. Any CPython 3.11; the benchmark's figures are measured
# with an optimised build (see the README's "The Python interpreter"), e.g.
#   make bench PYTHON=/usr/bin/python3.11 VENV=.venv-bench
PYTHON ?= python3
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Local commands run in development mode; production sets DEBUG itself (see README). Tests choose
# their own settings (tests/settings.py).
run worker check migrations-check messages: export DEBUG ?= 1

.PHONY: run worker bench test prod-smoke lint format check migrations-check install install-dev messages clean

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

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev node_modules/.installed

## make messages: compile the French and English interface texts (locale/*.po -> .mo)
messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

## make run: install, migrate, load the summit's data, serve on http://$(HOST):$(PORT)/
run: install messages
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_summit --if-empty
	@echo
	@echo "Summit Tracker is starting:"
	@echo "  site:  http://$(HOST):$(PORT)/"
	@echo "  admin: http://$(HOST):$(PORT)/admin/"
	@echo "  An editor account: $(PY) manage.py create_editor you@example.org"
	@echo "  (prints once a link to choose its password), or: $(PY) manage.py createsuperuser"
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

## make worker: a Celery worker with beat (the reminders' schedule), for a REDIS_URL broker. Without a
## broker, tasks run eagerly in the web process and `manage.py send_reminders` (cron) does the sweeps.
worker: install messages
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)"; exit 2; }
	$(VENV)/bin/celery -A summit worker -B --without-mingle --without-gossip --loglevel=INFO \
		-s $(or $(BEAT_SCHEDULE),/tmp/summit-celerybeat-schedule)

## make bench: the benchmark harness (bench/run.py) on PostgreSQL with synthetic data; needs wrk.
bench: install-dev
	@command -v wrk >/dev/null || { echo "make bench needs wrk (apt-get install wrk)"; exit 2; }
	$(PY) bench/run.py $(BENCH_ARGS)

## make test: install what tests need and run the whole suite
test: install-dev messages
	$(PY) -m pytest $(PYTEST_ARGS)

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

check: install
	$(PY) manage.py check

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles node_modules test-artifacts

# Aftersales: `make run` starts the system, `make test` runs the whole suite.
# Both create .venv and install the pinned requirements first; neither needs root.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.DEFAULT_GOAL := help
.PHONY: help check-python venv venv-dev run setup test lint format messages bench clean

help:
	@echo "make run    set up and start Aftersales on http://127.0.0.1:$(PORT)/ (PORT=N to change)"
	@echo "make test   set up and run the whole test suite (browser tests included)"
	@echo "make lint   ruff check + ruff format --check + migrations check"
	@echo "make bench  build a data set of SCALE cases (default 2000) and measure it over HTTP"
	@echo "make messages  refresh and compile the zh_Hans translations (needs gettext)"

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "Aftersales needs Python 3.11 or newer, but '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)." >&2; \
	  echo "Install Python 3.11+ and run again, or point to it: make $(MAKECMDGOALS) PYTHON=/path/to/python3.12" >&2; \
	  exit 1; }

$(VENV)/.runtime-installed: requirements.txt | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(VENV)/.runtime-installed $@

venv: check-python $(VENV)/.runtime-installed
venv-dev: check-python $(VENV)/.dev-installed

# The embedded default runs in development mode (DEBUG, demo data); set the variables of
# README.md for a production deployment instead.
run: export DJANGO_DEBUG ?= 1
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	$(PY) manage.py runall --port $(PORT)

test: venv-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=aftersales.settings_test $(PY) manage.py makemigrations --check --dry-run

format: venv-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: venv-dev
	DJANGO_SETTINGS_MODULE=aftersales.settings_test $(PY) manage.py makemessages -l zh_Hans -i ".venv/*" -i "var/*" -i "staticfiles/*"
	DJANGO_SETTINGS_MODULE=aftersales.settings_test $(PY) manage.py compilemessages -l zh_Hans --ignore=".venv/*"

# Builds (or reuses) a data set of SCALE cases in a database of its own and measures every
# work unit over HTTP (gunicorn + wrk); DATABASE_URL=postgres://… for PostgreSQL,
# BENCH_ARGS="--rebuild --seconds 10" and more: see bench/README.md.
SCALE ?= 2000
bench: venv-dev
	$(PY) -m bench --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf var/celery var/test-outbox staticfiles .pytest_cache

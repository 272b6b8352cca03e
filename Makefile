# Two commands: `make run` (set up and serve on the embedded SQLite default) and `make test` (set up
# what the whole suite needs and run it: SQLite pass, then PostgreSQL + Redis pass).
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The second pass of `make test`; scripts/test-services starts (or installs) them when local.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tvmw_test
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/14
# The OFT import tests' MariaDB server (both passes; the tests make and drop their own databases).
TEST_MARIADB_URL  ?= mysql://root@127.0.0.1:3306/
export TEST_MARIADB_URL
PYTEST = $(PY) -m pytest -p no:cacheprovider

.PHONY: run test test-fast test-services lint venv migrate seed clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo "Serving on http://$(HOST):$(PORT)/  (operator panel: http://$(HOST):$(PORT)/admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Style, and the import contracts of .importlinter (layers import only downward; plugins and the
# HTTP interfaces independent of each other).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

test-services: venv
	@PY=$(PY) TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) scripts/test-services

# The whole suite, as CI runs it: lint, the embedded default (SQLite, local-memory cache), then
# PostgreSQL + Redis (row locks, concurrency, the Redis cache, a real Celery worker).
test: test-services lint
	@echo "=== pass 1 of 2: SQLite (the embedded default)"
	env -u DATABASE_URL -u REDIS_URL $(PYTEST) -m "not postgres" $(PYTEST_ARGS)
	@echo "=== pass 2 of 2: PostgreSQL + Redis"
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PYTEST) $(PYTEST_ARGS)

# Day-to-day: SQLite only, no service needed (skips the PostgreSQL, Redis, nginx, browser and MariaDB tests).
test-fast: venv
	env -u DATABASE_URL -u REDIS_URL $(PYTEST) -m "not postgres and not services and not nginx and not browser and not mariadb" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache

# The two commands a newcomer needs (see README.md):
#   make run    set up, migrate the embedded SQLite database, load demo data, serve on :8000
#   make test   set up and run the whole test suite (DATABASE_URL selects PostgreSQL)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup setup-dev lint format check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever a requirements file changes.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

setup: $(VENV)/.runtime-installed
setup-dev: $(VENV)/.dev-installed

# The development server runs with DEBUG on, so no SECRET_KEY is needed; never in production.
run: export DEBUG = true
run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py ensure_staff_login
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: setup-dev
	$(BIN)/pytest

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: export DEBUG = true
check: setup-dev
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles

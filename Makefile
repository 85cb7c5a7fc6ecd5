# The two commands a newcomer needs (see README.md):
#   make run    set up, migrate the embedded SQLite database, load demo data, build the window of
#               scheduled occurrences (manage.py refresh_schedule), serve on 127.0.0.1:8000
#               (another port: make run PORT=8001, or PORT=8001 make run; HOST likewise)
#   make test   set up and run the whole test suite (DATABASE_URL selects PostgreSQL)

PYTHON ?= python3
# Where `make run` serves. HOST=0.0.0.0 also answers other machines (add the name they use to
# ALLOWED_HOSTS). Links and QR codes follow the address a page is served on unless
# PUBLIC_BASE_URL is set.
HOST ?= 127.0.0.1
PORT ?= 8000
# The address printed for this machine's browser: 0.0.0.0 is where to listen, not a place to go.
SITE_URL = http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup setup-dev lint format check clean chromium pdf-tools bench bench-small bench-mandates openapi-lint-tools lint-openapi

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

# Development settings, so that manage.py commands typed by hand work too (.env is never
# committed; production sets its own environment, see README).
.env:
	printf '# Created by make run: development settings for this machine only.\nDEBUG=true\nSECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@

run: export DEBUG = true
run: setup .env
	@$(BIN)/python -m operations.devserver $(HOST) $(PORT)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py create_staff_groups
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py refresh_schedule
	$(BIN)/python manage.py ensure_staff_login --site-url $(SITE_URL)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium; install it when we can (as root), else they are skipped
# with a message saying why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
		echo "Chromium is not installed and could not be: the browser tests will be skipped."

# The court report's PDF (WeasyPrint) needs pango, HarfBuzz's subsetter and fonts; its tests read
# it back with poppler-utils. Install what is missing when we can (as root), else say so.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils
pdf-tools:
	@missing=$$(for p in $(PDF_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	[ -z "$$missing" ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) ; } || \
		echo "Not installed, and could not be: $$missing (court report PDFs need them)."

test: setup-dev chromium pdf-tools openapi-lint-tools
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
	rm -rf $(VENV) staticfiles $(OPENAPI_LINT)/node_modules

# The OpenAPI linter (Redocly CLI, pinned in tools/openapi-lint/package-lock.json) comes from npm
# with the machine's Node.js; without npm, the lint test is skipped with a message saying why.
OPENAPI_LINT := tools/openapi-lint
REDOCLY := $(OPENAPI_LINT)/node_modules/.bin/redocly

$(REDOCLY): $(OPENAPI_LINT)/package.json $(OPENAPI_LINT)/package-lock.json
	cd $(OPENAPI_LINT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

openapi-lint-tools:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(REDOCLY); else \
		echo "npm is not installed: the OpenAPI lint (tests/test_api_schema_lint.py) will be skipped."; fi

# The document as served, linted with the rules in redocly.yaml.
lint-openapi: export DEBUG = true
lint-openapi: setup-dev openapi-lint-tools
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file $(OPENAPI_LINT)/schema.yaml
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint --config redocly.yaml $(OPENAPI_LINT)/schema.yaml

# Benchmarks on PostgreSQL (see docs/benchmarks.md). The database is dropped and rebuilt: its
# name must contain "bench". `make bench` takes about 40 minutes (writing the mandates' 6 million
# sessions is half of it) and rewrites docs/benchmarks.md; `make bench-small` runs the same
# scripts on a small data set in a minute or two.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/compliance_bench
BENCH_OUTPUT ?= docs/benchmarks-small.md

bench: setup
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.run

bench-small: setup
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.run --small --output $(BENCH_OUTPUT)

# Mandates alone (bench/mandates.py; both targets above run it too): the base data set, 100,000
# mandates, and issue 18's targets printed with PASS or FAIL, in about 25 minutes on two cores.
# SMALL=1 for the small data set (under a minute); REUSE=1 measures the database as the last run
# left it (to try an index by hand).
bench-mandates: setup
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.mandates $(if $(SMALL),--small) $(if $(REUSE),--reuse)

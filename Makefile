# The two commands: `make demo` and `make test`. Each sets up .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := chromium curl php-cli php-curl redis-server
export PUQ_CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test lint unit bench bench-journeys screenshots messages translations test-postgres system-deps clean mutation chaos-long

$(STAMP): setup.cfg setup.py pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing puq-hestia and its test tools into $(VENV) (a minute or two the first time)..."
	$(BIN)/python -m pip install --progress-bar on -e '.[test]'
	@touch $(STAMP)

# Debian packages for the browser tests; installed only when missing and when we may (root, as CI runs).
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	  else echo "missing Debian packages:$$missing (run as root or install them)"; exit 1; fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The slowest tests are listed at the end: none may take a third of its 120 s timeout.
test: $(STAMP) system-deps lint
	$(BIN)/pytest --durations=12

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

# Ports from make variables: `make demo PORT=5055 API_PORT=8093 FTP_PORT=2131`.
PORT ?= 5000
API_PORT ?= 8083
FTP_PORT ?= 2121
demo: $(STAMP)
	$(BIN)/python -m panel.demo --port $(PORT) --api-port $(API_PORT) --ftp-port $(FTP_PORT)

bench: $(STAMP)
	$(BIN)/python -m bench

# Only the calls and seconds per journey (issue 19), printed; RESULTS.md is left as it is.
bench-journeys: $(STAMP)
	$(BIN)/python -m bench --journeys

clean:
	rm -rf $(VENV) build *.egg-info

# The panel's languages (README "Languages"): `make messages` extracts every marked string into the template and
# merges it into each catalog (then translate the new entries); `make translations` compiles the catalogs into
# the .mo files the panel reads, which are committed (a test fails when they are stale or incomplete).
CATALOGS := panel/translations
LANGUAGES := de fr es nl
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ -k Nn_:1,2 -k _l --no-location --sort-output \
	  --project puq-hestia --copyright-holder puq-hestia -o $(CATALOGS)/messages.pot .
	@for lang in en $(LANGUAGES); do \
	  if [ -f $(CATALOGS)/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel -q update -i $(CATALOGS)/messages.pot -d $(CATALOGS) -l $$lang --no-fuzzy-matching \
	      --ignore-obsolete; \
	  else $(BIN)/pybabel -q init -i $(CATALOGS)/messages.pot -d $(CATALOGS) -l $$lang; fi; \
	done

translations: $(STAMP)
	$(BIN)/pybabel compile -d $(CATALOGS) --statistics

# Rewrite the README's screenshots from the browser journeys.
screenshots: $(STAMP) system-deps
	PUQ_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/e2e -q

# The store tests against a throw-away PostgreSQL cluster (Debian's package), beside the SQLite run `make test`
# always does. Needs root (apt-get, the postgres system user); the cluster lives in $(PG_DIR) and is removed.
PG_PORT ?= 54329
PG_DIR ?= /tmp/puq-hestia-pg
# Found when the recipe runs (after apt-get), not when make reads this file.
PG_BIN = $$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_URL = postgresql+psycopg://puq:puq@127.0.0.1:$(PG_PORT)/puq_test
# How the restart test stops and starts the cluster (as the postgres user, with the same options as below).
PG_CTL = runuser -u postgres -- $(PG_BIN)/pg_ctl -D $(PG_DIR)/data -l $(PG_DIR)/log \
  -o '-p $(PG_PORT) -k $(PG_DIR) -c listen_addresses=127.0.0.1'

test-postgres: $(STAMP)
	@dpkg -s postgresql >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql)
	$(BIN)/python -m pip install --quiet 'psycopg[binary]>=3.1'
	rm -rf $(PG_DIR) && mkdir -p $(PG_DIR) && chown postgres: $(PG_DIR)
	su postgres -c '$(PG_BIN)/initdb -D $(PG_DIR)/data -A trust -U postgres >/dev/null'
	su postgres -c '$(PG_BIN)/pg_ctl -D $(PG_DIR)/data -l $(PG_DIR)/log -w \
	  -o "-p $(PG_PORT) -k $(PG_DIR) -c listen_addresses=127.0.0.1" start'
	psql -h 127.0.0.1 -p $(PG_PORT) -U postgres -v ON_ERROR_STOP=1 \
	  -c "CREATE ROLE puq LOGIN PASSWORD 'puq'" -c "CREATE DATABASE puq_test OWNER puq"
	PUQ_TEST_DATABASE_URL=$(PG_URL) PUQ_TEST_PG_CTL="$(PG_CTL)" \
	  $(BIN)/pytest tests/unit/test_store.py tests/crash/test_postgres_outages.py tests/crash/test_account_order.py \
	  tests/crash/test_unfinished_creates.py -q; \
	  status=$$?; \
	su postgres -c '$(PG_BIN)/pg_ctl -D $(PG_DIR)/data -m fast stop' >/dev/null; \
	rm -rf $(PG_DIR); exit $$status

# Mutation testing of the core rules (mutmut, pinned in the test extra): one module at a time on one worker, each
# with only its fast tests, in scratch copies under /tmp; writes tests/MUTATION.md. Slow (tens of minutes), so
# not part of `make test`: run it after changing one of those modules or its tests. MODULES=paths limits the run.
MODULES ?=
mutation: $(STAMP)
	$(BIN)/python tests/mutation.py $(MODULES)

# The chaos state machine's long run (200 random sequences; `make test` runs 40 of them).
chaos-long: $(STAMP)
	PUQ_CHAOS_EXAMPLES=200 $(BIN)/pytest tests/chaos/test_state_machine.py -q -o timeout=900

# The two commands: `make demo` and `make test`. Each sets up .venv when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_PACKAGES := chromium curl php-cli php-curl
export PUQ_CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test lint unit bench screenshots system-deps clean

$(STAMP): setup.cfg setup.py pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
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

test: $(STAMP) system-deps lint
	$(BIN)/pytest

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

demo: $(STAMP)
	$(BIN)/python -m panel.demo

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info

# Rewrite the README's screenshots from the browser journeys.
screenshots: $(STAMP) system-deps
	PUQ_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/e2e -q

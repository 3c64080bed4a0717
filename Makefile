# Quick start: `make serve` (install + build + serve on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test test-fast lint install servers clean

$(BIN)/cnc-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/cnc-graph

# The backend tests start real SPARQL servers: Oxigraph (PyPI, in the venv) and Virtuoso 7 (Debian); the page
# tests drive Debian's Chromium headless (Playwright from PyPI, launched on /usr/bin/chromium).
servers:
	@{ command -v virtuoso-t && command -v wrk && command -v chromium && command -v chromedriver; } >/dev/null || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	  virtuoso-opensource wrk chromium chromium-driver >/dev/null; }

serve: install
	$(BIN)/cnc-graph serve

lint: install
	$(BIN)/ruff check cnc_graph api tests bench
	$(BIN)/mypy

test: install servers lint
	$(BIN)/pytest -q

# Without the tests that start SPARQL servers or take minutes (CI runs them all).
test-fast: install lint
	$(BIN)/pytest -q -m 'not servers and not slow and not browser'

clean:
	rm -rf $(VENV) var .pytest_cache

# Quick start: `make serve` (install + build + serve on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: serve test lint install clean

$(BIN)/cnc-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/cnc-graph

serve: install
	$(BIN)/cnc-graph serve

test: install
	$(BIN)/ruff check cnc_graph api tests bench
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) var .pytest_cache

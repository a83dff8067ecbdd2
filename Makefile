# Quick start: `make demo` runs the app on the built-in simulator; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench screenshots sim soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/autodl-tui --demo

sim: $(STAMP)
	$(BIN)/autodl-tui sim

lint: $(STAMP)
	$(BIN)/ruff check autodl_tui tests scripts benchmarks
	$(BIN)/ruff format --check autodl_tui tests scripts benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict autodl_tui

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Not part of `make test`: 10 minutes against the faulty simulator (MINUTES=1 for a short run).
MINUTES ?= 10
soak: $(STAMP)
	$(BIN)/python scripts/soak.py --minutes $(MINUTES)

screenshots: $(STAMP)
	$(BIN)/python scripts/make_screenshots.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

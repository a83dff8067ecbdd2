# Quick start: `make demo` runs the app on the built-in simulator; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# What running needs (no test tools): `make demo` and `make sim` install only this.
RUN_STAMP := $(VENV)/.installed-run

.PHONY: demo install-completion test lint typecheck pytest ssh-client bench screenshots sim soak \
	clean browser-test browser-deps browser-screenshot package-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

demo: $(RUN_STAMP)
	$(BIN)/autodl-tui --demo

sim: $(RUN_STAMP)
	$(BIN)/autodl-tui sim

# Install the shell completion for the current user (bash and zsh; shtab writes it).
install-completion: $(RUN_STAMP)
	mkdir -p $${XDG_DATA_HOME:-$$HOME/.local/share}/bash-completion/completions
	$(BIN)/autodl-tui completion bash > $${XDG_DATA_HOME:-$$HOME/.local/share}/bash-completion/completions/autodl-tui
	mkdir -p $$HOME/.zfunc
	$(BIN)/autodl-tui completion zsh > $$HOME/.zfunc/_autodl-tui
	@echo "zsh: add 'fpath+=~/.zfunc; autoload -Uz compinit; compinit' to ~/.zshrc"

lint: $(STAMP)
	$(BIN)/ruff check autodl_tui tests scripts benchmarks
	$(BIN)/ruff format --check autodl_tui tests scripts benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict autodl_tui

# tests/browser need a browser: `make browser-test` runs them.
pytest: $(STAMP) ssh-client
	$(BIN)/python -m pytest -q --ignore=tests/browser

# tests/shell drive the system's OpenSSH client; install it where it is missing and we can
# (root with apt-get, as on CI), else those tests skip saying why.
ssh-client:
	@command -v ssh >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-client; } \
	      || echo "openssh-client could not be installed: tests/shell that need ssh will skip"; \
	  else echo "ssh not found: the tests in tests/shell that need it will be skipped"; fi; }

test: lint typecheck pytest

# `autodl-tui serve` in a real headless browser: playwright (the `browser` extra) drives
# Debian's chromium; `playwright install` cannot download here, so chromium comes from apt
# (as root, when missing).
CHROMIUM ?= /usr/lib/chromium/chromium
BROWSER_STAMP := $(VENV)/.browser-installed

$(BROWSER_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,browser]'
	touch $(BROWSER_STAMP)

browser-deps: $(BROWSER_STAMP)
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium; \
	  else echo "no chromium at $(CHROMIUM): install Debian's chromium (or set CHROMIUM=)"; \
	    exit 1; fi; }

browser-test: browser-deps
	AUTODL_TEST_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q tests/browser

# screenshots/browser.png: the demo in the browser, taken by the browser test. The demo's
# region names are Chinese: without a CJK font Chromium draws boxes (root installs one).
browser-screenshot: browser-deps
	@fc-list :lang=zh 2>/dev/null | grep -q . || { [ "$$(id -u)" != 0 ] || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei; }
	AUTODL_TEST_CHROMIUM=$(CHROMIUM) AUTODL_BROWSER_PNG=screenshots/browser.png \
	  $(BIN)/python -m pytest -q tests/browser -k demo_runs

# The wheel as a user gets it: built, installed with pipx into a temporary home, used.
# pipx is installed here only (it is how users install the tool; nothing imports it).
package-test: $(STAMP)
	$(BIN)/python -m pip install --quiet 'pipx>=1.4'
	$(BIN)/python scripts/check_package.py

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

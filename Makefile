# Tasks for the template repository itself; each target bootstraps .venv on first use.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# First interpreter that actually runs and is >= 3.10 (pyenv shims may exist but fail).
PYTHON_CANDIDATES := python3.12 python3.11 python3 python
ifndef PYTHON
PYTHON := $(shell for p in $(PYTHON_CANDIDATES); do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1; then \
	echo $$p; break; fi; done)
endif

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
PYTEST_ARGS ?=
# One pip cache for every run, so the slow tier's installs reuse downloaded wheels.
TEMPLATE_PIP_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/pip
export TEMPLATE_PIP_CACHE

DEMO_DIR := build/demo
DEMO_SLUG := customer-churn-prediction
DEMO_PACKAGE := customer_churn_prediction
DEMO_PROJECT := $(DEMO_DIR)/$(DEMO_SLUG)

.PHONY: help venv lint format test test-fast test-slow pre-commit demo clean clean-all

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "ERROR: no Python >= 3.10 found (tried: $(PYTHON_CANDIDATES)); set PYTHON=/path/to/python3" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	PIP_CACHE_DIR="$(TEMPLATE_PIP_CACHE)" $(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

venv: $(STAMP) ## Create .venv with the template's dev tools (reinstalls when pyproject changes)

lint: $(STAMP) ## Lint and format-check the hooks, tests and benchmarks (ruff)
	$(BIN)/ruff check hooks tests benchmarks
	$(BIN)/ruff format --check hooks tests benchmarks

format: $(STAMP) ## Reformat the hooks, tests and benchmarks, fixing what ruff can
	$(BIN)/ruff check --fix hooks tests benchmarks
	$(BIN)/ruff format hooks tests benchmarks

test: lint ## Lint, then run every test tier (fast bakes and slow real-environment runs)
	PIP_CACHE_DIR="$(TEMPLATE_PIP_CACHE)" $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: lint ## Lint, then run the fast tier only (no real environments)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

test-slow: $(STAMP) ## Run the slow tier only (bake, install, make test/train, predict)
	PIP_CACHE_DIR="$(TEMPLATE_PIP_CACHE)" $(BIN)/python -m pytest -m slow -s $(PYTEST_ARGS)

pre-commit: $(STAMP) ## Run the template repository's pre-commit hooks on every tracked file
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pre-commit run --all-files

demo: $(STAMP) ## Bake the default project into build/demo, train it and score a few rows
	rm -rf $(DEMO_DIR)
	mkdir -p $(DEMO_DIR)
	$(BIN)/cookiecutter . --no-input --default-config -o $(DEMO_DIR) init_git=true create_env=false
	env -u VIRTUAL_ENV $(MAKE) -C $(DEMO_PROJECT) train
	head -n 6 $(DEMO_PROJECT)/data/raw/telco_churn.csv > $(DEMO_DIR)/sample.csv
	cd $(DEMO_PROJECT) && .venv/bin/python -m $(DEMO_PACKAGE) predict \
		--input ../sample.csv --output ../predictions.csv
	@echo
	@echo "Scored rows ($(DEMO_DIR)/predictions.csv):"
	@cat $(DEMO_DIR)/predictions.csv
	@echo
	@echo "Demo project: $(DEMO_PROJECT)  (cd there and try: make help)"

BENCH_DIR := build/bench
BENCH_PROJECT := $(BENCH_DIR)/$(DEMO_SLUG)

.PHONY: bench bench-template
bench: $(STAMP) ## Bake into build/bench, train, and load-test it against the floor and tutorial apps (wrk)
	@command -v wrk >/dev/null 2>&1 || { echo "error: wrk is not installed;" \
		"install it with: sudo apt-get install -y wrk  (macOS: brew install wrk)" >&2; exit 1; }
	rm -rf $(BENCH_DIR)
	mkdir -p $(BENCH_DIR)
	$(BIN)/cookiecutter . --no-input --default-config -o $(BENCH_DIR) init_git=false create_env=false
	env -u VIRTUAL_ENV $(MAKE) -C $(BENCH_PROJECT) train
	cd $(BENCH_PROJECT) && .venv/bin/python $(CURDIR)/benchmarks/bench_serving.py \
		--package $(DEMO_PACKAGE) $(BENCH_ARGS)

bench-template: $(STAMP) ## Time bakes, .venv per manager, the serving runtime and make test
	PIP_CACHE_DIR="$(TEMPLATE_PIP_CACHE)" $(BIN)/python benchmarks/bench_template.py $(BENCH_ARGS)

clean: ## Remove build/ and caches (keeps .venv)
	rm -rf build .pytest_cache .ruff_cache *.egg-info
	find hooks tests -name __pycache__ -type d -prune -exec rm -rf {} +

clean-all: clean ## Also remove .venv
	rm -rf $(VENV)

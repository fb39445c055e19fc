# Two commands matter: `make up` (set up, then run the stack) and `make test`
# (set up, then lint, type-check and run the whole test suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system-deps venv process-compose devcontainer-cli dist test lint unit integration container-test up down bench faults fuzz clean

# What `make up` needs; `make test` adds the Dev Containers CLI (devcontainer-cli).
setup: system-deps venv process-compose

system-deps:
	@scripts/install-system-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "python: installing workloadctl and its dev tools into $(VENV)"
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

# A missing process-compose does not stop the set-up: the tests that need the real
# binary then skip, each saying why, and `make up` runs without it.
process-compose: venv
	@scripts/install-process-compose.sh $(BIN)/process-compose || { \
		echo "WARNING: process-compose is not installed; tests that need it will be SKIPPED" >&2; }

# The Dev Containers CLI for the Dev Container Template's test, into $(VENV)/node (where the
# test looks after PATH): part of `make test`'s set-up only, nothing else uses it. Never
# fatal: without npm or the npm registry that test skips, saying so.
DEVCONTAINER_CLI_VERSION := 0.89.0
devcontainer-cli: venv
	@if command -v devcontainer >/dev/null || [ -x $(VENV)/node/node_modules/.bin/devcontainer ]; then :; \
	elif ! command -v npm >/dev/null; then \
		echo "WARNING: npm is not installed; the Dev Containers CLI test will be SKIPPED" >&2; \
	elif ! timeout 600 npm install --prefix $(VENV)/node --no-audit --no-fund --loglevel=error \
		@devcontainers/cli@$(DEVCONTAINER_CLI_VERSION); then \
		echo "WARNING: npm could not install @devcontainers/cli; its test will be SKIPPED" >&2; \
	fi

# The wheel and sdist of this checkout into dist/ (what a release uploads; before one,
# what an adopter installs with pipx and serves to the image's build: docs/init.md).
dist: venv
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

# mypy checks what pyproject's [tool.mypy] files names: src/workloadctl and bench/.
lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: setup devcontainer-cli lint
	$(BIN)/pytest

unit: venv
	$(BIN)/pytest -m "not integration and not container"

integration: setup
	$(BIN)/pytest -m integration

# The real dev container (also part of `make test`): builds .devcontainer/Dockerfile with
# podman and runs it with s6-overlay as PID 1. Needs root, podman, runc, debootstrap (for
# the base image, once) and a release mirror ($WORKLOADCTL_RELEASE_MIRROR); skips saying
# which is missing. See tests/container/README.md.
container-test: venv
	$(BIN)/pytest -m container tests/container

up: setup
	$(BIN)/workloadctl up

down: venv
	$(BIN)/workloadctl down

# Every performance figure against its peer and its goal, then the scaling table
# (docs/performance.md). Root, s6, supervisord and process-compose for the stack sections
# (skipped, saying why, without them). BENCH_ARGS=--quick: 3 rounds, scaling to 500.
bench: setup
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

# Long runs, outside `make test`; each prints its tables and writes JSON under /tmp.
# Fault campaign on a local stack in a private network namespace (root; 22 kinds x 10).
faults: setup
	$(BIN)/python bench/faults/campaign.py

# Every config loader with 10,000 hypothesis inputs, then 500 process-compose configs
# against the real `process-compose --dry-run`.
fuzz: setup
	$(BIN)/python bench/fuzz/fuzz_loaders.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

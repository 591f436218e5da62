# byoc-sync — the two commands: `make demo` and `make test`. Each sets up .venv when needed.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# checkov pins many packages, so it lives in its own virtualenv, never in .venv.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV    := .venv-checkov
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

.PHONY: demo test lint typecheck unit infra-check format serve bench clean

$(STAMP): pyproject.toml requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 11), "byoc-sync needs Python 3.11 (set PYTHON=)"'
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## demo: run function_app.py in the local host against the sandbox and narrate it doing its job
demo: $(STAMP)
	$(BIN)/python -m sandbox.demo

## test: ruff, mypy, checkov on infra/ and the whole pytest suite (Bicep parse tests included)
test: lint typecheck infra-check unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

$(CHECKOV_STAMP):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	@touch $(CHECKOV_STAMP)

## infra-check: checkov scans infra/ offline; every skip is an inline `checkov:skip=ID:reason`
infra-check: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --directory infra --skip-download --compact --quiet

## serve: run the sandbox and the local Functions host in the foreground (settings as one JSON line)
serve: $(STAMP)
	$(BIN)/byoc-sync sandbox serve

## bench: print the SDK paging figures (calls and wall time) against the emulators
bench: $(STAMP)
	$(BIN)/python -m bench.sdk_paging --numbers 1000 5000 20000

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info

# byoc-sync — the two commands: `make demo` and `make test` (what CI runs); `make check` is the
# fast loop while working. Each sets up .venv when needed.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# checkov pins many packages, so it lives in its own virtualenv, never in .venv.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV    := .venv-checkov
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
# What the tests run against besides Python: Azurite (Table Storage, from npm, kept in .tools),
# sipp (a real SIP UAS, Debian package sip-tester) and Chromium (Debian package chromium, driven
# headless by Playwright for the status page's browser tests: Playwright launches this system
# browser, so `playwright install` and its download are never needed). Tests start them; make
# installs them.
TOOLS           := .tools
AZURITE_VERSION := 3.37.0
AZURITE         := $(TOOLS)/node_modules/.bin/azurite
# Twilio's published OpenAPI specs (src/services/twilio-api/*.json) ship in @twilio/cli-core.
# Only that package's tarball is fetched (npm pack): its 200-odd runtime dependencies are not
# needed to read JSON. Bumping the version re-fetches (the stamp names it).
TWILIO_CLI_CORE_VERSION := 9.0.0
TWILIO_CLI_CORE         := $(TOOLS)/twilio-cli-core
TWILIO_SPECS            := $(TWILIO_CLI_CORE)/.installed-$(TWILIO_CLI_CORE_VERSION)
# pytest-xdist workers for `make check` and `make test`. The tests wait on sockets, timers and
# subprocesses more than they compute: on 2 cores, 4 workers beat 2 (fast tier 64 s vs 94 s).
PYTEST_WORKERS  ?= 4
SUDO            := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo docs check test lint typecheck pytest pytest-fast infra-check format serve bench \
	bench-paging bench-steady bench-provisioning bench-purchase bench-number-event bench-failover-load \
	bench-feeds bench-event-burst bench-failover-latency clean test-deps sipp browser azurite screenshot

$(STAMP): pyproject.toml requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; assert sys.version_info[:2] == (3, 11), "byoc-sync needs Python 3.11 (set PYTHON=)"'
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## demo: run function_app.py in the local host against the sandbox and narrate it doing its job
demo: $(STAMP) $(AZURITE)
	$(BIN)/python -m sandbox.demo

## check: the fast loop, under 2 minutes: lint, typecheck and the tests not marked `slow`
check: lint typecheck pytest-fast

## test: what CI runs: lint, typecheck, infra-check and the whole pytest suite (Bicep parses too)
test: lint typecheck infra-check pytest

## docs: regenerate schemas/ and the generated tables in docs/ from the code
docs: $(STAMP)
	$(BIN)/byoc-sync docs generate

## lint: ruff check, ruff format --check, and the layering contracts (import-linter)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## typecheck: mypy --strict over the product, the sandbox, the tests and the benchmarks
typecheck: $(STAMP)
	$(BIN)/mypy

## pytest: the whole pytest suite, over $(PYTEST_WORKERS) pytest-xdist workers
pytest: $(STAMP) test-deps
	$(BIN)/pytest -n $(PYTEST_WORKERS)

## pytest-fast: the tests not marked `slow` (pytest.mark.slow: more than about 5 s each)
pytest-fast: $(STAMP) test-deps
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow"

## test-deps: install sipp and Chromium (apt), Azurite and Twilio's OpenAPI specs (npm)
test-deps: sipp browser $(AZURITE) $(TWILIO_SPECS)

sipp:
	@command -v sipp >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends sip-tester; }

## browser: install Debian's Chromium, the browser the status page's tests drive headless
# (a Chromium already on PATH under another name, as on GitHub's Ubuntu runners, is used as it
# is: sandbox/browser.py looks for the same names)
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  command -v google-chrome >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

$(AZURITE):
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) azurite@$(AZURITE_VERSION)

$(TWILIO_SPECS):
	rm -rf $(TWILIO_CLI_CORE) && mkdir -p $(TWILIO_CLI_CORE)
	npm pack --silent --pack-destination $(TWILIO_CLI_CORE) @twilio/cli-core@$(TWILIO_CLI_CORE_VERSION) >/dev/null
	tar -xzf $(TWILIO_CLI_CORE)/twilio-cli-core-$(TWILIO_CLI_CORE_VERSION).tgz -C $(TWILIO_CLI_CORE) --strip-components=1
	rm $(TWILIO_CLI_CORE)/twilio-cli-core-$(TWILIO_CLI_CORE_VERSION).tgz
	@touch $@

## screenshot: the status page after a failover and a purchase, into docs/img/ (headless Chromium)
screenshot: $(STAMP) $(AZURITE) browser
	$(BIN)/python -m sandbox.screenshot

## azurite: run Azurite's Table service in the foreground for local development (data in .azurite/)
azurite: $(AZURITE)
	$(TOOLS)/node_modules/.bin/azurite-table --silent --disableTelemetry --location .azurite --tableHost 127.0.0.1 --tablePort 10002

$(CHECKOV_STAMP):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	@touch $(CHECKOV_STAMP)

## infra-check: checkov scans infra/ offline; every skip is an inline `checkov:skip=ID:reason`
infra-check: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --directory infra --skip-download --compact --quiet

## serve: run the sandbox and the local Functions host in the foreground (settings as one JSON line)
serve: $(STAMP) $(AZURITE)
	$(BIN)/byoc-sync sandbox serve

## bench: every benchmark below, one after another (figures, not pass/fail; about 45 minutes)
bench: bench-paging bench-steady bench-provisioning bench-purchase bench-number-event \
	bench-failover-load bench-feeds bench-event-burst bench-failover-latency

## bench-paging: full reads through the SDKs at the default and the maximum page size
bench-paging: $(STAMP)
	$(BIN)/python -m bench.sdk_paging --numbers 1000 5000 20000

## bench-steady: a steady-state reconcile at 1k/10k numbers vs one GET per resource
bench-steady: $(STAMP)
	$(BIN)/python -m bench.steady_state --numbers 1000 10000 --latency-ms 20 --budget 300

## bench-provisioning: first-time provisioning vs the Genesys rate-limit floor (300/min)
bench-provisioning: $(STAMP)
	$(BIN)/python -m bench.provisioning --numbers 1000 --latency-ms 20 --budget 300

## bench-number-event: one number's event and status request at 1k/10k/50k numbers
bench-number-event: $(STAMP)
	$(BIN)/python -m bench.number_event --numbers 1000 10000 50000 --latency-ms 20 --budget 300

## bench-failover-load: a failover's vendor work while a 50k full read fills the budget
bench-failover-load: $(STAMP)
	$(BIN)/python -m bench.failover_under_load --numbers 50000 --latency-ms 20 --budget 300

## bench-feeds: calls per feed poll at 1k/10k/50k; a console purchase and an IVR hand edit handled
bench-feeds: $(STAMP)
	$(BIN)/python -m bench.feeds --numbers 1000 10000 50000 --latency-ms 20 --budget 300

## bench-event-burst: 500 number events at 50k numbers drained by 8 sessions, with no 429
bench-event-burst: $(STAMP)
	$(BIN)/python -m bench.event_burst --numbers 50000 --events 500 --latency-ms 20 --budget 300

## bench-failover-latency: trunk down -> route flipped, idle and during a 50k full reconcile
bench-failover-latency: $(STAMP)
	$(BIN)/python -m bench.failover_latency --numbers 50000 --latency-ms 20 --budget 300

## bench-purchase: purchase -> routable, round trips on the critical path at 100 ms per call
bench-purchase: $(STAMP)
	$(BIN)/python -m bench.purchase --latency-ms 100 --estate 100

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache *.egg-info

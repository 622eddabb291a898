# livefest — the two commands: `make run` (whole pipeline locally) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Pinned: every package at the version and hashes of the lock files (requirements.lock for
# the services, as the Dockerfile installs them; requirements-dev.lock adds the tools).
LOCK     := requirements.lock
DEV_LOCK := requirements-dev.lock
PIP_LOCK := requirements-pip.lock

.PHONY: install run test test-unit mutate bench broker-start broker-stop clickhouse-start clickhouse-stop lint lock audit clean

SCREEN := services/api/screen
ECHARTS := $(SCREEN)/node_modules/.package-lock.json

install: $(STAMP) $(ECHARTS)
	@scripts/kafka-local.sh install
	@scripts/install-prometheus.sh
	@scripts/install-browser.sh

# The big screen's chart library (Apache ECharts), exactly as pinned by the lock file; the
# API serves it from there (no CDN: the venue may be offline).
$(ECHARTS): $(SCREEN)/package-lock.json
	npm ci --prefix $(SCREEN) --no-audit --no-fund --loglevel=error

$(STAMP): pyproject.toml $(LOCK) $(DEV_LOCK) $(PIP_LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "livefest needs Python >= 3.11; $(PYTHON) is $$($(PYTHON) --version 2>&1): run make PYTHON=python3.11 (or newer)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "$(PYTHON) -m venv failed: on Debian/Ubuntu install python3-venv"; exit 1; }
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r $(PIP_LOCK)
	$(BIN)/python -m pip install -q --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

# After changing the dependencies in pyproject.toml: re-resolve both lock files (the dev
# one constrained by the services' one, so both pin the same versions), then `make install`.
lock:
	@test -x $(BIN)/uv || { echo "run make install first (uv comes with the dev tools)"; exit 1; }
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --quiet -o $(LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -c $(LOCK) \
		--quiet -o $(DEV_LOCK)

# Known vulnerabilities in exactly what the lock files pin (asks PyPI's advisory data).
audit: install
	$(BIN)/pip-audit --require-hashes --disable-pip --progress-spinner off -r $(LOCK) -r $(DEV_LOCK)

# The main job: broker, local ClickHouse server, migrations, aggregator workers, API and a
# simulated festival evening, as separate supervised processes (README: "Running it").
run: install
	$(BIN)/livefest up

# Unit tests need nothing running; integration tests need the broker, which this
# target starts when it is not already up (and leaves running for the next call).
test: install
	@scripts/kafka-local.sh start
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -m "not integration and not cluster" $(PYTEST_ARGS)

# Mutation testing of the pure modules against the unit tests (README: "Mutation testing").
# Minutes, not part of `make test` or .ci/run. MUTATE_ARGS: --keep, or mutant name patterns.
mutate: install
	$(BIN)/python scripts/mutate.py $(MUTATE_ARGS)

bench: install
	@scripts/kafka-local.sh start
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

broker-start: install
	@scripts/kafka-local.sh start

broker-stop:
	@scripts/kafka-local.sh stop

# The local ClickHouse server over LIVEFEST_DATA_DIR on its own (`livefest up` uses it if it runs).
clickhouse-start: install
	$(BIN)/livefest clickhouse start

clickhouse-stop:
	$(BIN)/livefest clickhouse stop

# Style and layering: ruff, then the import contracts in pyproject.toml ([tool.importlinter]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .livefest .pytest_cache $(SCREEN)/node_modules

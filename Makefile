# livefest — the two commands: `make run` (whole pipeline locally) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-unit bench broker-start broker-stop clickhouse-start clickhouse-stop lint clean

install: $(STAMP)
	@scripts/kafka-local.sh install
	@scripts/install-prometheus.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

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
	rm -rf $(VENV) .livefest .pytest_cache

# Carry: make help lists the targets.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= $(CARRY_DATA)
MODE ?= btc_basis
BENCH_VENV := .bench-venv
NAUTILUS := nautilus_trader==1.221.0
# The last NautilusTrader release with CPython 3.11 wheels; it lives in its own
# environment, never in Carry's dependencies.

.DEFAULT_GOAL := help
.PHONY: help setup run test test-unit test-integration test-kafka test-secure test-package test-browser test-chain lint \
        typecheck format check bench bench-sweep bench-kafka data-check kafka-fetch kafka-start kafka-stop \
        chain-fetch chain-start chain-stop verify-aave clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(BIN)/carry: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

setup: $(BIN)/carry ## create .venv and install Carry with its dev tools

run: setup ## run a backtest of MODE (default btc_basis) on CARRY_DATA or the synthetic sample
	$(BIN)/carry backtest --mode $(MODE) $(if $(DATA),--data $(DATA))

test: setup chain-fetch ## run every test tier (unit, sample runs, real-data, Kafka, browser, chain)
	$(BIN)/pytest

test-unit: setup ## unit tests only (no data folder, no broker)
	$(BIN)/pytest tests/unit tests/schemas

test-integration: setup ## real-data tests (needs CARRY_DATA)
	$(BIN)/pytest tests/integration

test-kafka: setup ## Kafka tests against the real broker from deploy/kafka
	$(BIN)/pytest tests/kafka

test-secure: setup kafka-fetch ## secured-bus tests: a SASL_SSL broker with SCRAM users and ACLs (deploy/kafka)
	$(BIN)/pytest tests/secure

test-package: setup ## build the wheel, install it into a fresh venv and run it (PyPI)
	$(BIN)/pytest tests/package

test-browser: setup ## report pages in headless Chromium (needs /usr/bin/chromium)
	$(BIN)/pytest tests/browser

test-chain: setup chain-fetch ## chain tests: the real Aave v3 contracts on anvil
	$(BIN)/pytest tests/chain

lint: setup ## ruff
	$(BIN)/ruff check schemas services tests bench setup.py
	$(BIN)/ruff format --check schemas services tests bench setup.py

format: setup ## ruff format and autofix
	$(BIN)/ruff format schemas services tests bench setup.py
	$(BIN)/ruff check --fix schemas services tests bench setup.py

typecheck: setup ## mypy --strict on schemas and services
	$(BIN)/mypy

check: lint typecheck test ## lint, typecheck and test

$(BENCH_VENV)/bin/python:
	$(PY) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet --only-binary=:all: $(NAUTILUS)

bench: setup $(BENCH_VENV)/bin/python ## Carry vs NautilusTrader on the same bars, then every mode's full window
	$(BIN)/python -m bench.versus $(if $(DATA),--data $(DATA)) --nautilus-python $(BENCH_VENV)/bin/python
	$(BIN)/python -m bench.run_all $(if $(DATA),--data $(DATA))

bench-sweep: setup ## a 24-configuration grid: carry sweep on 2 processes vs 24 standalone backtests
	$(BIN)/python -m bench.sweep_bench $(if $(DATA),--data $(DATA))

bench-kafka: setup kafka-fetch ## KafkaBus throughput, one month of btc_basis over Kafka, 1..16 runs at once
	$(BIN)/python -m bench.kafka_bench $(if $(DATA),--data $(DATA))
	$(BIN)/python -m bench.kafka_scale $(if $(DATA),--data $(DATA))

data-check: setup ## report every defect of the data folder DATA
	$(BIN)/carry data check $(DATA)

kafka-fetch: ## fetch the pinned Kafka jars from Maven Central into .kafka/
	deploy/kafka/kafka.sh fetch

kafka-start: kafka-fetch ## start the single-node Kafka broker on 127.0.0.1:19092
	deploy/kafka/kafka.sh start

kafka-stop: ## stop the broker
	deploy/kafka/kafka.sh stop

chain-fetch: ## npm ci the pinned anvil and @aave/core-v3 into .chain/
	deploy/chain/chain.sh fetch

chain-start: chain-fetch ## start anvil on 127.0.0.1:$$CHAIN_PORT (18545)
	deploy/chain/chain.sh start

chain-stop: ## stop anvil
	deploy/chain/chain.sh stop

verify-aave: setup chain-fetch ## carry verify aave --actions 2000 (SEED=7) on a private anvil
	$(BIN)/carry verify aave --actions 2000 --seed $(or $(SEED),7)

clean: ## remove caches (keeps results/, .venv, .kafka and .chain)
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis

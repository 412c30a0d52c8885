# rotation-warehouse: the commands a newcomer can guess.
#   make demo   set up, then build the whole warehouse from the offline sample market
#   make test   set up, then run the whole test suite
#   make dev    the Dagster UI on the same definitions
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The venv's tools first on PATH: dagster-dbt looks up `dbt` there (e.g. `dagster dev`
# re-parses the dbt project with it).
export PATH := $(CURDIR)/$(BIN):$(PATH)

# Defaults for every variable the pipeline reads; .env.example documents them. A .env file
# (optional, never committed) overrides them.
-include .env
export SOURCE_MODE ?= sample
export WAREHOUSE_PATH ?= $(CURDIR)/warehouse/market.duckdb
export LANDING_DIR ?= $(CURDIR)/warehouse/landing
export ANALYTICS_PATH ?= $(CURDIR)/warehouse/analytics.duckdb
export PUBLISHED_PARQUET_DIR ?= $(CURDIR)/warehouse/published/parquet
export DATA_DOCS_DIR ?= $(CURDIR)/warehouse/data_docs
export DAGSTER_HOME ?= $(CURDIR)/warehouse/dagster_home
export HTTP_USER_AGENT ?= rotation-warehouse/0.1 (set HTTP_USER_AGENT to name a contact)
export YAHOO_BASE_URL ?= https://query2.finance.yahoo.com
export TIINGO_BASE_URL ?= https://api.tiingo.com
export STOOQ_BASE_URL ?= https://stooq.com
export FRED_BASE_URL ?= https://api.stlouisfed.org
export FRED_GRAPH_BASE_URL ?= https://fred.stlouisfed.org
export SEC_BASE_URL ?= https://data.sec.gov
export TIINGO_API_KEY ?=
export STOOQ_API_KEY ?=
export FRED_API_KEY ?=
export SEC_USER_AGENT ?=
export ESTIMATES_DROP_DIR ?= $(CURDIR)/warehouse/drops/estimates
export DBT_PROFILES_DIR := $(CURDIR)/dbt_project
export GX_ANALYTICS_ENABLED := False
export DO_NOT_TRACK := 1

.PHONY: setup demo test dev lint format dbt-parse clean report browser docs status bench faults

setup: $(STAMP) dbt_project/target/manifest.json

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

dbt_project/target/manifest.json: $(STAMP) $(shell find dbt_project/models dbt_project/seeds dbt_project/macros dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
	mkdir -p $(dir $(WAREHOUSE_PATH))
	cd dbt_project && ../$(BIN)/dbt parse --quiet
	touch $@

dbt-parse: dbt_project/target/manifest.json

demo: setup
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m orchestration.demo

test: setup browser
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium headless; installed here where missing.
browser:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-liberation)

# The nightly market report (HTML with inline charts) from the published analytics file.
report: setup
	$(BIN)/python -m orchestration.report

dev: setup
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m orchestration.definitions

# dbt docs (every model and column described, lineage, exposures) beside the working
# warehouse, then served on loopback. dbt reads the warehouse (read_only target) for column
# types: DuckDB refuses that while a load is writing, so run it outside the nightly window
# (the nightly job builds the same site after the publish).
DBT_DOCS_DIR = $(dir $(WAREHOUSE_PATH))dbt_docs
DOCS_PORT ?= 8580
docs: setup
	cd dbt_project && ../$(BIN)/dbt docs generate --target read_only --static \
		--target-path $(DBT_DOCS_DIR) --log-path $(DBT_DOCS_DIR)
	@echo "dbt docs on http://127.0.0.1:$(DOCS_PORT)/ (Ctrl-C stops; or open $(DBT_DOCS_DIR)/static_index.html)"
	$(BIN)/python -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory $(DBT_DOCS_DIR)

# Benchmarks (figures, not tests) on a synthetic universe: SCALE=large (5,000 symbols x 30
# years, ~20 minutes on 2 cores) or small (seconds per benchmark). Results in bench/results/.
SCALE ?= large
BENCH_DIR ?= /tmp/rotation-warehouse-bench
bench: setup
	$(BIN)/python -m benchmarks --scale $(SCALE) --workdir $(BENCH_DIR)

# The fault-injection matrix against a loopback server: prints the table, fails on any case.
faults: setup
	$(BIN)/python -m faults

# The data engineer's morning check: last loads, checks, freshness, last publish.
status: setup
	$(BIN)/python -m orchestration.status

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs

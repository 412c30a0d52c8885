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

.PHONY: setup demo test dev lint format dbt-parse clean

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

test: setup
	$(BIN)/python -m pytest

dev: setup
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m orchestration.definitions

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf warehouse dbt_project/target dbt_project/logs

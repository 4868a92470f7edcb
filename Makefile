# Qunguan: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint unit format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Create or upgrade ./var/qunguan.db, seed the demo agency once, serve on http://127.0.0.1:8000.
run: install
	$(BIN)/qunguan init
	$(BIN)/qunguan demo
	$(BIN)/qunguan serve --host $(HOST) --port $(PORT)

## Lint, type-check and run every test (PostgreSQL, Redis and browser tests skip, saying why,
## unless QUNGUAN_TEST_POSTGRES_URL, QUNGUAN_TEST_REDIS_URL and QUNGUAN_REQUIRE_BROWSER are set).
test: install lint
	$(BIN)/python -m pytest -n 2 --clause-report var/clause-report.json

## Ruff over src, tests and bench with the rules in pyproject.toml (ARG, DTZ and PT among them);
## mypy in strict mode over the packages pyproject.toml names (qunguan and tests).
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

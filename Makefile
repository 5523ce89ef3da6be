# The workbench's commands. Every target is idempotent: run it twice, the second does nothing new.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install handbook test lab db docs lint perf bench clean

# Reinstall only when the dependency declaration changed: a no-op run is a file-date comparison.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Start the database (embedded unless DATABASE_URL is set) and bring it to head.
db: install
	$(BIN)/schema db start
	$(BIN)/alembic upgrade head

docs: db
	$(BIN)/schema docs

handbook: db
	$(BIN)/schema handbook --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

lab: db
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf site .pytest_cache

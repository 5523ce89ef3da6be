"""A downgrade that would drop rows refuses unless the operator allows data loss."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.samples import Ctx

ROOT = Path(__file__).resolve().parents[1]
ALEMBIC = str(Path(sys.executable).with_name("alembic"))


def _count_customers(url: URL) -> int | None:
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            if conn.execute(sa.text("SELECT to_regclass('customers')")).scalar() is None:
                return None
            return conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one()
    finally:
        eng.dispose()


def test_downgrade_with_rows_is_refused_then_allowed(scratch_database: URL) -> None:
    migrations.upgrade("001", url=scratch_database)
    eng = database.engine(scratch_database)
    with eng.begin() as conn:
        Ctx(conn).insert("customers")
    eng.dispose()

    env = {**os.environ, "DATABASE_URL": scratch_database.set(drivername="postgresql").render_as_string(hide_password=False)}
    refused = subprocess.run([ALEMBIC, "downgrade", "base"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0
    assert "downgrade refused: table customers holds rows" in refused.stderr
    assert "allow-data-loss=true" in refused.stderr
    assert _count_customers(scratch_database) == 1, "the refused downgrade must leave everything in place"

    allowed = subprocess.run(
        [ALEMBIC, "-x", "allow-data-loss=true", "downgrade", "base"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert allowed.returncode == 0, allowed.stderr
    assert _count_customers(scratch_database) is None


def test_allow_data_loss_value_is_validated(scratch_database: URL) -> None:
    migrations.upgrade("001", url=scratch_database)
    env = {**os.environ, "DATABASE_URL": scratch_database.set(drivername="postgresql").render_as_string(hide_password=False)}
    out = subprocess.run(
        [ALEMBIC, "-x", "allow-data-loss=yes", "downgrade", "base"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode != 0
    assert "allow-data-loss must be 'true' or 'false'" in out.stderr

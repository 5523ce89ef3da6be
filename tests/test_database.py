"""The one module that resolves the database: URL mapping, failure messages, version floor."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import database, migrations

ROOT = Path(__file__).resolve().parents[1]
ALEMBIC = str(Path(sys.executable).with_name("alembic"))
SCHEMA = str(Path(sys.executable).with_name("schema"))


@pytest.mark.parametrize(
    ("raw", "host", "database_name"),
    [
        ("postgresql://u:pw@db.internal:5433/ins", "db.internal", "ins"),
        ("postgres://u:pw@db.internal/ins", "db.internal", "ins"),
        ("postgresql://postgres:@/postgres?host=/run/pg", None, "postgres"),
    ],
)
def test_libpq_urls_map_to_psycopg3(raw: str, host: str | None, database_name: str) -> None:
    url = database.to_sqlalchemy_url(raw)
    assert url.drivername == "postgresql+psycopg"
    assert url.host == host
    assert url.database == database_name


def test_unix_socket_host_is_named() -> None:
    url = database.to_sqlalchemy_url("postgresql://postgres:@/postgres?host=/run/pg")
    assert database.describe_host(url) == "/run/pg"


def test_other_drivers_are_refused() -> None:
    with pytest.raises(database.DatabaseError, match="must be a postgresql:// URL"):
        database.to_sqlalchemy_url("mysql://u:pw@h/db")


def test_mask_hides_password() -> None:
    assert "secret" not in database.mask(database.to_sqlalchemy_url("postgresql://u:secret@h/db"))


def test_unreachable_database_url_fails_fast_names_host_hides_password() -> None:
    """Acceptance (issue 3): exit non-zero within 10 s, name the host, never print the password,
    never fall back to the embedded server."""
    env = {**os.environ, "DATABASE_URL": "postgresql://u:secret@127.0.0.1:9/x"}
    started = time.monotonic()
    out = subprocess.run([ALEMBIC, "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    elapsed = time.monotonic() - started
    assert out.returncode != 0
    assert elapsed < 10, elapsed
    text = out.stdout + out.stderr
    assert "127.0.0.1:9" in text
    assert "secret" not in text
    assert "does not fall back" in text


def test_cli_db_url_uses_database_url(server_url: URL) -> None:
    libpq = server_url.set(drivername="postgresql").render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": libpq}
    out = subprocess.run([SCHEMA, "db", "url"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("postgresql+psycopg://")


def test_server_older_than_15_is_refused(monkeypatch: pytest.MonkeyPatch, server_url: URL) -> None:
    """The version floor is enforced on what the server reports; fake an old report."""
    eng = database.engine(server_url)
    monkeypatch.setattr(database, "MIN_SERVER_VERSION_NUM", 10_000_000)
    with pytest.raises(database.DatabaseError, match="needs PostgreSQL 15 or newer"):
        database.check_server(eng)
    eng.dispose()


def test_session_server_is_at_least_15(server_url: URL) -> None:
    eng = database.engine(server_url)
    assert database.check_server(eng) >= 150000
    eng.dispose()


def test_concurrent_upgrades_serialize(scratch_database: URL) -> None:
    """Acceptance (issue 3): two `alembic upgrade head` at the same moment on one empty database
    both exit 0 and leave one head (the advisory lock in alembic/env.py)."""
    env = {**os.environ, "DATABASE_URL": scratch_database.set(drivername="postgresql").render_as_string(hide_password=False)}
    procs = [
        subprocess.Popen([ALEMBIC, "upgrade", "head"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    eng = database.engine(scratch_database)
    with eng.connect() as conn:
        versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    eng.dispose()
    assert versions == [migrations.head_revision()]


def test_downgrade_base_leaves_only_alembic_version(scratch_database: URL) -> None:
    """Acceptance (issue 3): upgrade head then downgrade base leaves no project object behind
    (tables, functions, types, sequences) except alembic's version table."""
    migrations.upgrade("head", url=scratch_database)
    # The DDL trail (011) holds the DDL of the revisions after it; dropping it is data loss by
    # design (SEC-041), which the operator states.
    migrations.downgrade("base", url=scratch_database, allow_data_loss=True)
    eng = database.engine(scratch_database)
    with eng.connect() as conn:
        left = (
            conn.execute(
                sa.text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1"
                )
            )
            .scalars()
            .all()
        )
        functions = (
            conn.execute(
                sa.text("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'")
            )
            .scalars()
            .all()
        )
        types = (
            conn.execute(
                sa.text(
                    "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = 'public' AND t.typtype NOT IN ('c') AND t.typname NOT LIKE '\\_%'"
                )
            )
            .scalars()
            .all()
        )
    eng.dispose()
    assert left == ["alembic_version", "alembic_version_pkc"]
    assert functions == []
    assert types == []

"""Every test session works in a fresh database of its own on a real PostgreSQL.

The server is the one schema.database resolves (DATABASE_URL, else the embedded pgserver); the
session creates ``wb_test_<pid>_<random>`` on it, runs everything there, and drops it at the end.
No mock, no SQLite, no skip: an unreachable server fails the session with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import catalog, database, migrations
from tests.handbook_site import browser, site_dir, site_url, visit  # noqa: F401 - fixtures of the two browser test modules, built once per session


@pytest.fixture(scope="session")
def server_url() -> URL:
    """The server under test (its maintenance database)."""
    try:
        target = database.resolve()
        eng = database.engine(target.url)
        database.check_server(eng)
        eng.dispose()
    except database.DatabaseError as exc:
        pytest.exit(f"no database for the tests: {exc}", returncode=3)
    return target.url


@pytest.fixture
def scratch_database(server_url: URL) -> Iterator[URL]:
    """A throw-away database for one test that needs its own (failing migrations, concurrency)."""
    with migrations.temporary_database(server_url, "wb_scratch") as url:
        yield url


# --- pytest-alembic: each of its tests gets an empty database of its own ---------------------


@pytest.fixture
def alembic_config():
    """pytest-alembic's databases hold no rows but the DDL audit trail (revision 011), which every
    later revision's DDL writes to; 011's downgrade refuses to drop a trail that holds rows
    (SEC-041: the trail is evidence). Its full downgrades therefore say allow-data-loss, as an
    operator must; the data-loss guard itself is proven in tests/test_data_loss_guard.py."""
    return migrations.alembic_config(x_args={"allow-data-loss": "true"})


@pytest.fixture
def alembic_engine(scratch_database: URL) -> Iterator[sa.Engine]:
    """pytest-alembic assumes each test starts from an empty database: give it one."""
    eng = database.engine(scratch_database)
    yield eng
    eng.dispose()


# --- a database at head, shared by the catalog, constraint, lint and docs tests ---------------


@pytest.fixture(scope="session")
def head_database(server_url: URL) -> Iterator[URL]:
    """A database migrated to head once per session (separate from pytest-alembic's, which it
    migrates up and down)."""
    with migrations.temporary_database(server_url, "wb_head", revision="head") as url:
        yield url


@pytest.fixture(scope="session")
def head_engine(head_database: URL) -> Iterator[sa.Engine]:
    eng = database.engine(head_database)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def head_catalog(head_engine: sa.Engine):
    with head_engine.connect() as conn:
        return catalog.read(conn)


@pytest.fixture
def head_conn(head_engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection to the head database inside a transaction that is always rolled back."""
    with head_engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()

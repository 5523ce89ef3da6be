"""Which PostgreSQL the workbench talks to, and nothing else decides it.

Alembic's env, the CLI, the seed script, the notebooks and the tests all ask this module. The rule
is short and has no fallback: ``DATABASE_URL`` when it is set (any PostgreSQL >= 15), otherwise the
embedded server of the ``pgserver`` package whose data lives in the git-ignored ``.pgdata/`` of
the checkout. A ``DATABASE_URL`` that cannot be reached is an error naming its host; we never
quietly switch to the embedded server, because migrating the wrong database is worse than stopping.
"""

from __future__ import annotations

import os
import shutil
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

MIN_SERVER_VERSION_NUM = 150000
CONNECT_TIMEOUT_SECONDS = 5
ENV_VAR = "DATABASE_URL"


class DatabaseError(RuntimeError):
    """A database problem the operator must fix; the message says what and where."""


def project_root() -> Path:
    """The checkout this package is installed from (editable install, src layout)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise DatabaseError(
            f"cannot find the project checkout above {Path(__file__).resolve()}: "
            "install the workbench editable (make install) so the embedded database has a home"
        )
    return root


def pgdata_dir() -> Path:
    """Where the embedded server keeps its data: ``.pgdata/`` of the checkout, git-ignored."""
    return project_root() / ".pgdata"


def to_sqlalchemy_url(libpq_url: str) -> URL:
    """Map a libpq URL (``postgresql://``, ``postgres://``, unix-socket ``?host=/dir``) to psycopg 3."""
    url = make_url(libpq_url.strip())
    if url.drivername not in {"postgresql", "postgres", "postgresql+psycopg"}:
        raise DatabaseError(f"{ENV_VAR} must be a postgresql:// URL, got driver {url.drivername!r} in {mask(url)}")
    return url.set(drivername="postgresql+psycopg")


def mask(url: URL | str) -> str:
    """The URL with its password hidden, safe for messages and logs."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


def describe_host(url: URL) -> str:
    """Host and port as libpq would use them: TCP host, or the unix-socket folder."""
    host = url.host or url.query.get("host") or "local unix socket"
    if isinstance(host, tuple):
        host = ",".join(host)
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}"


@dataclass(frozen=True)
class Target:
    """A resolved database: its URL and where it came from."""

    url: URL
    source: str  # "DATABASE_URL" or "embedded"

    def __str__(self) -> str:
        return f"{mask(self.url)} ({self.source})"


def resolve() -> Target:
    """The database everything uses: DATABASE_URL if set, else the embedded server (started)."""
    raw = os.environ.get(ENV_VAR)
    if raw is not None and raw.strip():
        return Target(to_sqlalchemy_url(raw), ENV_VAR)
    return Target(to_sqlalchemy_url(start_embedded()), "embedded")


def _pgserver() -> ModuleType:
    """Import pgserver, or say how to get it."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset and uses /tmp/runtime-<uid> for
            # pgserver's inter-process lock file: that choice is right for us, the warning is noise.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            import pgserver  # noqa: PLC0415 - on first use, under the warnings filter; missing = clear error
            import pgserver.utils  # noqa: PLC0415 - as above
    except ImportError as exc:  # pragma: no cover - install problem, reported plainly
        raise DatabaseError(
            f"the embedded database needs the 'pgserver' package: run make install, or set {ENV_VAR} to an existing PostgreSQL >= 15"
        ) from exc
    return pgserver


def start_embedded() -> str:
    """Start (or find running) the embedded PostgreSQL and return its libpq URI.

    ``cleanup_mode=None`` keeps the server running after this process exits, so the next
    command connects in milliseconds instead of paying a cold start; ``schema db stop`` ends it.
    """
    server = _pgserver().get_server(pgdata_dir(), cleanup_mode=None)
    return str(server.get_uri())


def embedded_status() -> str:
    """'running', 'stopped' or 'absent', read from postmaster.pid without starting anything."""
    pgdata = pgdata_dir()
    if not (pgdata / "PG_VERSION").exists():
        return "absent"
    info = _pgserver().utils.PostmasterInfo.read_from_pgdata(pgdata)
    return "running" if info is not None and info.is_running() else "stopped"


def stop_embedded() -> bool:
    """Stop the embedded server if it runs; True when it was running."""
    if embedded_status() != "running":
        return False
    user = "pgserver" if os.geteuid() == 0 else None  # pgserver runs the server as this user under root
    _pgserver().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata_dir(), user=user)
    return True


def reset_embedded() -> None:
    """Stop the embedded server and delete its data: the next command starts from an empty one."""
    stop_embedded()
    pgdata = pgdata_dir()
    if pgdata.exists():
        shutil.rmtree(pgdata)


def engine(url: URL | None = None, **kwargs: object) -> Engine:
    """An engine on ``url`` (default: the resolved database) that fails fast when unreachable."""
    target_url = url if url is not None else resolve().url
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": "schema-workbench"}
    return sa.create_engine(target_url, connect_args=connect_args, **kwargs)


def check_server(eng: Engine) -> int:
    """Connect once and return server_version_num; a clear DatabaseError otherwise.

    The message names the host and never the password; an old server is refused because the
    schema relies on PostgreSQL 15 features (MERGE, UNIQUE NULLS NOT DISTINCT, partition DDL).
    """
    started = time.monotonic()
    try:
        with eng.connect() as conn:
            version = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one())
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise DatabaseError(
            f"cannot reach PostgreSQL at {describe_host(eng.url)} "
            f"({mask(eng.url)}) after {time.monotonic() - started:.1f}s: {reason}. "
            f"Check the server or {ENV_VAR}; the workbench does not fall back to another database."
        ) from None
    if version < MIN_SERVER_VERSION_NUM:
        raise DatabaseError(
            f"PostgreSQL at {describe_host(eng.url)} is version {version // 10000}; the schema needs PostgreSQL 15 or newer"
        )
    return version


def with_database(url: URL, name: str) -> URL:
    """The same server, another database."""
    return url.set(database=name)


def create_database(url: URL, name: str) -> URL:
    """Create database ``name`` on the server of ``url`` and return its URL."""
    admin = engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return with_database(url, name)


def drop_database(url: URL, name: str) -> None:
    """Drop database ``name`` (WITH FORCE: the tests' own connections may linger)."""
    admin = engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextmanager
def connect(url: URL | None = None) -> Iterator[sa.Connection]:
    """A checked connection in a transaction that commits on success."""
    eng = engine(url)
    try:
        check_server(eng)
        with eng.begin() as conn:
            yield conn
    finally:
        eng.dispose()

"""Alembic driven from Python: for the CLI, the seed script, the notebooks and the tests.

Everything goes through alembic's own command API with the project's alembic.ini, so a
notebook's "upgrade" is exactly the operator's ``alembic upgrade head``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

from schema import database


class NotAtHead(database.DatabaseError):
    """The database is not at the revision the code expects."""


def alembic_config(x_args: dict[str, str] | None = None) -> Config:
    """The project's alembic.ini, with ``-x`` arguments as the alembic CLI would pass them."""
    cfg = Config(str(database.project_root() / "alembic.ini"))
    cfg.set_main_option("script_location", str(database.project_root() / "alembic"))
    if x_args:
        cfg.cmd_opts = _XArgs([f"{k}={v}" for k, v in x_args.items()])  # type: ignore[assignment]  # alembic types cmd_opts as its argparse Namespace; it reads only .x
    return cfg


class _XArgs:
    """Stand-in for argparse's namespace: alembic reads ``cmd_opts.x`` for ``-x`` arguments."""

    def __init__(self, x: list[str]) -> None:
        self.x = x


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    heads = script_directory().get_heads()
    if len(heads) != 1:
        raise database.DatabaseError(f"expected one head revision, found {heads}")
    return heads[0]


def current_revision(conn: sa.Connection) -> str | None:
    """The revision stamped in the database; None for an empty (unversioned) database."""
    return MigrationContext.configure(conn).get_current_revision()


def _run(cfg: Config, url: URL | None, fn: Callable[..., object], *args: object) -> None:
    if url is None:
        fn(cfg, *args)
        return
    eng = database.engine(url)
    try:
        database.check_server(eng)
        with eng.connect() as conn:
            cfg.attributes["connection"] = conn
            fn(cfg, *args)
    finally:
        eng.dispose()


def upgrade(revision: str = "head", url: URL | None = None) -> None:
    _run(alembic_config(), url, command.upgrade, revision)


def downgrade(revision: str, url: URL | None = None, allow_data_loss: bool = False) -> None:
    x = {"allow-data-loss": "true"} if allow_data_loss else None
    _run(alembic_config(x_args=x), url, command.downgrade, revision)


def require_head(conn: sa.Connection, at_revision: str | None = None) -> str:
    """Refuse to work on a database that is not at head, naming both revisions.

    ``at_revision``: the caller deliberately works on an older revision (the rehearsal of data
    written by a released revision, ``schema.rehearse.remediation``) and names it; the database
    must then be at exactly that revision.
    """
    current = current_revision(conn)
    expected = at_revision or head_revision()
    if current != expected:
        raise NotAtHead(
            f"database is at revision {current or 'none (empty)'}, this code requires {expected}: "
            f"run 'alembic upgrade {at_revision or 'head'}' first"
        )
    return expected


@contextmanager
def temporary_database(server: URL, prefix: str, revision: str | None = None) -> Iterator[URL]:
    """A database of its own on ``server`` (migrated to ``revision`` if given), dropped afterwards.

    Tests, benchmarks and notebooks' demos use it so they never touch the developer's data.
    """
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    url = database.create_database(server, name)
    try:
        if revision is not None:
            upgrade(revision, url=url)
        yield url
    finally:
        database.drop_database(server, name)

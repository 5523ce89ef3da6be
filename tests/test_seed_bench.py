"""`schema seed bench` and `bench-restore` (scripts/bench_seed.py), scripts/bench_insert_paths.py: each in scratch databases it drops."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from sqlalchemy.engine import URL

from schema import bench_json, database
from schema.seed import bench


def _bench_databases(server_url: URL) -> list[str]:
    eng = database.engine(server_url)
    with eng.connect() as conn:
        names = list(conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE 'wb_bench_%'")).scalars())
    eng.dispose()
    return names


def test_bench_measures_both_sides_of_every_table_and_drops_its_database(server_url: URL) -> None:
    before = _bench_databases(server_url)
    result = bench.run(rows=3_000, server=server_url)
    assert [m.table for m in result.measures] == list(bench.TABLES)
    for m in result.measures:
        # The generator's rows are counted by the database, and COPY reloads exactly those rows.
        assert m.rows == 3_000, m
        assert m.generator_seconds > 0 and m.copy_seconds > 0 and m.row_bytes > 50, m
    assert 0 < result.ratio
    page = bench.markdown(result)
    assert "| audit_logs | 3,000 |" in page and "of COPY's rate" in page
    assert _bench_databases(server_url) == before


def round4(value: float) -> float:
    """What the benchmark format keeps of a number: four significant digits."""
    return float(f"{value:.4g}")


def test_bench_against_restore_times_generator_dump_and_restore_of_the_same_database(server_url: URL, tmp_path: Path) -> None:
    """`scripts/bench_seed.py`: the generator's run and a proven-equal pg_dump + pg_restore of the
    database it made, both measured in the one run, and the ratio between them."""
    before = _bench_databases(server_url)
    result = bench.against_restore(["small"], jobs=2, server=server_url, console=Console(quiet=True))
    (m,) = result.measures
    assert m.scale == "small" and m.proven and m.jobs == 2
    # The rows the generator reports are the rows the drill counted in the database it restored
    # (plus the rows the database writes itself: ddl_audit_log, the quote-number counters).
    assert m.rows > 50_000
    assert m.generator_seconds > 0 and m.dump_seconds > 0 and m.restore_seconds > 0 and m.dump_bytes > 1_000_000
    assert m.ratio == m.generator_seconds / m.restore_seconds
    page = bench.restore_markdown(result)
    assert "| small | " in page and "pg_restore's time" in page and "| machine | |" in page
    assert _bench_databases(server_url) == before
    # --json: the handbook's chart of it, in the shared format the loader reads back.
    bench.write_restore_json(result, tmp_path / "seed.json")
    (group,) = bench_json.load(tmp_path / "seed.json").groups
    assert group.values == {
        "generator": round4(m.generator_seconds),
        "pg_dump -Fc": round4(m.dump_seconds),
        "pg_restore -j 2": round4(m.restore_seconds),
    }


def test_insert_paths_bench_measures_every_path_at_006_and_head(server_url: URL) -> None:
    """`scripts/bench_insert_paths.py` (issue 21, section 3): every path in both modes, at both
    revisions, in one run; its scratch databases are dropped."""
    eng = database.engine(server_url)
    with eng.connect() as conn:
        before = set(conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE 'bench_ins%'")).scalars())
    env = {**os.environ, database.ENV_VAR: server_url.set(drivername="postgresql").render_as_string(hide_password=False)}
    done = subprocess.run(
        [sys.executable, str(database.project_root() / "scripts" / "bench_insert_paths.py"), "--rows", "200", "--rounds", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for path in ("quote", "audit", "analytics"):
        for mode in ("one row per statement", "100 rows per statement"):
            assert f"| {path} | {mode} | " in done.stdout, done.stdout
    with eng.connect() as conn:
        after = set(conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE 'bench_ins%'")).scalars())
    eng.dispose()
    assert after == before

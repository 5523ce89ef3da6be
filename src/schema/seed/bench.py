"""How fast the volume generator writes, next to what a user would do instead: restore a dump.

Two comparisons, each measured against its baseline in the same run:

- ``against_restore`` (``scripts/bench_seed.py``): the generator fills a scratch database at a
  scale, then ``schema.drill.restore`` dumps that same database (``pg_dump -Fc``) and restores it
  with ``pg_restore -j 2`` into a new one, and proves the copy equal. What a user would pick
  instead of the generator is that restore; the target is a generator at most 1.5x its time.
- ``run`` (``schema seed bench``): the generator's rows/s next to a plain COPY, below.

Generator vs COPY:

Both run in one scratch database on the resolved server, in the same run, on rows of the same
width: the generator fills a table with its INSERT ... SELECT (hash draws, CHECKs, FKs,
triggers, partition routing), then exactly those rows are copied out and COPYed back in from
the client into a clone of the table (CREATE TABLE ... (LIKE ... INCLUDING ALL): same columns,
CHECKs, indexes and defaults; no foreign keys, triggers or partitions, so COPY's number is an
upper bound). The target is a generator at half of COPY's rate or better.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress
from sqlalchemy.engine import URL

from schema import bench_json, database, drill, machine, migrations
from schema.seed import scales, volume

TABLES = ("customers", "audit_logs")
TARGET_RATIO = 0.5
# Generator time over pg_restore's time of the same rows (issue 21): at most this much.
RESTORE_TARGET_RATIO = 1.5
# And the full scale in under eight minutes on 2 cores.
FULL_SCALE_TARGET_SECONDS = 8 * 60


@dataclass(frozen=True)
class Measure:
    table: str
    rows: int
    generator_seconds: float
    copy_seconds: float
    row_bytes: int

    @property
    def generator_rate(self) -> float:
        return self.rows / self.generator_seconds

    @property
    def copy_rate(self) -> float:
        return self.rows / self.copy_seconds


@dataclass(frozen=True)
class BenchResult:
    measures: list[Measure]
    machine: dict[str, str]  # schema.machine.describe

    @property
    def ratio(self) -> float:
        gen = sum(m.rows for m in self.measures) / sum(m.generator_seconds for m in self.measures)
        copy = sum(m.rows for m in self.measures) / sum(m.copy_seconds for m in self.measures)
        return gen / copy


def _copy_round_trip(conn: sa.Connection, table: str) -> tuple[float, int]:
    """COPY the table's rows out, then time COPY FROM STDIN of them into a clone; (seconds, bytes/row)."""
    clone = f"bench_copy_{table}"
    conn.exec_driver_sql(f"CREATE TABLE {clone} (LIKE {table} INCLUDING ALL)")
    conn.commit()
    raw = conn.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError(f"COPY needs psycopg's connection, the driver gave {type(raw).__name__}")
    buffer = io.BytesIO()
    with raw.cursor() as cur, cur.copy(f"COPY (SELECT * FROM {table}) TO STDOUT") as copy:
        for block in copy:
            buffer.write(block)
    conn.commit()
    data = buffer.getvalue()
    count = max(1, data.count(b"\n"))
    started = time.perf_counter()
    with raw.cursor() as cur, cur.copy(f"COPY {clone} FROM STDIN") as copy:
        for offset in range(0, len(data), 1 << 20):
            copy.write(data[offset : offset + (1 << 20)])
    raw.commit()
    return time.perf_counter() - started, len(data) // count


def measure(url: URL, rows: int) -> BenchResult:
    """Run the benchmark in the database at ``url`` (at head, empty)."""
    scale = dataclasses.replace(scales.get("small"), customers=rows, audit_logs=rows)
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            quiet = Console(quiet=True)
            gen = volume.Generator(conn, scale, seed=1, as_of=dt.datetime.now(dt.UTC).date(), console=quiet)
            gen.prepare()
            steps = {s.table: s for s in volume.STEPS}
            measures = []
            with Progress(console=quiet) as progress:
                gen.run_step(steps["users"], progress)
                for table in TABLES:
                    gen.run_step(steps[table], progress)
                    report = gen.report.tables[-1]
                    copy_seconds, width = _copy_round_trip(conn, table)
                    measures.append(Measure(table, report.rows, report.seconds, copy_seconds, width))
            return BenchResult(measures, machine.describe(conn))
    finally:
        eng.dispose()


def run(rows: int = 200_000, server: URL | None = None) -> BenchResult:
    """Measure in a scratch database at head on the resolved server (or ``server``), then drop it."""
    with migrations.temporary_database(server if server is not None else database.resolve().url, "wb_bench", "head") as url:
        return measure(url, rows)


def markdown(result: BenchResult) -> str:
    lines = [
        "### Volume generator vs COPY",
        "",
        "| table | rows | bytes/row | generator rows/s | COPY rows/s | generator / COPY |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in result.measures:
        lines.append(
            f"| {m.table} | {m.rows:,} | {m.row_bytes} | {m.generator_rate:,.0f} | {m.copy_rate:,.0f} | "
            f"{m.generator_rate / m.copy_rate:.0%} |"
        )
    verdict = "meets" if result.ratio >= TARGET_RATIO else "misses"
    lines += [
        "",
        f"Overall the generator runs at **{result.ratio:.0%}** of COPY's rate ({verdict} the {TARGET_RATIO:.0%} target). "
        "COPY loads a clone without foreign keys, triggers or partitions, so its rate is an upper bound.",
        "",
        machine.markdown(result.machine),
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class RestoreMeasure:
    """One scale: the generator's run, and dump + restore + proof of the database it made."""

    scale: str
    rows: int
    generator_seconds: float
    dump_seconds: float
    restore_seconds: float
    verify_seconds: float
    dump_bytes: int
    database_bytes: int
    jobs: int
    proven: bool
    tables: tuple[tuple[str, int, float], ...]  # the generator's (table, rows, seconds)

    @property
    def ratio(self) -> float:
        """Generator seconds per pg_restore second (the target: at most RESTORE_TARGET_RATIO)."""
        return self.generator_seconds / self.restore_seconds

    @property
    def ratio_with_dump(self) -> float:
        """Generator seconds per second of pg_dump + pg_restore (a user without a dump at hand)."""
        return self.generator_seconds / (self.dump_seconds + self.restore_seconds)


@dataclass(frozen=True)
class RestoreResult:
    measures: list[RestoreMeasure]
    machine: dict[str, str]  # schema.machine.describe


def against_restore(
    scale_names: list[str], *, seed: int = 7, jobs: int = drill.DEFAULT_JOBS, server: URL | None = None, console: Console | None = None
) -> RestoreResult:
    """Per scale, in one run: seed a scratch database, then dump and restore it (drill.restore)."""
    console = console or Console(stderr=True)
    measures: list[RestoreMeasure] = []
    info: dict[str, str] = {}
    for name in scale_names:
        scale = scales.get(name)
        with migrations.temporary_database(server if server is not None else database.resolve().url, "wb_bench_seed", "head") as url:
            eng = database.engine(url)
            try:
                with eng.connect() as conn:
                    info = machine.describe(conn)
                    report = volume.generate(conn, scale, seed, dt.datetime.now(dt.UTC).date(), console=console)
            finally:
                eng.dispose()
            console.print(f"{name}: generator {report.rows:,} rows in {report.seconds:.1f} s; pg_dump -Fc, pg_restore -j {jobs}...")
            drilled = drill.restore(url, jobs=jobs)
            if not drilled.ok:
                # A restore that is not equal is no baseline: say what differs, do not print a ratio.
                raise drill.DrillError(f"{name}: the restored copy differs from the seeded database: " + "; ".join(drilled.differences[:5]))
            tables = tuple((t.name, t.rows, t.seconds) for t in report.tables)
            measures.append(
                RestoreMeasure(
                    name,
                    report.rows,
                    report.seconds,
                    drilled.dump_seconds,
                    drilled.restore_seconds,
                    drilled.verify_seconds,
                    drilled.dump_bytes,
                    drilled.database_bytes,
                    jobs,
                    drilled.ok,
                    tables,
                )
            )
    return RestoreResult(measures, info)


def restore_markdown(result: RestoreResult) -> str:
    """The comparison as the handbook's benchmarks page shows it."""
    lines = [
        "### Volume generator vs pg_dump + pg_restore of what it generated",
        "",
        "| scale | rows | generator s | pg_dump -Fc s | pg_restore -j 2 s | dump file MB | generator / restore | generator / (dump + restore) | restored copy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in result.measures:
        lines.append(
            f"| {m.scale} | {m.rows:,} | {m.generator_seconds:.1f} | {m.dump_seconds:.1f} | {m.restore_seconds:.1f} | "
            f"{m.dump_bytes / 1e6:.1f} | {m.ratio:.2f}x | {m.ratio_with_dump:.2f}x | {'proven equal' if m.proven else 'DIFFERS'} |"
        )
    lines.append("")
    for m in result.measures:
        verdict = "meets" if m.ratio <= RESTORE_TARGET_RATIO else "misses"
        line = f"- {m.scale}: the generator takes **{m.ratio:.2f}x** pg_restore's time ({verdict} the {RESTORE_TARGET_RATIO}x target)"
        if m.scale == "full":
            line += (
                f"; {m.generator_seconds / 60:.1f} min against the {FULL_SCALE_TARGET_SECONDS // 60}-minute target "
                f"({'meets' if m.generator_seconds <= FULL_SCALE_TARGET_SECONDS else 'misses'})"
            )
        lines.append(line + ".")
    for m in result.measures:
        slowest = sorted(m.tables, key=lambda t: -t[2])[:4]
        parts = ", ".join(
            f"{name} {rows:,} rows {seconds:.1f} s ({rows / seconds if seconds else 0:,.0f} rows/s)" for name, rows, seconds in slowest
        )
        lines.append(
            f"- {m.scale}, the generator's slowest tables (two lanes: audit_logs loads beside the other tables, so seconds overlap): {parts}."
        )
    lines += ["", machine.markdown(result.machine)]
    return "\n".join(lines)


def write_restore_json(result: RestoreResult, path: Path) -> None:
    """The comparison in the handbook's benchmark format (``--json``): seconds per phase and scale."""
    bench_json.write(
        path,
        title="Volume generator vs pg_dump -Fc + pg_restore of the database it generated",
        unit="s",
        scale="linear",
        groups=[
            bench_json.Group(
                f"{m.scale}: {m.rows:,} rows",
                {"generator": m.generator_seconds, "pg_dump -Fc": m.dump_seconds, f"pg_restore -j {m.jobs}": m.restore_seconds},
            )
            for m in result.measures
        ],
        notes="One run per scale, the restored copy proven equal; generator / restore: "
        + ", ".join(f"{m.scale} {m.ratio:.2f}x" for m in result.measures)
        + f" (target <= {RESTORE_TARGET_RATIO}x); full scale target under {FULL_SCALE_TARGET_SECONDS // 60} minutes",
        machine=result.machine,
    )

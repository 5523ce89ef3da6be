"""How fast the volume generator writes, next to PostgreSQL's fastest bulk path (COPY).

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

import psycopg
import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.perf import machine
from schema.seed import scales, volume

TABLES = ("customers", "audit_logs")
TARGET_RATIO = 0.5


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
    machine: dict[str, str]  # schema.perf.machine.describe

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
            copy.write(data[offset:offset + (1 << 20)])
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
        lines.append(f"| {m.table} | {m.rows:,} | {m.row_bytes} | {m.generator_rate:,.0f} | {m.copy_rate:,.0f} | "
                     f"{m.generator_rate / m.copy_rate:.0%} |")
    verdict = "meets" if result.ratio >= TARGET_RATIO else "misses"
    lines += ["", f"Overall the generator runs at **{result.ratio:.0%}** of COPY's rate ({verdict} the {TARGET_RATIO:.0%} target). "
              "COPY loads a clone without foreign keys, triggers or partitions, so its rate is an upper bound.",
              "", machine.markdown(result.machine)]
    return "\n".join(lines)

"""What every benchmark script shares: timing, ratios, and the Markdown fragment.

Benchmarks never touch the database a developer works in: each creates its own database on the
server in use (DATABASE_URL, else the embedded one) with ``schema.migrations.temporary_database``,
which drops it at the end, whatever happens; a workload that needs real parents seeds it with
``schema.seed.volume.seed_small``.
Every number is printed next to a baseline measured in the same run, and with the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import database, machine


def libpq_url(url: URL) -> str:
    """The URL for psycopg directly (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` is the elapsed seconds."""
    out: list[float] = []
    started = time.perf_counter()
    try:
        yield out
    finally:
        out.append(time.perf_counter() - started)


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Result:
    """A benchmark's table: a header, rows, and notes, printed and written as Markdown."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine_info: dict[str, str] = field(default_factory=dict)

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines += ["", *(f"- {n}" for n in self.notes)]
        lines += ["", f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on:", "", machine.markdown(self.machine_info)]
        return "\n".join(lines)

    def print(self) -> None:
        print(self.markdown())


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--markdown", type=Path, help="also write the result as a Markdown fragment here")
    return p


def finish(result: Result, markdown_file: Path | None, url: URL) -> None:
    """Attach the machine (and server) description, print, and write the fragment if asked."""
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            result.machine_info = machine.describe(conn)
    finally:
        eng.dispose()
    result.print()
    if markdown_file:
        markdown_file.write_text(result.markdown())


def ratio(value: float, baseline: float) -> str:
    if not baseline:
        return "–"
    x = value / baseline
    if x >= 100:
        return f"{x:,.0f}x"
    return f"{x:.3g}x" if x >= 0.01 else f"1/{1 / x:,.0f}"


def execute(url: URL, statements: list[str]) -> None:
    """Run statements in autocommit (DDL of a benchmark's scratch tables)."""
    eng = database.engine(url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        eng.dispose()


def scalar(conn: sa.Connection, query: str) -> object:
    return conn.exec_driver_sql(query).scalar_one()

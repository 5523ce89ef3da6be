"""``schema seed``: load the CA/TX/NY rate tables, generate volume data, benchmark the generator.

Thin shells over rates, volume and bench, so notebooks and tests call the same functions.
"""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from schema import database, drill, machine
from schema.seed import bench, partition_counts, rates, scales, volume

app = typer.Typer(help="Seed data: rate tables for CA/TX/NY, volume data, generator benchmark.", no_args_is_help=True)
console = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(1)


def print_volume_report(report: volume.VolumeReport, out: Console) -> None:
    table = Table(title=f"volume {report.scale} (seed {report.seed}, as of {report.as_of})")
    for col in ("table", "rows", "seconds", "rows/s"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for t in report.tables:
        table.add_row(t.name, f"{t.rows:,}", f"{t.seconds:.2f}", f"{t.rows_per_second:,.0f}")
    table.add_row("total", f"{report.rows:,}", f"{report.seconds:.2f}", f"{report.rows_per_second:,.0f}", style="bold")
    out.print(table)
    for note in report.notes:
        out.print(f"note: {note}")


@app.command("volume")
def volume_cmd(
    scale: str = typer.Option("small", help=f"One of: {', '.join(scales.SCALES)}."),
    seed: int = typer.Option(42, help="Same seed and as-of date, same rows."),
    as_of: str = typer.Option("", help="Last day of the generated history (YYYY-MM-DD); default today (UTC)."),
    reset: bool = typer.Option(False, "--reset", help="Rebuild the schema first (downgrade base, upgrade head): every row is lost."),
) -> None:
    """Generate realistic rows in every table (refuses when the generated tables hold rows)."""
    try:
        chosen = scales.get(scale)
        day = dt.date.fromisoformat(as_of) if as_of else dt.datetime.now(dt.UTC).date()
        target = database.resolve()
        eng = database.engine(target.url)
        database.check_server(eng)
        console.print(f"database: {target}")
        with eng.connect() as conn:
            report = volume.generate(conn, chosen, seed, day, reset=reset, console=console)
        eng.dispose()
    except (ValueError, database.DatabaseError, volume.VolumeError) as exc:
        raise _fail(str(exc)) from None
    print_volume_report(report, Console())


@app.command("rates")
def rates_cmd(dry_run: bool = typer.Option(False, "--dry-run", help="Print the rows and what would be written; write nothing.")) -> None:
    """Load the CA/TX/NY rate tables and discount rules (illustrative, not real filings): idempotent, all or nothing."""
    try:
        code = rates.run(dry_run=dry_run, out=Console())
    except (database.DatabaseError, rates.SeedError) as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


@app.command("bench")
def bench_cmd(
    rows: int = typer.Option(200_000, help="Rows of each kind to time."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Also write the result as a Markdown fragment to FILE."),
) -> None:
    """Rows/s of the generator next to a plain COPY of rows of the same width, in a scratch database."""
    try:
        result = bench.run(rows)
    except database.DatabaseError as exc:
        raise _fail(str(exc)) from None
    text = bench.markdown(result)
    Console().print(text)
    if markdown is not None:
        markdown.write_text(text + "\n")
        console.print(f"wrote {markdown}")


@app.command("bench-restore")
def bench_restore_cmd(
    scale: list[str] = typer.Option(["medium"], "--scale", help=f"One or more of: {', '.join(scales.SCALES)} (repeat the option)."),
    seed: int = typer.Option(7, help="Seed of the generated rows."),
    jobs: int = typer.Option(2, help="pg_restore --jobs."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Also write the result as a Markdown fragment to FILE."),
    json_file: Path | None = typer.Option(
        None, "--json", help="Also write the result in the handbook's benchmark format to FILE (docs/reports/benchmarks/seed.json)."
    ),
) -> None:
    """The generator's time next to pg_dump -Fc + pg_restore -j of the database it made, per scale, in one run."""
    try:
        result = bench.against_restore(scale, seed=seed, jobs=jobs, console=console)
    except (ValueError, database.DatabaseError, volume.VolumeError, drill.DrillError) as exc:
        raise _fail(str(exc)) from None
    text = bench.restore_markdown(result)
    print(text)  # Markdown as is: rich would wrap the table's lines at the terminal's width
    if markdown is not None:
        markdown.write_text(text + "\n")
        console.print(f"wrote {markdown}")
    if json_file is not None:
        bench.write_restore_json(result, json_file)
        console.print(f"wrote {json_file}")


@app.command("partitions")
def partitions_cmd(
    scale: str = typer.Option("full", help=f"One of: {', '.join(scales.SCALES)}."),
    seed: int = typer.Option(42, help="The seed of the generation to compute (schema seed volume's default)."),
    as_of: str = typer.Option("", help="Last day of the generated history (YYYY-MM-DD); default today (UTC)."),
    json_file: Path | None = typer.Option(
        None, "--json", help="Also write the result to FILE (the handbook's: docs/reports/partitions.json)."
    ),
) -> None:
    """Rows per monthly partition of audit_logs and analytics_events at a scale, computed from the
    generator's time function (nothing is inserted: seconds, where a full-scale seed takes an hour)."""
    try:
        chosen = scales.get(scale)
        day = dt.date.fromisoformat(as_of) if as_of else dt.datetime.now(dt.UTC).date()
        eng = database.engine(database.resolve().url)
        database.check_server(eng)
        with eng.connect() as conn:
            streams = partition_counts.rows_per_month(conn, chosen, seed, day)
            info = machine.describe(conn)
        eng.dispose()
    except (ValueError, database.DatabaseError, partition_counts.PartitionCountError) as exc:
        raise _fail(str(exc)) from None
    table = Table(title=f"rows per monthly partition, {scale} scale (seed {seed}, as of {day}), computed, not inserted")
    table.add_column("month")
    for s in streams:
        table.add_column(s.table, justify="right")
    for month in sorted({m for s in streams for m in s.months}):
        table.add_row(month, *(f"{s.months.get(month, 0):,}" for s in streams))
    Console().print(table)
    if json_file is not None:
        command = [
            "schema",
            "seed",
            "partitions",
            "--scale",
            scale,
            "--seed",
            str(seed),
            "--as-of",
            day.isoformat(),
            "--json",
            str(json_file),
        ]
        json_file.write_text(
            partition_counts.to_json(streams, scale=scale, seed=seed, as_of=day, command=shlex.join(command), machine=info)
        )
        console.print(f"wrote {json_file}")

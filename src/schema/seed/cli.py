"""``schema seed``: load the CA/TX/NY rate tables, generate volume data, benchmark the generator.

Thin shells over rates, volume and bench, so notebooks and tests call the same functions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from schema import database
from schema.seed import scales, volume

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

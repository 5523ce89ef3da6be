"""``schema drill restore``: dump the database in use, restore it into a new one, prove equality."""

from __future__ import annotations

import typer
from rich.console import Console

from schema import database, drill

console = Console(stderr=True)
app = typer.Typer(help="Operational drills: prove that backups restore, and how fast.", no_args_is_help=True)


@app.command("restore")
def restore_command(
    jobs: int = typer.Option(drill.DEFAULT_JOBS, "--jobs", "-j", min=1, help="Parallel jobs of pg_restore."),
    keep: bool = typer.Option(False, "--keep", help="Keep the restored database (its name is printed)."),
) -> None:
    """pg_dump -Fc the database in use (DATABASE_URL, else the embedded server), pg_restore it into a
    new database on the same server, and prove equality: rows and checksums per table, constraints
    valid, migration version, partitions, row-level security, the whole schema. Exit 1 on any
    difference, 2 when the drill cannot run (e.g. no pg_dump of the server's major version)."""
    try:
        report = drill.restore(database.resolve().url, jobs=jobs, keep=keep)
    except (drill.DrillError, database.DatabaseError) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    for line in report.lines():
        print(line)
    if not report.ok:
        raise typer.Exit(1)

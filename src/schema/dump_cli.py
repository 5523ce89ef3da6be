"""``schema dump``: write (or check) the committed whole-schema file ``schema.sql``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from schema import database, dump

console = Console(stderr=True)


def dump_command(
    out: Path | None = typer.Option(None, "--out", help="File to write (default: schema.sql of the checkout)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 with a diff when the file differs."),
    live: bool = typer.Option(
        False, "--live",
        help="Dump the database in use as it is (e.g. to compare production with schema.sql) instead of a "
             "replay of 001..head into a throw-away database.",
    ),
) -> None:
    """Render the schema at head: by default a replay of every revision into a throw-away database on
    the server in use, so the file says what the revisions produce, not what a database drifted to."""
    target = out if out is not None else dump.schema_file()
    try:
        server = database.resolve().url
        rendered = dump.render_database(server) if live else dump.replay(server)
    except database.DatabaseError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    current = target.read_text() if target.exists() else ""
    if check:
        diff = dump.difference(current, rendered.text, str(target), "live" if live else "replay")
        if diff:
            print(diff, end="")
            raise typer.Exit(1)
        console.print(f"{target}: equal")
        return
    if current == rendered.text:
        console.print(f"{target}: up to date")
        return
    target.write_text(rendered.text)
    console.print(f"{target}: written ({len(rendered.text.splitlines())} lines)")

"""``schema dump`` (the committed whole-schema file ``schema.sql``) and ``schema history`` (frozen
revisions: ``alembic/released.toml``)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from schema import database, dump, history

console = Console(stderr=True)
app = typer.Typer(help="Released revisions are frozen: check and record their checksums.", no_args_is_help=True)


def dump_command(
    out: Path | None = typer.Option(None, "--out", help="File to write (default: schema.sql of the checkout)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 with a diff when the file differs."),
    live: bool = typer.Option(
        False,
        "--live",
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


@app.command("check")
def history_check() -> None:
    """Compare every revision with alembic/released.toml; exit 1 naming each departure."""
    problems = history.check()
    for problem in problems:
        console.print(f"[bold red]{problem}[/]")
    if problems:
        raise typer.Exit(1)
    console.print("history intact: every revision matches alembic/released.toml")


@app.command("record")
def history_record(
    replace: list[str] = typer.Option([], "--replace", help="Re-record this revision whatever changed: only for one not yet released."),
) -> None:
    """Add new revisions and DDL-neutral edits to alembic/released.toml (refuses any other change)."""
    try:
        said = history.record(replace_revisions=tuple(replace))
    except history.HistoryRefused as exc:
        console.print(f"[bold red]refused:[/] {exc}")
        raise typer.Exit(1) from None
    for line in said:
        console.print(line)
    console.print("alembic/released.toml up to date" if not said else f"{len(said)} revision(s) recorded")

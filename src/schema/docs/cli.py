"""``schema docs`` and ``schema handbook``, registered on the main app by src/schema/cli.py."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from schema import database
from schema.docs import generate
from schema.docs import handbook as handbook_module
from schema.docs.site import HandbookError

console = Console(stderr=True)
FAILURES = (database.DatabaseError, HandbookError, FileExistsError)


def docs(
    out: Path | None = typer.Option(None, "--out", help="Folder to write (default: docs/ of the checkout)."),
) -> None:
    """Regenerate the handbook's pages from the database at head (refuses one that is not)."""
    target = out if out is not None else generate.default_docs_dir()
    try:
        changed = generate.generate_docs(target)
    except FAILURES as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    for line in changed:
        console.print(line)
    console.print(f"{target}: {len(changed)} file(s) changed" if changed else f"{target}: up to date")


def handbook(
    host: str = typer.Option("127.0.0.1", help="Address mkdocs serve listens on."),
    port: int = typer.Option(8000, help="Port mkdocs serve listens on."),
) -> None:
    """Migrate to head, regenerate docs/, and serve the handbook (mkdocs serve) until Ctrl-C."""
    try:
        changed = handbook_module.prepare()
    except FAILURES as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    console.print(f"docs/: {len(changed)} file(s) regenerated; serving on http://{host}:{port}/")
    raise typer.Exit(handbook_module.serve(host, port))

"""``schema keys rotate``: re-encrypt every ``*_encrypted`` value under a new key id (schema.keyrotation)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from schema import database, keyrotation

console = Console(stderr=True)
app = typer.Typer(help="Application-side encryption keys of the *_encrypted columns.", no_args_is_help=True)


@app.command("rotate")
def rotate_command(
    to: str = typer.Option(..., "--to", help="The new key id (must be in the keyring)."),
    keyring_file: Path = typer.Option(
        ..., "--keyring", exists=True, dir_okay=False, help='JSON {"<key id>": "<base64 of 32 bytes>"} holding the old and the new keys.'
    ),
    batch_size: int = typer.Option(keyrotation.DEFAULT_BATCH, "--batch-size", min=1, help="Rows per committed batch."),
) -> None:
    """Batched, resumable: run it again after an interruption. Exit 1 while values remain pending
    (rows the application held locked), 2 when a value cannot be decrypted (named)."""
    keyring = keyrotation.Keyring.from_file(keyring_file)
    eng = database.engine(database.resolve().url)
    try:
        with eng.connect() as conn:
            report = keyrotation.rotate(
                conn,
                keyring,
                to,
                batch_size=batch_size,
                on_batch=lambda p: console.print(f"{p.column}: {p.rotated}/{p.pending_at_start} re-encrypted ({p.batches} batches)"),
            )
    except keyrotation.RotationError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    finally:
        eng.dispose()
    for col in report.columns:
        print(f"{col.column}: {col.rotated} re-encrypted under {to}, {col.pending_now} pending")
    if report.pending:
        console.print(f"{report.pending} value(s) still pending (locked by the application): run again")
        raise typer.Exit(1)

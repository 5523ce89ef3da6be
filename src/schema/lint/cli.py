"""``schema lint``: the catalog lint (default), ``schema lint migrations``, ``schema lint rules``.

Exit codes: 0 clean, 1 findings, 2 the lint could not run (database unreachable, not at head,
squawk missing). Findings go to stdout in the chosen format; the summary and errors to stderr, so
``--format json`` output stays parseable.
"""

from __future__ import annotations

import typer
from rich.console import Console

from schema import database
from schema.lint import lint_database, rule_docs, suppression_docs
from schema.lint.findings import Finding
from schema.lint.migration_safety import lint_migrations
from schema.lint.reporting import Format, render

CANNOT_RUN = 2

app = typer.Typer(
    help="Check the NO SILENT FALLBACKS conventions: the live catalog at head (default), or the revisions.",
    invoke_without_command=True,
)
console = Console(stderr=True)

FORMAT_OPTION = typer.Option(Format.text, "--format", "-f", help="text for people, json for tools, github for annotations.")


def _report(findings: list[Finding], fmt: Format, what: str) -> None:
    if findings:
        print(render(findings, fmt))
    console.print(f"{len(findings)} finding(s) in {what}" if findings else f"no findings in {what}")
    if findings:
        raise typer.Exit(1)


@app.callback()
def lint(
    ctx: typer.Context,
    fmt: Format = FORMAT_OPTION,
    url: str | None = typer.Option(None, "--url", help="Database to lint (default: DATABASE_URL, else the embedded server)."),
) -> None:
    """Lint the live catalog of the database at head against the schema conventions."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        result = lint_database(database.to_sqlalchemy_url(url) if url else None)
    except database.DatabaseError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(CANNOT_RUN) from None
    _report(result.findings, fmt, f"{result.tables} tables at revision {result.revision} ({result.rules} rules)")


@app.command("migrations")
def migrations_command(fmt: Format = FORMAT_OPTION) -> None:
    """Squawk over each revision's offline SQL, plus downgrade and data-loss-guard checks."""
    try:
        findings = lint_migrations()
    except (FileNotFoundError, RuntimeError) as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(CANNOT_RUN) from None
    _report(findings, fmt, "the revisions")


@app.command("rules")
def rules_command() -> None:
    """List every lint rule and every exception in force, with its reason."""
    for doc in rule_docs():
        print(f"{doc.id:36} {doc.scope:10} {doc.title}")
    for entry in suppression_docs():
        print(f"exception ({entry.kind}): {entry.rule} on {entry.object}: {entry.reason}")

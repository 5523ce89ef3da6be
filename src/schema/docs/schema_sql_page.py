"""The handbook's view of ``schema.sql``: the whole schema, block by block, linked from each revision.

The migrations reference says, per revision, which blocks of ``schema.sql`` it added or changed,
with their line numbers in the committed file; this page shows those blocks with the same line
numbers, so a reader goes from "what did 004 do" to the exact DDL at head in one click.
"""

from __future__ import annotations

from schema import dump
from schema.docs import markdown as md
from schema.docs.site import Handbook

SCHEMA_SQL_PAGE = "reference/schema_sql.md"


def block_anchor(key: str) -> str:
    """``'table: quotes'`` -> ``'table-quotes'``; ``'function: f(a integer)'`` -> ``'function-f-a-integer'``."""
    return md.slug(key)


def _lines(span: tuple[int, int]) -> str:
    first, last = span
    return f"line {first}" if first == last else f"lines {first}-{last}"


def schema_sql_page(hb: Handbook) -> str:
    """Every block of the dump with its line span in schema.sql and an anchor per block."""
    assert hb.schema_sql is not None
    spans = hb.schema_sql.block_lines()
    blocks = hb.schema_sql.blocks()
    added_by = {i.key: i.revision for i in hb.schema_sql_introductions if i.change == "added"}
    sections = []
    for key, span in spans.items():
        origin = f", added by {md.link(md.code(added_by[key]), md.href(SCHEMA_SQL_PAGE, 'reference/migrations.md', added_by[key]))}" if key in added_by else ""
        sections.append(
            f'<a id="{block_anchor(key)}"></a>\n\n**{md.text(key)}** ({_lines(span)} of `schema.sql`{origin})\n\n'
            f"```sql\n{blocks[key]}\n```"
        )
    return md.page(
        "schema.sql",
        f"The whole schema at head, as committed in `{dump.SCHEMA_FILE}` and rendered by `schema dump` from a replay of "
        "every revision on an empty database. The test suite replays the revisions on every PostgreSQL version it "
        "tests and fails when the replay differs from the file, so a change of the schema shows as a diff of this "
        "file in the same commit as its revision.",
        "\n\n".join(sections),
    )


def revision_schema_sql(hb: Handbook, revision: str, page: str) -> str:
    """One bullet for the migrations reference: the blocks of schema.sql this revision added/changed."""
    if hb.schema_sql is None:
        return ""
    spans = hb.schema_sql.block_lines()
    parts = {"added": [], "changed": []}  # type: dict[str, list[str]]
    for intro in hb.schema_sql_introductions:
        if intro.revision == revision and intro.key in spans:
            label = md.link(md.code(intro.key), md.href(page, SCHEMA_SQL_PAGE, block_anchor(intro.key)))
            parts[intro.change].append(f"{label} ({_lines(spans[intro.key])})")
    said = [f"{change} {', '.join(items)}" for change, items in parts.items() if items]
    return f"- **In schema.sql:** {'; '.join(said)}" if said else ""

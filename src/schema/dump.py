"""``schema.sql``: the whole schema at head as one deterministic, reviewable file.

GitLab keeps ``db/structure.sql`` beside its migrations and fails CI when the two disagree; this
is the same idea. The file is rendered from the live catalog of a database migrated to head (never
from the models or the revisions' source), so it shows a reviewer, in one diff, what a revision
does to tables, columns, constraints, indexes, functions, triggers, RLS policies, grants and
comments. It is normalized so that it depends only on the schema:

- no owner names (who ran the migrations is not the schema); a policy ``TO`` the table owner is
  printed as ``CURRENT_USER``, which is how the revisions write it;
- monthly partitions are left out (maintenance creates them by date), the DEFAULT partition and
  the partitioning itself are in;
- objects in a fixed order (by name), one block per object with a ``-- <kind>: <name>`` header
  line, so a diff stays local and the handbook can link a revision to the blocks it introduced;
- nothing PostgreSQL versions 15 to 18 print differently (NOT NULL constraints, which PG 18 also
  lists in pg_constraint, are printed from the column, as on every version).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from schema import catalog, database, migrations

SCHEMA_FILE = "schema.sql"

# Tables whose rows are part of the schema: a revision writes them, the application reads them as
# configuration. Printed as INSERTs (timestamps left out) so a change of them is a reviewed diff.
REFERENCE_TABLES: dict[str, tuple[str, ...]] = {
    "partition_policies": ("parent_table",),
    "claim_status_transitions": ("from_status", "to_status"),  # 007: the claim lifecycle
    "policy_status_transitions": ("from_status", "to_status"),  # 007: the policy lifecycle
    "quote_status_transitions": ("from_status", "to_status"),  # 008: the quote lifecycle
    "state_rating_rules": ("rule_id",),  # 009: state regulation as data, with citations
}
UNPRINTED_REFERENCE_COLUMNS = frozenset({"created_at", "updated_at"})

HEADER = """\
-- schema.sql: the whole schema at head, rendered by `schema dump` from the catalog of a database
-- migrated with `alembic upgrade head`. Generated: do not edit. The test suite replays 001..head on
-- an empty database (on every PostgreSQL version it tests) and fails when the replay differs from
-- this file; commit it together with the revision that changes it.
"""


def schema_file() -> Path:
    """Where the committed dump lives: the root of the checkout, beside alembic.ini."""
    return database.project_root() / SCHEMA_FILE


def literal(value: object) -> str:
    """A SQL literal for a comment or a reference row (quotes doubled, NULL spelled out)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):  # jsonb: keys sorted, as jsonb itself stores them
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return "'" + str(value).replace("'", "''") + "'"


def block(kind: str, name: str, statements: list[str]) -> str:
    """One object: a header line the handbook links to, then its statements."""
    return "\n".join([f"-- {kind}: {name}", *statements]) + "\n"


def _comment(target: str, comment: str | None) -> list[str]:
    return [] if comment is None else [f"COMMENT ON {target} IS {literal(comment)};"]


def _grants(grants: list[catalog.Grant], schema: str, kind: str, name: str, target: str) -> list[str]:
    """GRANT statements for one object, column grants folded into one statement per privilege."""
    mine = [g for g in grants if g.schema == schema and g.object_kind == kind and g.object_name == name]
    lines: list[str] = []
    whole = sorted({(g.grantee, g.privilege, g.grantable) for g in mine if g.column is None})
    for grantee, privilege, grantable in whole:
        lines.append(f"GRANT {privilege} ON {target} TO {grantee}{' WITH GRANT OPTION' if grantable else ''};")
    by_privilege: dict[tuple[str, str], list[str]] = {}
    for g in mine:
        if g.column is not None:
            by_privilege.setdefault((g.grantee, g.privilege), []).append(g.column)
    for (grantee, privilege), columns in sorted(by_privilege.items()):
        lines.append(f"GRANT {privilege} ({', '.join(columns)}) ON {target} TO {grantee};")
    return lines


def _column_order(table: catalog.Table) -> list[catalog.Column]:
    return sorted(table.columns, key=lambda c: c.position)


def table_block(table: catalog.Table, cat: catalog.Catalog, defs: catalog.Definitions) -> str:
    """CREATE TABLE with everything that hangs off it, in a fixed order."""
    cols = []
    for col in _column_order(table):
        parts = [f"    {col.name} {col.data_type}"]
        if col.is_generated:
            parts.append(f"GENERATED ALWAYS AS ({col.default}) STORED")
        elif col.default is not None:
            parts.append(f"DEFAULT {col.default}")
        if col.identity:
            parts.append(f"GENERATED {'ALWAYS' if col.identity == 'a' else 'BY DEFAULT'} AS IDENTITY")
        if col.not_null:
            parts.append("NOT NULL")
        cols.append(" ".join(parts))
    create = f"CREATE TABLE {table.name} (\n" + ",\n".join(cols) + "\n)"
    if table.partition_key:
        create += f" PARTITION BY {table.partition_key}"
    statements = [create + ";"]
    statements += _comment(f"TABLE {table.name}", table.comment)
    for col in _column_order(table):
        statements += _comment(f"COLUMN {table.name}.{col.name}", col.comment)
    for con in sorted(table.constraints, key=lambda c: c.name):
        valid = "" if con.validated else " NOT VALID"
        definition = con.definition.removesuffix(" NOT VALID")
        statements.append(f"ALTER TABLE {table.name} ADD CONSTRAINT {con.name} {definition}{valid};")
        statements += _comment(f"CONSTRAINT {con.name} ON {table.name}", con.comment)
    for idx in sorted(table.indexes, key=lambda i: i.name):
        if idx.constraint_name is None:
            statements.append(f"{_unqualified(idx.definition)};")
        statements += _comment(f"INDEX {idx.name}", idx.comment)
    for trg in sorted(table.triggers, key=lambda t: t.name):
        statements.append(f"{_unqualified(trg.definition)};")
        statements += _comment(f"TRIGGER {trg.name} ON {table.name}", trg.comment)
    if table.rls_enabled:
        statements.append(f"ALTER TABLE {table.name} ENABLE ROW LEVEL SECURITY;")
    if table.rls_forced:
        statements.append(f"ALTER TABLE {table.name} FORCE ROW LEVEL SECURITY;")
    owner = defs.table_owners.get(table.name)
    for pol in sorted(table.policies, key=lambda p: p.name):
        roles = ", ".join(sorted("CURRENT_USER" if r == owner else r for r in pol.roles))
        text = f"CREATE POLICY {pol.name} ON {table.name} AS {pol.permissive} FOR {pol.command} TO {roles}"
        if pol.using_expression is not None:
            text += f" USING ({pol.using_expression})"
        if pol.check_expression is not None:
            text += f" WITH CHECK ({pol.check_expression})"
        statements.append(text + ";")
    statements += _grants(cat.grants, catalog.SCHEMA, "table", table.name, table.name)
    for part in (p for p in defs.fixed_partitions if p.parent_table == table.name):
        qualified = f"{part.schema_name}.{part.name}"
        statements.append(f"CREATE TABLE {qualified} PARTITION OF {table.name} {part.bound};")
        statements += _comment(f"TABLE {qualified}", part.comment)
    if table.is_partitioned:
        statements.append(f"-- monthly partitions of {table.name} are created by maintain_partitions() and not listed")
    return block("table", table.name, statements)


_PUBLIC_PREFIX = re.compile(rf"\b{catalog.SCHEMA}\.")


def _unqualified(definition: str) -> str:
    """pg_get_indexdef/pg_get_triggerdef qualify names with ``public.``; the revisions do not."""
    return _PUBLIC_PREFIX.sub("", definition)


def function_block(fn: catalog.FunctionDefinition, cat: catalog.Catalog) -> str:
    signature = f"{fn.name}({fn.arguments})"
    described = {f.signature: f.comment for f in cat.functions}
    statements = [_unqualified(fn.definition.rstrip()) + ";"]
    statements += _comment(f"FUNCTION {signature}", described.get(signature))
    statements += _grants(cat.grants, catalog.SCHEMA, "function", signature, f"FUNCTION {signature}")
    return block("function", signature, statements)


def view_block(view: catalog.View, cat: catalog.Catalog) -> str:
    statements = [f"CREATE VIEW {view.name} AS\n{view.definition.rstrip().rstrip(';')};"]
    statements += _comment(f"VIEW {view.name}", view.comment)
    statements += _grants(cat.grants, catalog.SCHEMA, "table", view.name, view.name)
    return block("view", view.name, statements)


def schema_block(info: catalog.SchemaInfo, cat: catalog.Catalog) -> str:
    statements = [] if info.name == catalog.SCHEMA else [f"CREATE SCHEMA {info.name};"]
    statements += _comment(f"SCHEMA {info.name}", info.comment) if info.name != catalog.SCHEMA else []
    statements += _grants(cat.grants, info.name, "schema", info.name, f"SCHEMA {info.name}")
    return block("schema", info.name, statements)


def role_block(role: catalog.Role) -> str:
    """A group role the schema grants to: created by the revisions, cluster-wide, never dropped."""
    attributes = [
        "SUPERUSER" if role.is_superuser else "NOSUPERUSER",
        "LOGIN" if role.can_login else "NOLOGIN",
        "BYPASSRLS" if role.bypasses_rls else "NOBYPASSRLS",
    ]
    statements = [f"CREATE ROLE {role.name} {' '.join(attributes)};"]
    statements += [f"GRANT {group} TO {role.name};" for group in role.member_of]
    statements += _comment(f"ROLE {role.name}", role.comment)
    return block("role", role.name, statements)


def event_trigger_block(evt: catalog.EventTrigger) -> str:
    tags = f" WHEN TAG IN ({', '.join(literal(t) for t in evt.tags)})" if evt.tags else ""
    statements = [f"CREATE EVENT TRIGGER {evt.name} ON {evt.event}{tags} EXECUTE FUNCTION {evt.function_name}();"]
    if evt.enabled != "O":
        statements.append(f"-- enabled state: {evt.enabled}")
    statements += _comment(f"EVENT TRIGGER {evt.name}", evt.comment)
    return block("event trigger", evt.name, statements)


def reference_block(conn: sa.Connection, table: catalog.Table, order_by: tuple[str, ...]) -> str:
    columns = [c.name for c in _column_order(table) if c.name not in UNPRINTED_REFERENCE_COLUMNS]
    statements = []
    for row in catalog.read_rows(conn, table.name, order_by):
        values = ", ".join(literal(row[c]) for c in columns)
        statements.append(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({values});")
    return block("data", table.name, statements)


@dataclass(frozen=True)
class Dump:
    """The rendered file and, per object header, where its block starts (1-based line)."""

    text: str

    def blocks(self) -> dict[str, str]:
        """``'<kind>: <name>'`` -> the text of its block (what a revision is compared on)."""
        lines = self.text.splitlines()
        return {key: "\n".join(lines[first - 1 : last]) for key, (first, last) in self.block_lines().items()}

    def block_lines(self) -> dict[str, tuple[int, int]]:
        """``'<kind>: <name>'`` -> (first line, last line) of its block in the file."""
        spans: dict[str, tuple[int, int]] = {}
        current: str | None = None
        start = 0
        lines = self.text.splitlines()
        for number, line in enumerate(lines, start=1):
            if line.startswith("-- ") and _is_header(line):
                if current is not None:
                    spans[current] = (start, _last_nonblank(lines, number - 1))
                current, start = line[3:], number
        if current is not None:
            spans[current] = (start, _last_nonblank(lines, len(lines)))
        return spans


_HEADER_KINDS = ("role", "schema", "table", "view", "function", "event trigger", "data", "alembic_version")


def _is_header(line: str) -> bool:
    return line[3:].split(": ", 1)[0] in _HEADER_KINDS


def _last_nonblank(lines: list[str], upto: int) -> int:
    while upto > 0 and not lines[upto - 1].strip():
        upto -= 1
    return upto


def render(conn: sa.Connection) -> Dump:
    """The whole schema of the connected database, normalized (see the module docstring)."""
    cat = catalog.read(conn)
    defs = catalog.read_definitions(conn)
    version = migrations.current_revision(conn)
    parts = [HEADER, block("alembic_version", str(version), [])]
    grantees = tuple(sorted({g.grantee for g in cat.grants if g.grantee != "PUBLIC"}))
    parts += [role_block(r) for _, r in sorted(catalog.read_roles(conn, grantees).items())]
    parts += [schema_block(s, cat) for s in defs.schemas]
    parts += [table_block(t, cat, defs) for _, t in sorted(cat.tables.items())]
    parts += [view_block(v, cat) for v in defs.views]
    parts += [function_block(f, cat) for f in defs.functions]
    parts += [event_trigger_block(e) for e in defs.event_triggers]
    parts += [reference_block(conn, cat.tables[name], order) for name, order in REFERENCE_TABLES.items() if name in cat.tables]
    return Dump("\n".join(parts))


@dataclass(frozen=True)
class Introduction:
    """Revision ``revision`` added (or changed) the block ``key`` of the dump."""

    revision: str
    key: str
    change: str  # added | changed


def introductions(server: sa.URL) -> list[Introduction]:
    """Which revision added or changed each block: one throw-away database walked up the chain one
    revision at a time, dumped after each. Blocks a later revision removed are not reported."""
    found: list[Introduction] = []
    with migrations.temporary_database(server, "wb_dump_walk") as url:
        previous: dict[str, str] = {}
        eng = database.engine(url)
        try:
            for script in reversed(list(migrations.script_directory().walk_revisions())):
                migrations.upgrade(script.revision, url=url)
                with eng.connect() as conn:
                    now = render(conn).blocks()
                for key, text in now.items():
                    if key.startswith("alembic_version:"):
                        continue
                    if key not in previous:
                        found.append(Introduction(script.revision, key, "added"))
                    elif previous[key] != text:
                        found.append(Introduction(script.revision, key, "changed"))
                previous = now
        finally:
            eng.dispose()
    return found


def render_database(url: sa.URL) -> Dump:
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            return render(conn)
    finally:
        eng.dispose()


def difference(expected: str, actual: str, expected_name: str = SCHEMA_FILE, actual_name: str = "replay") -> str:
    """A unified diff, empty when equal: what the drift test prints."""
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True), fromfile=expected_name, tofile=actual_name
        )
    )


def replay(server: sa.URL) -> Dump:
    """Migrate a throw-away database on ``server`` from empty to head and dump it."""
    with migrations.temporary_database(server, "wb_dump", revision="head") as url:
        return render_database(url)

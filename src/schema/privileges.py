"""The least-privilege matrix (SEC-002): who may do what to which table, as designed and as granted.

Auditors ask "who can read what, who can change what"; the answer must be the database's, not a
document's. So there are two matrices of the same shape, compared by a test:

- ``expected(catalog)``: the design, from ``TABLE_PROFILES`` (one grant profile of
  ``GRANT_PROFILES`` per table, declared next to the table's model independently of the revisions,
  which carry their own frozen copies, so a revision that grants the wrong profile or forgets a
  grant is caught) expanded over the table's live columns: SELECT column by column on every column
  but the secrets;
- ``actual(catalog)``: what the ACLs of the live catalog grant (``catalog.read_grants``).

``matrix_markdown(catalog)`` renders the actual matrix for the handbook; ``object_problems`` and
``role_problems`` cover what a table matrix cannot show (partitions, sequences, functions,
schemas, role attributes) so that the table ACLs really are the whole story.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from schema import pii
from schema.catalog import SCHEMA, Catalog, Role, Table
from schema.models import metadata
from schema.models.design import Profile, designs

# The four NOLOGIN group roles (SEC-002); login roles of people and services are members of them.
# Revision 001 created them with these purposes; this is today's declaration, which the privilege
# test compares with the live roles.
GROUP_ROLES: dict[str, str] = {
    "app_rw": "the application's writing services: read and write business data, append to audit trails",
    "app_ro": "reporting and read-only services: read business data, write nothing",
    "auditor": "SOC 2 and regulatory auditors: read everything that is not a secret, including audit trails",
    "admin_rw": "the admin console: manage admin tables and system settings",
}

# What each kind of table grants to each role, today. Each revision wrote its own copy of the
# profiles it used when it was released (history does not move when this does); the matrix test
# compares this declaration with the live ACLs, so a revision that grants otherwise is caught.
# Secret columns (SECRET_SUFFIXES) are never granted: SELECT goes column by column on the others.
GRANT_PROFILES: dict[Profile, dict[str, tuple[str, ...]]] = {
    # Business data the application changes (quotes, policies, rate tables...).
    "operational": {"app_rw": ("SELECT", "INSERT", "UPDATE"), "app_ro": ("SELECT",), "auditor": ("SELECT",), "admin_rw": ("SELECT",)},
    # Audit trails: the application appends; nobody updates or deletes (append-only, SEC-003).
    "append_only": {"app_rw": ("INSERT",), "auditor": ("SELECT",), "admin_rw": ("INSERT",)},
    # Admin tables: the admin console writes, the application and auditors read.
    "admin": {"admin_rw": ("SELECT", "INSERT", "UPDATE"), "app_rw": ("SELECT",), "app_ro": ("SELECT",), "auditor": ("SELECT",)},
    # Link rows the admin console grants and revokes (admin_role_permissions): no UPDATE, a link
    # is replaced by deleting it and inserting another.
    "admin_link": {"admin_rw": ("SELECT", "INSERT", "DELETE"), "app_rw": ("SELECT",), "app_ro": ("SELECT",), "auditor": ("SELECT",)},
    # Reference data only a revision changes (the quote lifecycle, revision 008): everyone reads.
    "reference": {"app_rw": ("SELECT",), "app_ro": ("SELECT",), "auditor": ("SELECT",), "admin_rw": ("SELECT",)},
    # Evidence only the database's own maintenance writes (partition_archive_ledger, revision 010,
    # which grants it itself): auditors read it, nobody else touches it.
    "evidence": {"auditor": ("SELECT",)},
    # Session bookkeeping the application opens and closes and may purge (websocket_connections).
    "ephemeral": {"app_rw": ("SELECT", "INSERT", "UPDATE", "DELETE"), "app_ro": ("SELECT",), "auditor": ("SELECT",)},
    # Trails the database writes itself (the DDL audit's SECURITY DEFINER event trigger function,
    # run as the owner): auditors read them; no group role writes, not even INSERT (SEC-040, SEC-041).
    "database_trail": {"auditor": ("SELECT",)},
}

SECRET_SUFFIXES = ("_hash", "_encrypted")

PUBLIC = "PUBLIC"
ROLES: tuple[str, ...] = (*GROUP_ROLES, PUBLIC)
# Table privileges in PostgreSQL's order (MAINTAIN, PostgreSQL 17, is never granted here).
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
# Append-only audit trails (SEC-003): no role may hold these on them, whatever its profile.
AUDIT_TRAILS = ("audit_logs", "admin_activity_logs")
AUDIT_FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE")

# The grant profile of every designed table: declared next to its model (the ``info`` of its
# ``__table_args__``, schema.models.design), where the reason is written too. A table at head that
# is missing here fails the matrix test: a new table needs a deliberate decision about who may touch it.
TABLE_PROFILES: dict[str, Profile] = {name: d.profile for name, d in designs(metadata).items()}

# Secret columns a documented rule lets a role read: {(table, column): {role: rule id}}. Empty:
# nobody but the owner reads a *_hash or *_encrypted column (SEC-001).
SECRET_READERS: dict[tuple[str, str], dict[str, str]] = {}


class UndeclaredTable(KeyError):
    """A table exists at head with no model, hence no profile in TABLE_PROFILES."""


@dataclass(frozen=True, order=True)
class Cell:
    """One fact of the matrix: ``role`` holds ``privilege`` on ``table``; on one ``column`` only,
    or on the whole table when ``column`` is empty."""

    table: str
    role: str
    privilege: str
    column: str = ""


Matrix = frozenset[Cell]


def is_secret(column: str) -> bool:
    return column.endswith(SECRET_SUFFIXES)


def secret_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if is_secret(c.name)]


def profile_of(table: str) -> Profile:
    try:
        return TABLE_PROFILES[table]
    except KeyError:
        raise UndeclaredTable(
            f"table {table!r} has no grant profile in schema.privileges.TABLE_PROFILES: give it a model whose "
            f"__table_args__ info declares one of {sorted(GRANT_PROFILES)} (schema.models.design, SEC-002), the "
            "same the revision grants (its own GRANT_PROFILES)"
        ) from None


def _readable(table: Table, role: str) -> list[str]:
    """Columns ``role`` is designed to read: not a secret (SEC-001) and, for the classified customer,
    policy and claim columns, within its need to know (SEC-029, schema.pii)."""
    return [
        c.name
        for c in table.columns
        if (not is_secret(c.name) or role in SECRET_READERS.get((table.name, c.name), {})) and not pii.withheld(table.name, c.name, role)
    ]


def expected(catalog: Catalog) -> Matrix:
    """The designed matrix over the tables of ``catalog``: profile privileges table-wide, SELECT
    on each readable column."""
    cells: set[Cell] = set()
    for table in catalog.tables.values():
        for role, privileges in GRANT_PROFILES[profile_of(table.name)].items():
            for privilege in privileges:
                if privilege == "SELECT":
                    cells.update(Cell(table.name, role, "SELECT", col) for col in _readable(table, role))
                else:
                    cells.add(Cell(table.name, role, privilege))
    return frozenset(cells)


def actual(catalog: Catalog) -> Matrix:
    """What the ACLs of the designed tables grant to anyone but their owner (PUBLIC included)."""
    return frozenset(
        Cell(g.object_name, g.grantee, g.privilege, g.column or "")
        for g in catalog.grants
        if g.schema == SCHEMA and g.object_kind == "table" and g.object_name in catalog.tables
    )


def _group(cells: Iterable[Cell]) -> dict[tuple[str, str, str], list[str]]:
    grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for cell in sorted(cells):
        grouped[(cell.table, cell.role, cell.privilege)].append(cell.column)
    return grouped


def _describe(table: str, role: str, privilege: str, columns: list[str]) -> str:
    where = f"on {table}" if columns == [""] else f"on {table} ({', '.join(c for c in columns if c) or 'whole table'})"
    return f"{role:<9} {privilege:<10} {where}"


def diff(expected_matrix: Matrix, actual_matrix: Matrix) -> list[str]:
    """Readable lines, one per (table, role, privilege) that differs; empty when equal."""
    found = [(k, "missing   ", cols) for k, cols in _group(expected_matrix - actual_matrix).items()]
    found += [(k, "unexpected", cols) for k, cols in _group(actual_matrix - expected_matrix).items()]
    return [f"{what}  {_describe(*k, cols)}" for k, what, cols in sorted(found)]


def cell_text(catalog: Catalog, matrix: Matrix, table: str, role: str) -> str:
    """One cell of the rendered matrix: the privileges ``role`` holds on ``table``, SELECT
    qualified when it is not exactly "every column but the secrets"."""
    held = {c.privilege: c for c in matrix if c.table == table and c.role == role and not c.column}
    columns = sorted(c.column for c in matrix if c.table == table and c.role == role and c.privilege == "SELECT" and c.column)
    t = catalog.table(table)
    parts = []
    for privilege in TABLE_PRIVILEGES:
        if privilege == "SELECT":
            if "SELECT" in held:
                parts.append("SELECT (whole table, secrets included)" if secret_columns(t) else "SELECT")
            elif columns:
                non_secret = sorted(c.name for c in t.columns if not is_secret(c.name))
                if columns == non_secret:
                    parts.append("SELECT")
                else:
                    parts.append(f"SELECT ({len(columns)} of {len(t.columns)} columns: {', '.join(columns)})")
        elif privilege in held:
            parts.append(privilege)
    return ", ".join(parts) or "-"


def matrix_markdown(catalog: Catalog, label: Callable[[str], str] | None = None) -> str:
    """The live role x table x privilege matrix as a Markdown table, for the handbook.

    "SELECT" means SELECT granted column by column on every column except the owner-only
    secrets listed in the last column (SEC-001); any other SELECT is spelled out. ``label``
    renders the table cell (the handbook makes it a link to the table's page and the row's anchor).
    """
    matrix = actual(catalog)
    header = ["Table", "Profile", *ROLES, "Owner-only columns"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in sorted(catalog.tables):
        profile = TABLE_PROFILES.get(name, "undeclared")
        cells = [cell_text(catalog, matrix, name, role) for role in ROLES]
        secrets = ", ".join(secret_columns(catalog.table(name))) or "-"
        lines.append("| " + " | ".join([label(name) if label else f"`{name}`", profile, *cells, secrets]) + " |")
    return "\n".join(lines) + "\n"


# --- what the table matrix cannot show ------------------------------------------------------------

# Non-table grants the design makes: PostgreSQL's own defaults that are harmless, stated so that
# anything else stands out. USAGE on schema public lets the roles name the tables they are granted.
EXPECTED_SCHEMA_GRANTS: frozenset[tuple[str, str, str]] = frozenset({(SCHEMA, PUBLIC, "USAGE")})


def object_problems(catalog: Catalog) -> list[str]:
    """Grants outside the designed tables that would widen access: any grant on a relation that
    is not a designed table (partitions, archives, sequences, views), schema grants beyond
    ``EXPECTED_SCHEMA_GRANTS``, grant options, and SECURITY DEFINER functions open to PUBLIC or
    without a pinned search_path."""
    problems: list[str] = []
    for g in catalog.grants:
        if g.grantable:
            problems.append(f"{g.grantee} may re-grant {g.privilege} on {g.object_kind} {g.schema}.{g.object_name}")
        if g.object_kind in {"table", "sequence"} and not (g.schema == SCHEMA and g.object_name in catalog.tables):
            problems.append(
                f"{g.grantee} holds {g.privilege} on {g.object_kind} {g.schema}.{g.object_name}"
                f"{'.' + g.column if g.column else ''}: only designed tables are granted (a partition "
                "or sequence grant goes around the parent's grants and policies)"
            )
        if g.object_kind == "schema" and (g.object_name, g.grantee, g.privilege) not in EXPECTED_SCHEMA_GRANTS:
            problems.append(f"{g.grantee} holds {g.privilege} on schema {g.object_name}")
    public_execute = {g.object_name for g in catalog.grants if g.object_kind == "function" and g.grantee == PUBLIC}
    for f in catalog.functions:
        if not f.security_definer:
            continue
        if f.signature in public_execute:
            problems.append(f"SECURITY DEFINER function {f.signature} is executable by PUBLIC: REVOKE EXECUTE ... FROM PUBLIC")
        if not any(s.startswith("search_path=") for s in f.settings):
            problems.append(f"SECURITY DEFINER function {f.signature} does not pin its search_path (SET search_path = ...)")
    return problems


def role_problems(roles: dict[str, Role]) -> list[str]:
    """The group roles must exist and be plain NOLOGIN groups that inherit nothing: otherwise
    their ACL entries are not all they can do."""
    problems = [f"group role {name} does not exist" for name in GROUP_ROLES if name not in roles]
    for role in roles.values():
        flags = {
            "can log in": role.can_login,
            "is a superuser": role.is_superuser,
            "bypasses RLS": role.bypasses_rls,
            "can create roles": role.can_create_role,
            "can create databases": role.can_create_db,
        }
        problems += [f"group role {role.name} {what}" for what, on in flags.items() if on]
        if role.member_of:
            problems.append(f"group role {role.name} is a member of {', '.join(role.member_of)} and inherits its rights")
    return problems

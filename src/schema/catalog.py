"""The live catalog of a database, read once from pg_catalog into plain dataclasses.

This is the only module that queries pg_catalog. Lint rules, the handbook, the profile and the
notebooks ask it, so that "what the schema is" has one answer: what PostgreSQL says, not what the
models or a document claim. The SQL lives in ``sql/catalog/*.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa

from schema import sql_files

SCHEMA = "public"

# Tables in the database that are not part of the designed schema, and why they are left out.
EXCLUDED_TABLES: dict[str, str] = {
    "alembic_version": "Alembic's bookkeeping of the applied revision, owned by the tool, not the design",
}

ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
CONSTRAINT_KINDS = {"p": "PRIMARY KEY", "f": "FOREIGN KEY", "u": "UNIQUE", "c": "CHECK", "x": "EXCLUDE"}
VOLATILITY = {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"}
R = TypeVar("R")  # a catalog record (a dataclass below)


def sql(name: str) -> str:
    """A catalog query by file name (without .sql)."""
    return sql_files.read("catalog", name)


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    position: int
    data_type: str
    not_null: bool
    default: str | None
    comment: str | None
    # A STORED generated column keeps its expression where defaults live (pg_attrdef): without
    # this flag a reader would take the expression for a server default.
    is_generated: bool = False
    # 'a' GENERATED ALWAYS AS IDENTITY, 'd' BY DEFAULT, '' not an identity column (no pg_attrdef row).
    identity: str = ""


@dataclass(frozen=True)
class Constraint:
    table: str
    name: str
    kind: str  # one of CONSTRAINT_KINDS' keys
    definition: str
    columns: tuple[str, ...]
    referred_table: str | None
    referred_columns: tuple[str, ...]
    on_delete_code: str | None
    validated: bool
    comment: str | None

    @property
    def referred(self) -> str:
        """The table a foreign key points at (``referred_table``, which only foreign keys have)."""
        if self.referred_table is None:
            raise ValueError(f"{self.name} is a {self.kind_name}, not a foreign key: it refers to no table")
        return self.referred_table

    @property
    def kind_name(self) -> str:
        return CONSTRAINT_KINDS[self.kind]

    @property
    def on_delete(self) -> str | None:
        return ON_DELETE[self.on_delete_code] if self.kind == "f" and self.on_delete_code else None


@dataclass(frozen=True)
class Index:
    table: str
    name: str
    definition: str
    method: str
    is_unique: bool
    is_primary: bool
    key_columns: tuple[str, ...]
    predicate: str | None
    constraint_name: str | None
    comment: str | None


@dataclass(frozen=True)
class Trigger:
    table: str
    name: str
    definition: str
    function_name: str
    comment: str | None


@dataclass(frozen=True)
class Policy:
    table: str
    name: str
    permissive: str
    roles: tuple[str, ...]
    command: str
    using_expression: str | None
    check_expression: str | None


@dataclass(frozen=True)
class Partition:
    parent_table: str
    name: str
    bound: str
    estimated_rows: int

    @property
    def is_default(self) -> bool:
        return self.bound == "DEFAULT"


@dataclass(frozen=True)
class Function:
    name: str
    arguments: str
    result: str
    language: str
    volatility_code: str
    comment: str | None
    # SECURITY DEFINER runs with the owner's rights: who may EXECUTE it and which search_path it
    # pins (``settings``, e.g. 'search_path=pg_catalog, pg_temp') are then security facts.
    security_definer: bool = False
    settings: tuple[str, ...] = ()

    @property
    def signature(self) -> str:
        return f"{self.name}({self.arguments})"

    @property
    def volatility(self) -> str:
        return VOLATILITY[self.volatility_code]


@dataclass(frozen=True)
class Grant:
    """One privilege held by a role that does not own the object (PUBLIC included).

    ``object_kind`` is table (tables, partitioned tables, views), sequence, function or schema;
    ``column`` is set for a column-level grant, so "SELECT on every column but the secrets" is
    visible as such instead of being folded into a table-level SELECT.
    """

    schema: str
    object_name: str
    object_kind: str
    column: str | None
    grantee: str
    privilege: str
    grantable: bool
    owner: str


@dataclass(frozen=True)
class Role:
    """A group role's attributes: what its grants do not show (login, superuser, inheritance)."""

    name: str
    is_superuser: bool
    bypasses_rls: bool
    can_login: bool
    can_create_role: bool
    can_create_db: bool
    member_of: tuple[str, ...]
    comment: str | None


@dataclass
class Table:
    name: str
    comment: str | None
    is_partitioned: bool
    rls_enabled: bool
    rls_forced: bool
    partition_key: str | None
    columns: list[Column] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    partitions: list[Partition] = field(default_factory=list)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def primary_key(self) -> Constraint | None:
        return next((c for c in self.constraints if c.kind == "p"), None)

    @property
    def foreign_keys(self) -> list[Constraint]:
        return [c for c in self.constraints if c.kind == "f"]


@dataclass
class Catalog:
    tables: dict[str, Table]
    functions: list[Function]
    grants: list[Grant] = field(default_factory=list)
    partition_indexes: dict[str, str] = field(default_factory=dict)  # partition's index -> parent's

    def root_table(self, name: str) -> str:
        """The designed table a name belongs to: itself, or the parent of a partition."""
        return self.partition_roots.get(name, name)

    @property
    def partition_roots(self) -> dict[str, str]:
        """Partition -> its designed table and partition's index -> the designed index: plans and
        errors name the partitions' own objects, the questions are about the designed ones."""
        roots = {p.name: t.name for t in self.tables.values() for p in t.partitions}
        return roots | self.partition_indexes

    def constraint_for_index(self, index_name: str) -> str | None:
        """The constraint (PK/UNIQUE/EXCLUDE) an index implements, seen through partitions:
        PostgreSQL reports a duplicate in a partition under the partition's own index name."""
        name = self.partition_indexes.get(index_name, index_name)
        for idx in self.indexes:
            if idx.name == name:
                return idx.constraint_name
        return index_name if index_name in {c.name for c in self.constraints} else None

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r} in the catalog") from None

    @property
    def constraints(self) -> list[Constraint]:
        return [c for t in self.tables.values() for c in t.constraints]

    @property
    def indexes(self) -> list[Index]:
        return [i for t in self.tables.values() for i in t.indexes]

    @property
    def triggers(self) -> list[Trigger]:
        return [tr for t in self.tables.values() for tr in t.triggers]

    def referenced_by(self, table: str) -> list[Constraint]:
        """Foreign keys of other tables (or this one) that point at ``table``."""
        return [c for c in self.constraints if c.kind == "f" and c.referred_table == table]

    def object_names(self) -> set[str]:
        """Every name a rule's ``implemented_by`` may cite: tables, columns, constraints, indexes,
        triggers, policies and functions (as ``name()``)."""
        names: set[str] = set(self.tables)
        for t in self.tables.values():
            names.update(f"{t.name}.{c.name}" for c in t.columns)
            names.update(c.name for c in t.constraints)
            names.update(i.name for i in t.indexes)
            names.update(tr.name for tr in t.triggers)
            names.update(p.name for p in t.policies)
        names.update(f"{f.name}()" for f in self.functions)
        return names


def _rows(conn: sa.Connection, name: str) -> list[sa.RowMapping]:
    return list(conn.execute(sa.text(sql(name)), {"schema": SCHEMA}).mappings())


def _record(cls: type[R], row: sa.RowMapping) -> R:
    """A catalog record from a query row whose column names are the record's field names (the
    queries in sql/catalog/ alias them so); SQL arrays become the records' tuples."""
    return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in row.items()})


def read(conn: sa.Connection) -> Catalog:
    """Read the whole schema; a handful of queries, whatever the number of tables."""
    tables = {row["name"]: _record(Table, row) for row in _rows(conn, "tables") if row["name"] not in EXCLUDED_TABLES}
    for row in _rows(conn, "columns"):
        if (t := tables.get(row["table"])) is not None:
            t.columns.append(_record(Column, row))
    for row in _rows(conn, "constraints"):
        if (t := tables.get(row["table"])) is not None:
            t.constraints.append(_record(Constraint, row))
    for row in _rows(conn, "indexes"):
        if (t := tables.get(row["table"])) is not None:
            t.indexes.append(_record(Index, row))
    for row in _rows(conn, "triggers"):
        if (t := tables.get(row["table"])) is not None:
            t.triggers.append(_record(Trigger, row))
    for row in _rows(conn, "policies"):
        if (t := tables.get(row["table"])) is not None:
            t.policies.append(_record(Policy, row))
    for row in _rows(conn, "partitions"):
        if (t := tables.get(row["parent_table"])) is not None:
            t.partitions.append(_record(Partition, row))
    functions = [_record(Function, r) for r in _rows(conn, "functions")]
    partition_indexes = {r["name"]: r["parent_index"] for r in _rows(conn, "partition_indexes")}
    return Catalog(tables=tables, functions=functions, grants=read_grants(conn), partition_indexes=partition_indexes)


def read_grants(conn: sa.Connection) -> list[Grant]:
    """Every privilege held by a non-owner on the database's own objects, from the ACLs.

    All application schemas, not only ``SCHEMA``: partitions live in a schema of their own and a
    grant there would let a role around its parent's grants and policies.
    """
    return [_record(Grant, r) for r in conn.execute(sa.text(sql("privileges"))).mappings()]


def read_roles(conn: sa.Connection, names: tuple[str, ...]) -> dict[str, Role]:
    """The named roles that exist, with their attributes and the roles they are members of."""
    rows = conn.execute(sa.text(sql("roles")), {"roles": list(names)}).mappings()
    return {r["name"]: _record(Role, r) for r in rows}


# Physical facts of a seeded database, read for the profile (schema perf) and the scaling page:
# not part of what the schema is, so not in Catalog, but still pg_catalog, so still here.


@dataclass(frozen=True)
class TableSize:
    bytes: int  # heap, TOAST and indexes, all partitions of a partitioned table included
    rows: int  # the planner's estimate (reltuples), exact enough for sizing


def table_sizes(conn: sa.Connection) -> dict[str, TableSize]:
    """Bytes on disk and estimated rows of every table of ``SCHEMA``, partitions summed."""
    rows = conn.execute(sa.text(sql("table_sizes")), {"schema": SCHEMA}).mappings()
    return {r["table_name"]: TableSize(int(r["bytes"]), int(r["estimated_rows"])) for r in rows}


def column_correlation(conn: sa.Connection, table: str, column: str) -> float | None:
    """Average pg_stats physical-order correlation of a column over a table's partitions (None
    before ANALYZE): what decides whether a BRIN index on it can serve a range."""
    value = conn.execute(sa.text(sql("column_correlation")), {"table": f'"{SCHEMA}"."{table}"', "column": column}).scalar_one()
    return None if value is None else float(value)


# What the whole-schema dump needs beyond the designed tables: full function bodies, schemas,
# views, event triggers, owners and the fixed partitions. Read separately from ``read`` because
# only ``schema dump`` and its tests ask for it.


@dataclass(frozen=True)
class FunctionDefinition:
    name: str
    arguments: str
    definition: str


@dataclass(frozen=True)
class SchemaInfo:
    name: str
    comment: str | None


@dataclass(frozen=True)
class View:
    name: str
    definition: str
    comment: str | None


@dataclass(frozen=True)
class EventTrigger:
    name: str
    event: str
    tags: tuple[str, ...]
    function_name: str
    enabled: str
    comment: str | None


@dataclass(frozen=True)
class FixedPartition:
    """A partition that is not one of the date-named monthly ones (the DEFAULT partition)."""

    parent_table: str
    schema_name: str
    name: str
    bound: str
    comment: str | None


@dataclass(frozen=True)
class Definitions:
    functions: tuple[FunctionDefinition, ...]
    schemas: tuple[SchemaInfo, ...]
    views: tuple[View, ...]
    event_triggers: tuple[EventTrigger, ...]
    table_owners: dict[str, str]
    fixed_partitions: tuple[FixedPartition, ...]


def read_definitions(conn: sa.Connection) -> Definitions:
    """Definitions for the dump, each row built by keyword from SQL whose columns are the fields."""
    schemas = tuple(SchemaInfo(**r) for r in conn.execute(sa.text(sql("schemas"))).mappings())
    names = [s.name for s in schemas]
    functions = tuple(FunctionDefinition(**r) for r in conn.execute(sa.text(sql("function_definitions")), {"schemas": names}).mappings())
    event_triggers = tuple(EventTrigger(**{**r, "tags": tuple(r["tags"])}) for r in conn.execute(sa.text(sql("event_triggers"))).mappings())
    return Definitions(
        functions=functions,
        schemas=schemas,
        views=tuple(View(**r) for r in _rows(conn, "views")),
        event_triggers=event_triggers,
        table_owners={r["table_name"]: r["owner"] for r in _rows(conn, "table_owners")},
        fixed_partitions=tuple(FixedPartition(**r) for r in _rows(conn, "secondary_partitions")),
    )


def read_rows(conn: sa.Connection, table: str, order_by: tuple[str, ...]) -> list[sa.RowMapping]:
    """Every row of a reference table of ``SCHEMA`` (rows a revision writes as part of the schema),
    in a stable order, for the dump."""
    order = ", ".join(f'"{c}"' for c in order_by)
    return list(conn.execute(sa.text(f'SELECT * FROM "{SCHEMA}"."{table}" ORDER BY {order}')).mappings())


# Facts the restore drill compares between a database and its restored copy (schema.drill): the
# tables that hold rows, constraint validity, the partition tree and RLS flags, over ``schemas``.


def leaf_tables(conn: sa.Connection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    """(schema, table) of every plain table, partitions and archives included."""
    return [(r["schema"], r["name"]) for r in conn.execute(sa.text(sql("leaf_tables")), {"schemas": list(schemas)}).mappings()]


def constraint_validity(conn: sa.Connection, schemas: tuple[str, ...]) -> dict[str, tuple[str, bool]]:
    """'<schema>.<table> <constraint>' -> (kind, validated)."""
    rows = conn.execute(sa.text(sql("constraint_validity")), {"schemas": list(schemas)}).mappings()
    return {r["name"]: (r["kind"], bool(r["convalidated"])) for r in rows}


def partition_bounds(conn: sa.Connection, schemas: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """(parent, schema-qualified partition, bound) of every attached partition."""
    rows = conn.execute(sa.text(sql("partition_bounds")), {"schemas": list(schemas)}).mappings()
    return tuple((r["parent"], r["partition"], r["bound"]) for r in rows)


def rls_flags(conn: sa.Connection) -> tuple[tuple[str, bool, bool], ...]:
    """(table, RLS enabled, RLS forced) of the tables of ``SCHEMA`` with either set."""
    rows = conn.execute(sa.text(sql("rls_flags")), {"schema": SCHEMA}).mappings()
    return tuple((r["relname"], bool(r["relrowsecurity"]), bool(r["relforcerowsecurity"])) for r in rows)

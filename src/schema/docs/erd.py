"""Mermaid erDiagrams of the catalog, built with mermaid-py's model (ERDiagram, Entity, Link).

The text is rendered in the reader's browser by the mermaid.js the site serves itself (mermaid-py
would render through a web service). Every foreign key becomes one link whose cardinality is
read from the catalog: the parent end is "exactly one" when the key columns are NOT NULL and
"zero or one" otherwise; the child end is "zero or one" when the key columns are themselves
unique (a one-to-one extension table) and "zero or more" otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

from mermaid.erdiagram import Entity, ERDiagram, Link

from schema.catalog import Catalog, Constraint, Table

# format_type() spellings shortened to what an architect writes; the rest is kept as PostgreSQL says.
TYPE_ABBREVIATIONS = (
    ("character varying", "varchar"),
    ("timestamp with time zone", "timestamptz"),
    ("timestamp without time zone", "timestamp"),
    ("time with time zone", "timetz"),
    ("time without time zone", "time"),
    ("double precision", "float8"),
    ("bit varying", "varbit"),
    ("character", "char"),
)
# What mermaid accepts in an attribute type; anything else (spaces, quotes) becomes "_".
NOT_IN_TYPE = re.compile(r"[^A-Za-z0-9_()\[\],-]")


class Detail(Enum):
    """How much of a table an entity shows."""

    COLUMNS = "columns"  # every column: the table's own diagrams
    KEYS = "keys"  # primary, foreign and unique key columns: neighbours in a diagram
    NAME = "name"  # the box only: tables of another domain


def short_type(data_type: str) -> str:
    """varchar(20) for character varying(20), timestamptz for timestamp with time zone, ..."""
    short = data_type
    for long, abbreviation in TYPE_ABBREVIATIONS:
        short = short.replace(long, abbreviation)
    return short


def mermaid_type(data_type: str) -> str:
    return NOT_IN_TYPE.sub("_", short_type(data_type))


def column_keys(table: Table) -> dict[str, list[str]]:
    """Column -> its key markers (PK, FK, UK) in mermaid's order."""
    keys: dict[str, list[str]] = {c.name: [] for c in table.columns}
    for marker, kind in (("PK", "p"), ("FK", "f"), ("UK", "u")):
        for con in table.constraints:
            if con.kind != kind:
                continue
            for col in con.columns:
                if marker not in keys[col]:
                    keys[col].append(marker)
    return keys


class TableEntity(Entity):
    """mermaid-py's Entity writes a lone "PK" bare but quotes "PK, FK" as if it were a comment;
    this one always writes key markers as keys."""

    def build_attributes(self) -> str:
        lines = []
        for name, definition in self.attributes.items():
            type_, *keys = definition if isinstance(definition, list) else [definition]
            lines.append(f"\t{type_} {name}{' ' + ', '.join(keys) if keys else ''}\n")
        return "".join(lines)


def entity(table: Table, detail: Detail, linked: frozenset[str] | set[str] = frozenset()) -> TableEntity:
    """The table's box; a KEYS box shows its primary key and the ``linked`` columns drawn as links."""
    keys = column_keys(table)
    pk = set(table.primary_key.columns) if table.primary_key else set()
    ent = TableEntity(table.name)
    if detail is Detail.NAME:
        return ent
    for col in table.columns:
        if detail is Detail.KEYS and col.name not in pk | linked:
            continue
        ent.attributes[col.name] = [mermaid_type(col.data_type), *keys[col.name]]
    return ent


def is_unique_key(table: Table, columns: Iterable[str]) -> bool:
    """True when ``columns`` are exactly a primary key or a UNIQUE constraint/index of ``table``."""
    wanted = set(columns)
    keys = [set(c.columns) for c in table.constraints if c.kind in ("p", "u")]
    keys += [set(i.key_columns) for i in table.indexes if i.is_unique and i.predicate is None]
    return wanted in keys


def cardinalities(catalog: Catalog, fk: Constraint) -> tuple[str, str]:
    """(parent end, child end) in mermaid-py's vocabulary."""
    child = catalog.table(fk.table)
    mandatory = all(child.column(c).not_null for c in fk.columns)
    parent_end = "exactly-one" if mandatory else "zero-or-one"
    child_end = "zero-or-one" if is_unique_key(child, fk.columns) else "zero-or-more"
    return parent_end, child_end


class SchemaDiagram(ERDiagram):
    """An ERDiagram laid out left to right at its natural size.

    Left to right, a parent's many children stack down the page (which scrolls) instead of
    across it; at natural size, mermaid does not shrink a wide schema to the page width until
    its text is unreadable. mermaid-py's model has neither setting, so they are added here.
    """

    script: str  # mermaid-py's rendered source, set by _build_script

    NATURAL_WIDTH = "config:\n  er:\n    useMaxWidth: false\n"
    DIRECTION = "\n\tdirection LR"

    def _build_script(self) -> None:
        super()._build_script()
        head, separator, rest = self.script.partition("\n---\n")
        if not separator or not rest.startswith("erDiagram"):
            raise ValueError(f"mermaid-py wrote an unexpected diagram header: {self.script[:80]!r}")
        body = rest.removeprefix("erDiagram")
        self.script = f"{head}\n{self.NATURAL_WIDTH}---\nerDiagram{self.DIRECTION}{body}"


def diagram(catalog: Catalog, title: str, entities: dict[str, Detail]) -> str:
    """An erDiagram of ``entities`` (table -> detail) and every foreign key among them."""
    fks = [
        fk for fk in sorted(catalog.constraints, key=lambda c: (c.table, c.name))
        if fk.kind == "f" and fk.table in entities and fk.referred_table in entities
    ]
    linked: dict[str, set[str]] = {name: set() for name in entities}
    for fk in fks:
        linked[fk.table].update(fk.columns)
        linked[fk.referred].update(fk.referred_columns)
    built = {name: entity(catalog.table(name), entities[name], linked[name]) for name in sorted(entities)}
    links = [
        Link(built[fk.referred], built[fk.table], *cardinalities(catalog, fk), label=", ".join(fk.columns))
        for fk in fks
    ]
    return SchemaDiagram(title, list(built.values()), links).script


def neighbours(catalog: Catalog, table: str) -> set[str]:
    """Tables ``table`` references, and tables that reference it."""
    t = catalog.table(table)
    parents = {fk.referred_table for fk in t.foreign_keys if fk.referred_table}
    children = {fk.table for fk in catalog.referenced_by(table)}
    return (parents | children) - {table}

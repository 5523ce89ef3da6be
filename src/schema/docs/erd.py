"""Mermaid erDiagrams of the catalog, built with mermaid-py's model (ERDiagram, Entity, Link).

The text is rendered in the reader's browser by the handbook's own script
(docs/assets/javascripts/diagrams.js) with the mermaid.js the site serves itself (mermaid-py would
render through a web service). Mermaid's erDiagram has no ``click`` directive, so each entity's
link travels as a mermaid comment, ``%% link <table> <url path from the site root>``, that the
script reads and mermaid ignores; colours are mermaid ``classDef``/``class`` statements, so a
notebook rendering the same text shows the same colours. Every foreign key becomes one link whose cardinality is
read from the catalog: the parent end is "exactly one" when the key columns are NOT NULL and
"zero or one" otherwise; the child end is "zero or one" when the key columns are themselves
unique (a one-to-one extension table) and "zero or more" otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
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


# Fill colours of the domains, in the handbook's domain order (the revision that introduced each).
# Light fills with mermaid's dark text stay readable in both of the handbook's colour schemes;
# more domains than colours is an error rather than two domains sharing one.
DOMAIN_FILLS = ("#dbeafe", "#fde68a", "#bbf7d0", "#fecaca", "#e9d5ff", "#fed7aa", "#a5f3fc", "#f5d0fe")
# The table a page is about: a heavier border, so it stands out among its neighbours.
FOCUS_CLASS = "focus"
FOCUS_STYLE = "stroke:#1e3a8a,stroke-width:3px"
LINK_COMMENT = "%% link"
FOCUS_COMMENT = "%% focus"  # the script keeps this table in view


class HandbookDiagramError(ValueError):
    """A diagram the handbook cannot draw as asked (an unknown domain colour, a bad header)."""


@dataclass(frozen=True)
class Styling:
    """What the handbook adds to a diagram: the domain of each table (its colour), the table a
    page is about, and each table's page as a URL path from the site root."""

    domains: dict[str, str] = field(default_factory=dict)  # table -> domain
    domain_order: tuple[str, ...] = ()
    focus: str | None = None
    links: dict[str, str] = field(default_factory=dict)  # table -> URL path, e.g. "quotes/quotes/"

    def lines(self, tables: Iterable[str]) -> list[str]:
        shown = sorted(tables)
        out: list[str] = []
        used = [d for d in self.domain_order if any(self.domains.get(t) == d for t in shown)]
        for domain in used:
            position = self.domain_order.index(domain)
            if position >= len(DOMAIN_FILLS):
                raise HandbookDiagramError(f"domain {domain!r} has no colour: add one to erd.DOMAIN_FILLS")
            # "domain_" keeps a class name from ever equalling a table's (the quotes table, the quotes domain).
            out.append(f"\tclassDef domain_{domain} fill:{DOMAIN_FILLS[position]}")
            out.append(f"\tclass {','.join(t for t in shown if self.domains.get(t) == domain)} domain_{domain}")
        if self.focus is not None and self.focus in shown:
            out.append(f"\tclassDef {FOCUS_CLASS} {FOCUS_STYLE}")
            out.append(f"\tclass {self.focus} {FOCUS_CLASS}")
            out.append(f"\t{FOCUS_COMMENT} {self.focus}")
        out.extend(f"\t{LINK_COMMENT} {t} {self.links[t]}" for t in shown if t in self.links)
        return out


class SchemaDiagram(ERDiagram):
    """An ERDiagram laid out left to right, with the handbook's colours and links.

    Left to right, a parent's many children stack down the page instead of across it. The
    handbook's script fits the drawing to its box and offers pan and zoom, so mermaid is told not
    to shrink it itself (``useMaxWidth: false``): the script decides the scale, and the reader
    can zoom in. mermaid-py's model has neither setting, so they are added here.
    """

    script: str  # mermaid-py's rendered source, set by _build_script

    NATURAL_WIDTH = "config:\n  er:\n    useMaxWidth: false\n"
    DIRECTION = "\n\tdirection LR"

    def __init__(self, title: str, entities: list[Entity], links: list[Link], styling: Styling) -> None:
        self.styling = styling
        super().__init__(title, entities, links)

    def _build_script(self) -> None:
        super()._build_script()
        head, separator, rest = self.script.partition("\n---\n")
        if not separator or not rest.startswith("erDiagram"):
            raise HandbookDiagramError(f"mermaid-py wrote an unexpected diagram header: {self.script[:80]!r}")
        body = rest.removeprefix("erDiagram").rstrip("\n")
        extra = self.styling.lines(e.name for e in self.entities)
        tail = "\n" + "\n".join(extra) if extra else ""
        self.script = f"{head}\n{self.NATURAL_WIDTH}---\nerDiagram{self.DIRECTION}{body}{tail}\n"


def diagram(catalog: Catalog, title: str, entities: dict[str, Detail], styling: Styling | None = None) -> str:
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
    return SchemaDiagram(title, list(built.values()), links, styling or Styling()).script


def neighbours(catalog: Catalog, table: str) -> set[str]:
    """Tables ``table`` references, and tables that reference it."""
    t = catalog.table(table)
    parents = {fk.referred_table for fk in t.foreign_keys if fk.referred_table}
    children = {fk.table for fk in catalog.referenced_by(table)}
    return (parents | children) - {table}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class DomainBox:
    """One domain of the overview: its name (the node id and colour class), title and page URL."""

    name: str
    title: str
    url: str


def domain_overview(catalog: Catalog, domain_of: dict[str, str], boxes: list[DomainBox]) -> str:
    """A Mermaid flowchart of the domains: one box per domain (its tables and the foreign keys
    inside it), one arrow per pair of domains from the referencing domain to the referenced one,
    labelled with how many foreign keys cross. It fits where the whole-schema ERD cannot, and each
    box links to its domain's page (``%% link``, as the ERDs do)."""
    inside: dict[str, int] = {b.name: 0 for b in boxes}
    across: dict[tuple[str, str], int] = {}
    for fk in catalog.constraints:
        if fk.kind != "f" or fk.referred_table is None:
            continue
        child, parent = domain_of[fk.table], domain_of[fk.referred_table]
        if child == parent:
            inside[child] += 1
        else:
            across[(child, parent)] = across.get((child, parent), 0) + 1
    tables = {b.name: sum(1 for d in domain_of.values() if d == b.name) for b in boxes}
    lines = ["---", "title: Domains and the foreign keys between them", "---", "flowchart LR"]
    for box in boxes:
        lines.append(f'\t{box.name}["{box.title}<br/>{_count(tables[box.name], "table")}, '
                     f'{_count(inside[box.name], "foreign key")} inside"]')
    for (child, parent), count in sorted(across.items()):
        lines.append(f'\t{child} -- "{_count(count, "foreign key")}" --> {parent}')
    for position, box in enumerate(boxes):
        if position >= len(DOMAIN_FILLS):
            raise HandbookDiagramError(f"domain {box.name!r} has no colour: add one to erd.DOMAIN_FILLS")
        lines.append(f"\tclassDef domain_{box.name} fill:{DOMAIN_FILLS[position]}")
        lines.append(f"\tclass {box.name} domain_{box.name}")
    lines.extend(f"\t{LINK_COMMENT} {box.name} {box.url}" for box in boxes)
    return "\n".join(lines) + "\n"

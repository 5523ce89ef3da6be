"""The schema pages: the full ERD with its table index, one page per domain, one page per table.

A table page reads like tbls' and SchemaSpy's: what the table is for, its columns (with the
tables each column points to or is pointed at by), constraints, indexes and the query each
serves, triggers, row-level security, partitioning, referencing tables, the business rules it
carries, and a diagram of its neighbours.
"""

from __future__ import annotations

import re

from schema import pii, privileges
from schema import rules as rule_registry
from schema.catalog import Catalog, Column, Constraint, Index, Table
from schema.docs import erd, state_rules
from schema.docs import markdown as md
from schema.docs.site import (
    DATABASE_SCHEMA_PAGE,
    DEVIATIONS_PAGE,
    FUNCTIONS_PAGE,
    MIGRATIONS_PAGE,
    PERFORMANCE_PAGE,
    PII_PAGE,
    PRIVILEGES_PAGE,
    RULES_PAGE,
    Domain,
    Handbook,
    column_anchor,
    domain_description,
    index_anchor,
)

CONSTRAINT_ORDER = {"p": 0, "u": 1, "f": 2, "c": 3, "x": 4}
# Partitions named <parent>_p<digits> are made relative to the clock; their names are not documented.
DATED_SUFFIX = re.compile(r"_p(\d{4}|\d{6}|\d{8})$")
RANGE_BOUND = re.compile(r"FROM \('(\d{4})-(\d{2})-(\d{2})[^']*'\) TO \('(\d{4})-(\d{2})-(\d{2})[^']*'\)")
DATE_PATTERN = {4: "YYYY", 6: "YYYYMM", 8: "YYYYMMDD"}


# --- columns --------------------------------------------------------------------------------------


def _default(col: Column) -> str:
    if col.default is None:
        return md.NONE
    return f"generated: {md.code(col.default)}" if col.is_generated else md.code(col.default)


def _relations(hb: Handbook, page: str, table: Table, col: Column) -> str:
    """Parents this column points to (→) and children that point at it (←), each once.

    A self-referencing composite key maps a column onto itself (quotes (parent_quote_id,
    customer_id) → quotes (id, customer_id): a requote has its parent's customer). That pair is a
    "same value as the parent row" condition, not a relation of the column to itself, so it is left
    out here; the foreign key's row under Constraints shows the whole mapping."""
    parts = [
        f"→&nbsp;{hb.table_link(page, fk.referred, column_anchor(ref), f'{fk.referred}.{ref}')}"
        for fk in table.foreign_keys
        for own, ref in zip(fk.columns, fk.referred_columns, strict=True)
        if own == col.name and not (fk.referred_table == table.name and ref == own)
    ]
    parts += [
        f"←&nbsp;{hb.table_link(page, fk.table, column_anchor(own), f'{fk.table}.{own}')}"
        for fk in sorted(hb.catalog.referenced_by(table.name), key=lambda c: (c.table, c.name))
        for own, ref in zip(fk.columns, fk.referred_columns, strict=True)
        if ref == col.name and not (fk.table == table.name and ref == own)
    ]
    return "<br>".join(dict.fromkeys(parts))


def columns_section(hb: Handbook, page: str, table: Table) -> str:
    rows = [
        (
            md.code(col.name, column_anchor(col.name)),
            md.code(erd.short_type(col.data_type)),
            hb.prose(page, col.comment),
            "no" if col.not_null else "yes",
            _default(col),
            _relations(hb, page, table, col),
        )
        for col in sorted(table.columns, key=lambda c: c.position)
    ]
    # What a column is for (its comment) reads right after its name and type.
    return "## Columns\n\n" + md.table(("Name", "Type", "Comment", "Nullable", "Default", "Parents / children"), rows)


# --- constraints, indexes, triggers, policies ---------------------------------------------------


def _constraint_definition(hb: Handbook, page: str, con: Constraint) -> str:
    if con.kind != "f" or con.referred_table is None:
        return md.code(con.definition)
    target = hb.table_link(page, con.referred_table)
    return f"{md.code(', '.join(con.columns))} → {target} ({md.code(', '.join(con.referred_columns))}), ON DELETE {con.on_delete}"


def enforced_rules(name: str) -> list[str]:
    """Ids of the registered rules whose ``implemented_by`` names this constraint (or trigger, index)."""
    return sorted(r.id for r in rule_registry.RULES.values() if name in r.implemented_by)


def _rule_and_comment(hb: Handbook, page: str, name: str, comment: str | None) -> str:
    """The object's comment, then each rule the registry says it enforces and the comment does not cite."""
    cited = rule_registry.cited_rule_ids(comment)
    parts = [hb.prose(page, comment)] if comment else []
    parts += [
        f"enforces {hb.rule_link(page, rid)}: {md.text(rule_registry.RULES[rid].statement)}"
        for rid in enforced_rules(name) if rid not in cited
    ]
    return "<br>".join(parts) or md.NONE


def constraints_section(hb: Handbook, page: str, table: Table) -> str:
    ordered = sorted(table.constraints, key=lambda c: (CONSTRAINT_ORDER[c.kind], c.name))
    rows = [
        (
            md.code(con.name, con.name),
            con.kind_name + ("" if con.validated else " (NOT VALID)"),
            _rule_and_comment(hb, page, con.name, con.comment),
            _constraint_definition(hb, page, con),
        )
        for con in ordered
    ]
    return "## Constraints\n\n" + (md.table(("Name", "Type", "Rule and comment", "Definition"), rows) if rows else "None.")


def _measured(hb: Handbook, page: str, index_name: str) -> str:
    """The query patterns measured on this index at full scale, each linked to its report row."""
    return "<br>".join(
        f"measured: {md.link(md.code(m.pattern), md.href(page, PERFORMANCE_PAGE, m.pattern))} "
        + (f"**{m.speedup:,.1f}x** at full scale ({m.ms_with:.3f} ms with the index, {m.ms_without:.3f} ms without)"
           if m.speedup is not None and m.ms_with is not None and m.ms_without is not None else "(plan checked, not timed)")
        for m in hb.measured_for(index_name)
    )


def _index_serves(hb: Handbook, page: str, index: Index) -> str:
    if index.constraint_name is not None:
        backing = f"backs {md.link(md.code(index.constraint_name), md.href(page, page, index.constraint_name))}"
        serves = backing + (f"; {hb.prose(page, index.comment)}" if index.comment else "")
    else:
        serves = hb.prose(page, index.comment) if index.comment else "*no query pattern recorded (COMMENT ON INDEX)*"
    measured = _measured(hb, page, index.name)
    return serves + (f"<br>{measured}" if measured else "")


def indexes_section(hb: Handbook, page: str, table: Table) -> str:
    rows = [
        (
            md.code(index.name, index_anchor(index.name)),
            md.code(index.definition.split(" USING ", 1)[-1]),
            "yes" if index.is_unique else "no",
            _index_serves(hb, page, index),
        )
        for index in sorted(table.indexes, key=lambda i: i.name)
    ]
    return "## Indexes\n\n" + (md.table(("Name", "Method and keys", "Unique", "Query pattern it serves"), rows) if rows else "None.")


def triggers_section(hb: Handbook, page: str, table: Table) -> str:
    if not table.triggers:
        return ""
    rows = [
        (
            md.code(tr.name, tr.name),
            md.code(tr.definition.split(f" {tr.name} ", 1)[-1].split(" EXECUTE ", 1)[0]),
            md.link(md.code(f"{tr.function_name}()"), md.href(page, FUNCTIONS_PAGE, tr.function_name)),
            _rule_and_comment(hb, page, tr.name, tr.comment),
        )
        for tr in sorted(table.triggers, key=lambda t: t.name)
    ]
    return "## Triggers\n\n" + md.table(("Name", "When", "Function", "Rule and comment"), rows)


def rls_section(table: Table) -> str:
    if not table.rls_enabled and not table.policies:
        return "### Row-level security\n\nRow-level security is **disabled**: the grants above decide alone."
    state = "enabled" + (" and forced (applies to the table owner too)" if table.rls_forced else "")
    lead = f"Row-level security is **{state if table.rls_enabled else 'disabled'}**."
    rows = [
        (
            md.code(p.name, p.name),
            p.command,
            ", ".join(md.code(r) for r in sorted(p.roles)),
            p.permissive.lower(),
            md.code(p.using_expression),
            md.code(p.check_expression),
        )
        for p in sorted(table.policies, key=lambda p: p.name)
    ]
    policies = md.table(("Policy", "Command", "Roles", "Kind", "USING", "WITH CHECK"), rows) if rows else "No policy: nobody but the owner sees a row."
    return f"### Row-level security\n\n{lead}\n\n{policies}"


def privileges_rows(hb: Handbook, table: Table) -> str:
    """The table's row of the privilege matrix, as granted at head (live ACLs)."""
    matrix = privileges.actual(hb.catalog)
    cells = [md.text(privileges.cell_text(hb.catalog, matrix, table.name, role)) for role in privileges.ROLES]
    owner_only = ", ".join(md.code(c) for c in privileges.secret_columns(table)) or md.NONE
    profile = md.text(privileges.TABLE_PROFILES.get(table.name, "undeclared"))
    lead = (
        "Its row of the privilege matrix, read from the catalog's ACLs at head "
        f"({md.link('the whole matrix', md.href(hb.table_page(table.name), PRIVILEGES_PAGE, table.name))}; "
        "the profile is the design declared with the table's model (`schema.models.design`, read by "
        "`schema.privileges.TABLE_PROFILES`), which `tests/test_privileges.py` holds the grants to)."
    )
    return f"{lead}\n\n" + md.table(("Profile", *privileges.ROLES, "Owner-only columns"), [(profile, *cells, owner_only)])


def pii_rows(hb: Handbook, page: str, table: Table) -> str:
    if table.name not in pii.CLASSIFICATION:
        return ""
    by_class: dict[str, list[str]] = {}
    for col in sorted(table.columns, key=lambda c: c.position):
        cls = pii.classification(table.name, col.name)
        by_class.setdefault(cls or "not classified", []).append(md.link(md.code(col.name), md.href(page, page, column_anchor(col.name))))
    rows = [
        (md.code(cls), ", ".join(cols), md.text(pii.WHY[cls]) if cls in pii.WHY else md.NONE,
         ", ".join(md.code(r) for r in sorted(pii.READERS[cls])) if cls in pii.READERS else md.NONE)
        for cls, cols in by_class.items()
    ]
    return (
        f"### PII classification\n\nFrom `schema.pii` ({md.link('PII by need to know', md.href(page, PII_PAGE, table.name))}).\n\n"
        + md.table(("Class", "Columns", "Meaning", "Readers"), rows)
    )


def access_section(hb: Handbook, page: str, table: Table) -> str:
    """Who may read or write the table: its grants, the PII class of its columns, its RLS policies."""
    return "\n\n".join(block for block in (
        "## Access",
        privileges_rows(hb, table),
        pii_rows(hb, page, table),
        rls_section(table),
    ) if block)


# --- partitions ---------------------------------------------------------------------------------


def _months(bound: str) -> int | None:
    """Length of a FROM/TO date range in months, None when it is not whole months."""
    match = RANGE_BOUND.search(bound)
    if match is None:
        return None
    y1, m1, d1, y2, m2, d2 = (int(g) for g in match.groups())
    return (y2 - y1) * 12 + (m2 - m1) if d1 == d2 == 1 else None


def describe_partitions(page: str, table: Table) -> list[str]:
    """The partitioning rule in words: clock-made partitions by name pattern, never by name."""
    dated = [p for p in table.partitions if DATED_SUFFIX.search(p.name) and p.name.startswith(table.name)]
    fixed = [p for p in table.partitions if p not in dated]
    lines = []
    if dated:
        digits = len(DATED_SUFFIX.findall(dated[0].name)[0])
        pattern = f"{table.name}_p{DATE_PATTERN[digits]}"
        spans = {_months(p.bound) for p in dated}
        periods: dict[frozenset[int | None], str] = {frozenset({1}): "one calendar month", frozenset({12}): "one calendar year"}
        period = periods.get(frozenset(spans), "a range")
        lines.append(
            f"Range partitions named {md.code(pattern)}, each covering {period} of the partition key. They are "
            "created ahead of time relative to the current date (and old ones detached) by the partition "
            f"maintenance job (see {md.link('functions', md.href(page, FUNCTIONS_PAGE))}), so their names depend on the day and are not listed here."
        )
    for p in sorted(fixed, key=lambda p: p.name):
        role = "receives every row no other partition covers, so no row is ever refused" if p.is_default else "fixed range"
        lines.append(f"{md.code(p.name)}: {md.code(p.bound)}, {role}.")
    return lines


def partitions_section(page: str, table: Table) -> str:
    if not table.is_partitioned:
        return ""
    items = [f"- {line}" for line in describe_partitions(page, table)] or ["- No partition is attached: every insert is refused until one is."]
    return f"## Partitions\n\nPartitioned by {md.code(table.partition_key)}.\n\n" + "\n".join(items)


# --- relations and rules ------------------------------------------------------------------------


def referenced_by_section(hb: Handbook, page: str, table: Table) -> str:
    fks = sorted(hb.catalog.referenced_by(table.name), key=lambda c: (c.table, c.name))
    if not fks:
        return "## Referenced by\n\nNo foreign key points at this table."
    rows = [
        (
            hb.table_link(page, fk.table),
            md.link(md.code(fk.name), md.href(page, hb.table_page(fk.table), fk.name)),
            md.code(", ".join(fk.columns)) + " → " + md.code(", ".join(fk.referred_columns)),
            fk.on_delete or md.NONE,
        )
        for fk in fks
    ]
    return "## Referenced by\n\n" + md.table(("Table", "Foreign key", "Columns", "ON DELETE"), rows)


def table_objects(table: Table) -> set[str]:
    """Names under which rules may cite this table or something on it."""
    names = {table.name, *(f"{table.name}.{c.name}" for c in table.columns)}
    names.update(c.name for c in table.constraints)
    names.update(i.name for i in table.indexes)
    names.update(t.name for t in table.triggers)
    names.update(p.name for p in table.policies)
    return names


def table_comments(table: Table) -> list[str | None]:
    return [
        table.comment,
        *(c.comment for c in table.columns),
        *(c.comment for c in table.constraints),
        *(i.comment for i in table.indexes),
        *(t.comment for t in table.triggers),
    ]


def rules_section(hb: Handbook, page: str, table: Table) -> str:
    objects = table_objects(table)
    cited = set().union(*(rule_registry.cited_rule_ids(c) for c in table_comments(table)))
    ids = sorted(cited | {r.id for r in rule_registry.RULES.values() if objects & set(r.implemented_by)})
    if not ids:
        return ""
    rows = [
        (hb.rule_link(page, rid), md.text(rule_registry.RULES[rid].statement) if rid in rule_registry.RULES else md.NONE)
        for rid in ids
    ]
    return "## Business rules\n\n" + md.table(("Rule", "Statement"), rows)


def page_url(page: str) -> str:
    """The URL path of a docs page from the site root, as mkdocs writes it (use_directory_urls):
    quotes/quotes.md -> quotes/quotes/, quotes/index.md -> quotes/."""
    stem = page.removesuffix(".md")
    return "" if stem == "index" else stem.removesuffix("/index").removesuffix("index") + "/"


def diagram_styling(hb: Handbook, focus: str | None = None) -> erd.Styling:
    """Every table coloured by its domain and linked to its page; ``focus`` drawn heavier."""
    return erd.Styling(
        domains=dict(hb.domain_of),
        domain_order=tuple(d.name for d in hb.domains),
        focus=focus,
        links={t: page_url(hb.table_page(t)) for t in hb.domain_of},
    )


def relations_section(hb: Handbook, table: Table) -> str:
    entities = dict.fromkeys(erd.neighbours(hb.catalog, table.name), erd.Detail.KEYS)
    entities[table.name] = erd.Detail.COLUMNS
    diagram = erd.diagram(hb.catalog, f"{table.name} and its neighbours", entities, diagram_styling(hb, table.name))
    return "## Relations\n\n" + md.mermaid(diagram)


def _facts(hb: Handbook, page: str, table: Table) -> str:
    domain = hb.domain(hb.domain_of[table.name])
    pk = table.primary_key
    facts = [
        f"**Domain:** {md.link(domain.title, md.href(page, domain.page))}",
        f"**Primary key:** {md.code(', '.join(pk.columns)) if pk else 'none'}",
        f"**Columns:** {len(table.columns)}",
        f"**Row-level security:** {'on' if table.rls_enabled else 'off'}",
        f"**Partitioned:** {'yes' if table.is_partitioned else 'no'}",
    ]
    return " · ".join(facts)


def table_page(hb: Handbook, table: Table) -> str:
    page = hb.table_page(table.name)
    return md.page(
        table.name,
        hb.prose(page, table.comment),
        _facts(hb, page, table),
        columns_section(hb, page, table),
        constraints_section(hb, page, table),
        indexes_section(hb, page, table),
        triggers_section(hb, page, table),
        access_section(hb, page, table),
        partitions_section(page, table),
        referenced_by_section(hb, page, table),
        rules_section(hb, page, table),
        relations_section(hb, table),
    )


# --- domains and the whole schema ---------------------------------------------------------------


# The from_status of a lifecycle row that creates the thing (quote_status_transitions: 'new').
CREATION_STATUS = "new"


def state_diagram(table: str, transitions: list[tuple[str | None, str, str]]) -> str:
    """A Mermaid state diagram of a lifecycle table: creation from [*], terminal states to [*].

    Creation is spelled two ways: 008's quote lifecycle writes it as the status 'new', 007's claim
    and policy lifecycles as a NULL from_status."""
    leaving = {f for f, _t, _r in transitions if f is not None}
    lines = ["stateDiagram-v2"]
    for from_status, to_status, rule_id in transitions:
        start = "[*]" if from_status is None or from_status == CREATION_STATUS else from_status
        lines.append(f"    {start} --> {to_status} : {rule_id}")
    for terminal in sorted({t for _f, t, _r in transitions} - leaving):
        lines.append(f"    {terminal} --> [*]")
    return md.mermaid("\n".join(lines))


def lifecycle_section(hb: Handbook, domain: Domain) -> str:
    blocks = [
        f"### {md.code(name)}\n\nGenerated from the table's rows: each arrow is an allowed status change and the "
        f"rule that allows it; a status with an arrow to the end is terminal.\n\n{state_diagram(name, rows)}"
        for name, rows in hb.lifecycles.items() if name in domain.tables
    ]
    return "## Lifecycles\n\n" + "\n\n".join(blocks) if blocks else ""


def domain_page(hb: Handbook, domain: Domain) -> str:
    page = domain.page
    own = dict.fromkeys(domain.tables, erd.Detail.COLUMNS)
    foreign = {n: erd.Detail.NAME for t in domain.tables for n in erd.neighbours(hb.catalog, t) if n not in own}
    tables = md.table(
        ("Table", "Comment"),
        [(hb.table_link(page, t.name), hb.prose(page, t.comment)) for t in hb.tables_in(domain)],
    )
    rules = (
        f"{len(domain.rules)} business rules ({md.link('rules', md.href(page, RULES_PAGE, domain.name))}) "
        f"and {len(domain.deviations)} deviations from the seed "
        f"({md.link('deviations', md.href(page, DEVIATIONS_PAGE, domain.name))})."
    )
    diagram = (
        md.mermaid(erd.diagram(hb.catalog, f"{domain.title} domain", {**foreign, **own}, diagram_styling(hb)))
        + ("\n\nBoxes without columns belong to other domains." if foreign else "")
    ) if domain.tables else "No table of this domain is in the database yet."
    return md.page(
        domain.title,
        hb.paragraphs(page, domain_description(domain.name)) if domain.tables else "",
        rules,
        "## Tables\n\n" + tables if domain.tables else "",
        "## Entity-relationship diagram\n\n" + diagram,
        lifecycle_section(hb, domain),
        state_rules.section(hb.state_rules) if domain.name == state_rules.DOMAIN else "",
    )


def relationships_table(hb: Handbook, page: str, catalog: Catalog) -> str:
    shapes = {"zero-or-more": "many-to-one", "zero-or-one": "one-to-one"}
    presence = {"exactly-one": "required", "zero-or-one": "optional"}
    rows = []
    for fk in sorted(catalog.constraints, key=lambda c: (c.table, c.name)):
        if fk.kind != "f" or fk.referred_table is None:
            continue
        parent_end, child_end = erd.cardinalities(catalog, fk)
        rows.append((
            hb.table_link(page, fk.table),
            md.link(md.code(fk.name), md.href(page, hb.table_page(fk.table), fk.name)),
            hb.table_link(page, fk.referred_table),
            f"{shapes[child_end]}, {presence[parent_end]}",
            fk.on_delete or md.NONE,
        ))
    return md.table(("Child", "Foreign key", "Parent", "Cardinality", "ON DELETE"), rows)


def domain_overview(hb: Handbook) -> str:
    """The domains as boxes and the foreign keys between them (erd.domain_overview)."""
    boxes = [erd.DomainBox(d.name, d.title, page_url(d.page)) for d in hb.domains if d.tables]
    return erd.domain_overview(hb.catalog, hb.domain_of, boxes)


def domain_legend(hb: Handbook, page: str) -> str:
    """The colour of each domain in the whole-schema diagram, each linked to its domain page."""
    items = [
        f'<span class="domain-swatch" style="background:{erd.DOMAIN_FILLS[i]}"></span> '
        f"{md.link(d.title, md.href(page, d.page))}"
        for i, d in enumerate(hb.domains) if d.tables
    ]
    return "Domains: " + " · ".join(items)


def database_schema_page(hb: Handbook) -> str:
    page = DATABASE_SCHEMA_PAGE
    catalog = hb.catalog
    head = hb.revisions[-1].revision if hb.revisions else "none"
    lead = (
        f"Every table of the schema at revision {md.link(md.code(head), md.href(page, MIGRATIONS_PAGE, head))}: "
        f"{len(catalog.tables)} tables in {sum(1 for d in hb.domains if d.tables)} domains, "
        f"{sum(1 for c in catalog.constraints if c.kind == 'f')} foreign keys. "
        "Columns show their PostgreSQL type and key markers: PK primary key, FK foreign key, UK unique. "
        "The diagram shows key columns only, coloured by domain; drag to pan, scroll or use the buttons to zoom, "
        "and click a box to open its table's page. Each domain page draws its tables with every column."
    )
    index = md.table(
        ("Table", "Domain", "Columns", "Comment"),
        [
            (
                hb.table_link(page, name),
                md.link(hb.domain(hb.domain_of[name]).title, md.href(page, hb.domain(hb.domain_of[name]).page)),
                str(len(catalog.table(name).columns)),
                hb.prose(page, catalog.table(name).comment),
            )
            for name in sorted(catalog.tables)
        ],
    )
    full = erd.diagram(catalog, "Database schema", dict.fromkeys(catalog.tables, erd.Detail.KEYS), diagram_styling(hb))
    return md.page(
        "Database schema",
        lead,
        "## Entity-relationship diagram\n\n" + domain_legend(hb, page) + "\n\n" + md.mermaid(full),
        "## Domains\n\nWhich domain references which, and how many foreign keys cross (click a domain to open its "
        "page, where its tables are drawn with every column).\n\n" + md.mermaid(domain_overview(hb)),
        "## Tables\n\n" + index,
        "## Relationships\n\n" + relationships_table(hb, page, catalog),
    )

"""The "scaling out" handbook page: what a Citus cluster would need from today's schema.

On paper, but backed by the live catalog: the plan below says which tables would be distributed
(and by which column) and which replicated as reference tables; everything else on the page is
derived from the catalog of a database at head, so it changes when the schema does. Blockers are
the constraints Citus cannot enforce across shards: a PRIMARY KEY / UNIQUE that does not contain
the distribution column, a foreign key between distributed tables that does not carry the
distribution column on both sides, a foreign key from a reference table to a distributed one,
and a distribution column that is missing or nullable. Sizes at 100 TB scale the proportions
measured in the database (seed it at full scale first) and read retention from partition_policies.

Integrator: ``page(conn)`` returns the Markdown of docs/scaling_out.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from schema import catalog
from schema.models import metadata
from schema.models.design import Distributed, Replicated, designs

TARGET_BYTES = 100 * 10**12  # 100 TB
SHARD_COUNT = 128  # Citus' default is 32; 128 leaves room to grow to 32+ workers without resharding
PARTITION_SHARD_LIMIT = 50 * 2**30  # above ~50 GiB per partition shard, VACUUM and index builds get long

# The plan is declared next to each model (the ``info`` of its ``__table_args__``,
# schema.models.design) and read here in the metadata's foreign-key order (a parent before its
# children). The tenant is the customer: a customer's quotes, policies and claims live on one
# shard, so the customer portal and quote service run single-shard, and joins among them are
# co-located. Append-only logs have no customer column and NULL-able actors: distributed by their
# own id, which spreads writes evenly; their queries fan out to every shard, each pruning partitions.
PLAN = designs(metadata)
DISTRIBUTED: dict[str, Distributed] = {t: d.placement for t, d in PLAN.items() if isinstance(d.placement, Distributed)}
# Tables distributed by the customer: co-located, so foreign keys among them can be enforced.
TENANT_GROUP = frozenset(t for t, p in DISTRIBUTED.items() if (t, p.column) == ("customers", "id") or p.column == "customer_id")
REFERENCE_WHY = "small, read by every shard's joins and checks, changed rarely: a copy on every node"
REFERENCE: tuple[str, ...] = tuple(t for t, d in PLAN.items() if isinstance(d.placement, Replicated))


@dataclass(frozen=True)
class Blocker:
    table: str
    constraint: str
    problem: str
    change: str


def unplanned(cat: catalog.Catalog) -> list[str]:
    """Tables of the schema the plan does not place: in the catalog without a model (a model
    without a placement is refused by schema.models.design.designs)."""
    return sorted(set(cat.tables) - set(DISTRIBUTED) - set(REFERENCE))


def _dist(table: str) -> str | None:
    return DISTRIBUTED[table].column if table in DISTRIBUTED else None


def blockers(cat: catalog.Catalog) -> list[Blocker]:
    """Every constraint of today's schema that a Citus distribution along the plan would refuse."""
    out: list[Blocker] = []
    for name, placement in DISTRIBUTED.items():
        if name not in cat.tables:
            continue
        column = placement.column
        table = cat.table(name)
        names = {c.name for c in table.columns}
        if column not in names:
            out.append(
                Blocker(
                    name,
                    f"{name}.{column}",
                    "the distribution column does not exist",
                    f"add {column} NOT NULL (filled from the parent row) and make the FK to the parent composite, carrying {column}",
                )
            )
        elif not table.column(column).not_null:
            out.append(
                Blocker(
                    name,
                    f"{name}.{column}",
                    "the distribution column is nullable",
                    f"make {column} NOT NULL or distribute by another column",
                )
            )
        for con in table.constraints:
            if con.kind in ("p", "u") and column not in con.columns:
                if con.kind == "u":
                    keys = ", ".join(con.columns)
                    change = (
                        f"global uniqueness of ({keys}) cannot be checked per shard: move it to a lookup table "
                        f"keyed by ({keys}) holding {column} (distributed by that key, or a reference table "
                        "while small), written in the same transaction; a DB-generated number stays unique by "
                        "its generator"
                    )
                else:
                    change = f"make it PRIMARY KEY ({column}, {', '.join(con.columns)})"
                out.append(Blocker(name, con.name, f"{con.kind_name} ({', '.join(con.columns)}) lacks {column}", change))
        for idx in table.indexes:
            if idx.is_unique and not idx.constraint_name and column not in idx.key_columns:
                out.append(
                    Blocker(name, idx.name, f"UNIQUE index ({', '.join(idx.key_columns)}) lacks {column}", f"add {column} to the index")
                )
    for fk in cat.constraints:
        if fk.kind != "f":
            continue
        child, parent = _dist(fk.table), _dist(fk.referred_table or "")
        if fk.table in REFERENCE and parent is not None:
            out.append(
                Blocker(
                    fk.table,
                    fk.name,
                    f"reference table {fk.table} points at distributed {fk.referred_table}",
                    "drop the FK (check in the application) or distribute the referencing table too",
                )
            )
        elif child is not None and parent is not None and not (fk.table in TENANT_GROUP and fk.referred_table in TENANT_GROUP):
            out.append(
                Blocker(
                    fk.table,
                    fk.name,
                    f"{fk.table} (by {child}) and {fk.referred_table} (by {parent}) are not co-located: Citus enforces "
                    "foreign keys only between co-located tables",
                    "drop the FK and let the writer guarantee it (an event names the quote it was emitted for), or carry "
                    f"customer_id on {fk.table} and distribute it with the customer group",
                )
            )
        elif child is not None and parent is not None:
            pairs = dict(zip(fk.columns, fk.referred_columns, strict=True))
            if pairs.get(child) != parent:
                out.append(
                    Blocker(
                        fk.table,
                        fk.name,
                        f"FK ({', '.join(fk.columns)}) -> {fk.referred_table} ({', '.join(fk.referred_columns)}) "
                        "does not carry the distribution column on both sides",
                        f"FK ({', '.join(dict.fromkeys([*fk.columns, child]))}) -> {fk.referred_table} "
                        f"({', '.join(dict.fromkeys([*fk.referred_columns, parent]))}) with a UNIQUE on the parent's columns",
                    )
                )
    return out


def retention(conn: sa.Connection) -> dict[str, tuple[int, str]]:
    """Months kept per partitioned table and the rule that says so (partition_policies)."""
    rows = conn.execute(sa.text("SELECT parent_table, retention_months, rule_id FROM partition_policies")).mappings()
    return {r["parent_table"]: (int(r["retention_months"]), r["rule_id"]) for r in rows}


def _gib(n: float) -> str:
    return f"{n / 2**40:,.1f} TiB" if n >= 2**40 else f"{n / 2**30:,.1f} GiB"


def size_table(cat: catalog.Catalog, measured: dict[str, catalog.TableSize], kept: dict[str, tuple[int, str]]) -> list[str]:
    total = sum(s.bytes for name, s in measured.items() if name in cat.tables)
    if total == 0 or not any(s.rows for s in measured.values()):
        return ["No rows to measure: run `schema seed volume --scale full` and regenerate this page."]
    lines = [
        "| table | share of bytes today | at 100 TB | bytes/row | retention | per monthly partition | "
        f"per partition shard ({SHARD_COUNT} shards) | advice |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(cat.tables, key=lambda n: -measured.get(n, catalog.TableSize(0, 0)).bytes):
        size = measured.get(name)
        if size is None or size.bytes * 1000 < total:  # under 0.1 %: not a sizing question
            continue
        share = size.bytes / total
        at_target = share * TARGET_BYTES
        per_row = size.bytes / size.rows if size.rows else 0
        row = [name, f"{share:.1%}", _gib(at_target), f"{per_row:,.0f}"]
        if cat.table(name).is_partitioned and name in kept:
            months, rule = kept[name]
            monthly = at_target / months
            per_shard = monthly / (SHARD_COUNT if name in DISTRIBUTED else 1)
            advice = (
                "monthly partitions are fine"
                if per_shard <= PARTITION_SHARD_LIMIT
                else "split partitions weekly: a month per shard exceeds 50 GiB"
            )
            row += [f"{months} months ({rule})", _gib(monthly), _gib(per_shard), advice]
        else:
            per_shard = at_target / (SHARD_COUNT if name in DISTRIBUTED else 1)
            row += [
                "kept",
                "–",
                _gib(per_shard) + " per shard" if name in DISTRIBUTED else "reference copy",
                "" if name in DISTRIBUTED or at_target < 100 * 2**30 else "too large for a reference table",
            ]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "Shares are today's bytes (heap, TOAST and indexes) in this database; the 100 TB is split in the "
        "same proportions, and a partitioned table's bytes over its retention give a month's partition.",
    ]
    return lines


def placement_diagram(cat: catalog.Catalog) -> str:
    """The plan as a Mermaid flowchart: one group per distribution (tables sharing a distribution
    column of the tenant are co-located), the reference tables as one replicated group, and the
    foreign keys among distributed tables as arrows, so a reader sees which joins stay on a shard."""
    groups: dict[str, list[str]] = {}
    for table, placement in DISTRIBUTED.items():
        if table not in cat.tables:
            continue
        key = "tenant" if table in TENANT_GROUP else f"{table}_{placement.column}"
        groups.setdefault(key, []).append(table)
    lines = ["---", "title: Shard placement (128 shards)", "---", "flowchart LR"]
    for key, tables in groups.items():
        if key == "tenant":
            label = "co-located by customer: one customer's rows on one shard"
        else:
            label = f"by {DISTRIBUTED[tables[0]].column}: spread evenly over the shards"
        lines.append(f'\tsubgraph {key}["{label}"]')
        lines.extend(f'\t\t{t}["{t}<br/>by {DISTRIBUTED[t].column}"]' for t in tables)
        lines.append("\tend")
    reference = [t for t in REFERENCE if t in cat.tables]
    if reference:
        lines.append('\tsubgraph reference["reference tables: a copy on every node"]')
        lines.append(f'\t\treference_tables["{"<br/>".join(reference)}"]')
        lines.append("\tend")
    distributed = {t for tables in groups.values() for t in tables}
    arrows = sorted(
        {
            (fk.table, fk.referred_table)
            for fk in cat.constraints
            if fk.kind == "f" and fk.table in distributed and fk.referred_table in distributed and fk.table != fk.referred_table
        }
    )
    lines.extend(f"\t{child} --> {parent}" for child, parent in arrows)
    return "```mermaid\n" + "\n".join(lines) + "\n```"


def markdown(cat: catalog.Catalog, measured: dict[str, catalog.TableSize], kept: dict[str, tuple[int, str]]) -> str:
    found = blockers(cat)
    lines = [
        "# Scaling out",
        "",
        "What the schema would need to run on a Citus cluster (PostgreSQL with sharded tables), generated by "
        "`schema.perf.scaling` from the live catalog. It is a design on paper: nothing here is deployed. "
        "Until a single node is the limit (see the PgBouncer and throughput benchmarks), PgBouncer in "
        "transaction mode in front of one primary plus read replicas is the cheaper answer.",
        "",
        "## Distributed tables",
        "",
        "| table | distribution column | why |",
        "|---|---|---|",
        *(f"| {t} | `{p.column}` | {p.why} |" for t, p in DISTRIBUTED.items() if t in cat.tables),
        "",
        "## Reference tables",
        "",
        f"Replicated to every node ({REFERENCE_WHY}): " + ", ".join(f"`{t}`" for t in REFERENCE if t in cat.tables) + ".",
        "",
        "`quote_number_counters` deserves a word: since revision 012 it is read-only (quote numbers come from a "
        "sequence per year, quote_number_seq_YYYY, QUO-003), so it costs a distributed cluster nothing. The "
        "sequences live on the coordinator: distributed quotes would take their numbers there (one round trip per "
        "insert) or from per-shard ranges of a year's numbers.",
        "",
        "## Shard placement",
        "",
        "Each box is a distributed table and the column it is sharded by; an arrow is a foreign key between "
        "distributed tables (inside the customer group it stays on one shard; across groups Citus cannot enforce it, "
        "see below).",
        "",
        placement_diagram(cat),
        "",
    ]
    if missing := unplanned(cat):
        lines += ["**Not yet placed** (decide before distributing): " + ", ".join(missing), ""]
    lines += ["## What today's constraints would block, and the change", ""]
    if found:
        lines += ["| table | constraint | why Citus refuses it | change |", "|---|---|---|---|"]
        lines += [f"| {b.table} | `{b.constraint}` | {b.problem} | {b.change} |" for b in found]
    else:
        lines.append("Nothing: every constraint already carries its distribution column.")
    triggers = [tr for t in DISTRIBUTED if t in cat.tables for tr in cat.table(t).triggers]
    if triggers:
        lines += [
            "",
            "Triggers on distributed tables run on the shards (Citus `enable_unsafe_triggers`); those that "
            "read or write other tables must only touch co-located shards or reference tables:",
            "",
            *(f"- `{tr.name}` on {tr.table} ({tr.function_name})" for tr in triggers),
        ]
    policied = [t for t in DISTRIBUTED if t in cat.tables and cat.table(t).policies]
    if policied:
        lines += [
            "",
            "Row-level security policies on distributed tables must be created through the coordinator so "
            "they reach every shard: " + ", ".join(policied) + ".",
        ]
    lines += ["", "## Partition sizes and retention at 100 TB", "", *size_table(cat, measured, kept), ""]
    return "\n".join(lines)


def page(conn: sa.Connection) -> str:
    """The page for a database at head (seeded, for the size section)."""
    cat = catalog.read(conn)
    return markdown(cat, catalog.table_sizes(conn), retention(conn))

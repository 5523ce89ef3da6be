"""The reference pages: business rules, deviations from the seed, functions, migrations.

Rules and deviations come from the registry (schema.rules), grouped by the domain module that
declares them; every object a rule names links to where the catalog documents it, and every
comment that cites a rule is listed under it, so a reader can go from a rule to its enforcement
and back.
"""

from __future__ import annotations

from collections import defaultdict

from schema.catalog import Catalog, Constraint, Index, Trigger
from schema.docs import markdown as md
from schema.docs.schema_sql_page import revision_schema_sql
from schema.docs.site import DEVIATIONS_PAGE, FUNCTIONS_PAGE, MIGRATIONS_PAGE, RULES_PAGE, Handbook, column_anchor, index_anchor, rule_anchor
from schema.rules import cited_rule_ids


def citations(hb: Handbook) -> dict[str, list[tuple[str, str, str | None]]]:
    """Rule id -> (label, page, anchor) of every catalog comment that cites it."""
    cited: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)

    def note(comment: str | None, label: str, page: str, anchor: str | None) -> None:
        for rule_id in sorted(cited_rule_ids(comment)):
            cited[rule_id].append((label, page, anchor))

    for t in sorted(hb.catalog.tables.values(), key=lambda t: t.name):
        page = hb.table_page(t.name)
        note(t.comment, t.name, page, None)
        for c in t.columns:
            note(c.comment, f"{t.name}.{c.name}", page, column_anchor(c.name))
        objects: list[Constraint | Trigger] = [*t.constraints, *t.triggers]
        for obj in objects:
            note(obj.comment, obj.name, page, obj.name)
        for index in t.indexes:
            note(index.comment, index.name, page, index_anchor(index.name))
    for f in hb.catalog.functions:
        note(f.comment, f"{f.name}()", FUNCTIONS_PAGE, f.name)
    return cited


def rules_page(hb: Handbook) -> str:
    page = RULES_PAGE
    cited = citations(hb)
    blocks = [
        "Every business rule the schema cites, by domain. *Implemented by* lists the catalog objects the "
        "registry says enforce the rule; *cited in* lists every catalog comment that names it."
    ]
    for domain in hb.domains:
        lines = [f"## {domain.title} {{#{domain.name}}}"]
        if not domain.rules:
            lines.append(f"No rule is registered for this domain (schema.rules.{domain.name}).")
        for rule in domain.rules:
            implemented = ", ".join(hb.object_link(page, name, f"rule {rule.id}") for name in rule.implemented_by)
            cites = ", ".join(md.link(md.code(label), md.href(page, p, a)) for label, p, a in cited.get(rule.id, []))
            lines += [
                f"### {rule.id} {{#{rule_anchor(rule.id)}}}",
                md.text(rule.statement),
                f"- **Source:** {md.text(rule.source)}\n"
                f"- **Implemented by:** {implemented or md.NONE}\n"
                f"- **Cited in:** {cites or md.NONE}",
            ]
        blocks.append("\n\n".join(lines))
    return md.page("Business rules", *blocks)


def _deviation_tables(hb: Handbook, page: str, tables: str) -> str:
    names = [n.strip() for n in tables.split(",") if n.strip()]
    return ", ".join(hb.table_link(page, n) if n in hb.catalog.tables else md.code(n) for n in names)


def deviations_page(hb: Handbook) -> str:
    page = DEVIATIONS_PAGE
    blocks = [
        "Where the schema departs from the seed's literal SQL, and why. The seed is the starting point, "
        "not the specification: where its SQL breaks its own rules, the registry records the departure."
    ]
    for domain in hb.domains:
        rows = [
            (
                md.code(dev.id, md.slug(dev.id)),
                _deviation_tables(hb, page, dev.table),
                hb.prose(page, dev.seed_wrote),
                hb.prose(page, dev.we_chose),
                hb.prose(page, dev.why),
            )
            for dev in domain.deviations
        ]
        body = md.table(("Id", "Tables", "The seed wrote", "We chose", "Why"), rows) if rows else "None."
        blocks.append(f"## {domain.title} {{#{domain.name}}}\n\n{body}")
    return md.page("Deviations from the seed", *blocks)


def functions_page(hb: Handbook, catalog: Catalog) -> str:
    page = FUNCTIONS_PAGE
    used_by: dict[str, list[str]] = defaultdict(list)
    for t in sorted(catalog.tables.values(), key=lambda t: t.name):
        for tr in sorted(t.triggers, key=lambda tr: tr.name):
            used_by[tr.function_name].append(hb.table_link(page, t.name, tr.name, tr.name))
    blocks = ["Functions and procedures of the schema, as the catalog declares them."]
    seen: set[str] = set()
    for f in sorted(catalog.functions, key=lambda f: (f.name, f.arguments)):
        anchor = f" {{#{f.name}}}" if f.name not in seen else ""
        seen.add(f.name)
        facts = [
            f"- **Signature:** {md.code(f.signature)}",
            f"- **Returns:** {md.code(f.result)}",
            f"- **Language:** {f.language}, {f.volatility}",
        ]
        if used_by.get(f.name):
            facts.append(f"- **Called by triggers:** {', '.join(used_by[f.name])}")
        blocks.append(f"## {f.name}(){anchor}\n\n{hb.prose(page, f.comment)}\n\n" + "\n".join(facts))
    if not catalog.functions:
        blocks.append("The schema declares no function.")
    return md.page("Functions", *blocks)


def migrations_page(hb: Handbook) -> str:
    page = MIGRATIONS_PAGE

    def tables(names: tuple[str, ...]) -> str:
        return ", ".join(hb.table_link(page, n) if n in hb.catalog.tables else md.code(n) for n in names)

    summary = md.table(
        ("Revision", "Revises", "Message", "Tables created", "Tables altered"),
        [
            (
                md.link(md.code(r.revision), md.href(page, page, r.revision)),
                md.code(r.down_revision) if r.down_revision else md.NONE,
                md.text(r.message),
                tables(r.created),
                tables(r.altered),
            )
            for r in reversed(hb.revisions)
        ],
    )
    details = []
    for r in hb.revisions:
        facts = [f"- **File:** {md.code(r.file)}", f"- **Revises:** {md.code(r.down_revision) if r.down_revision else 'nothing (base)'}"]
        for label, names in (("Creates", r.created), ("Alters", r.altered), ("Drops", r.dropped)):
            if names:
                facts.append(f"- **{label}:** {tables(names)}")
        if in_schema_sql := revision_schema_sql(hb, r.revision, page):
            facts.append(in_schema_sql)
        details.append(
            f"### {r.revision} {{#{r.revision}}}\n\n{md.text(r.message)}\n\n"
            + (hb.paragraphs(page, r.purpose) + "\n\n" if r.purpose else "")
            + "\n".join(facts)
        )
    return md.page(
        "Migrations reference",
        "The Alembic revisions, newest first, read from the revision files and the SQL each one renders "
        "(`alembic upgrade <previous>:<revision> --sql`). Apply them with `alembic upgrade head`.",
        summary,
        "## Revisions\n\n" + "\n\n".join(details),
    )

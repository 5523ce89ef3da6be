"""The lint pages: one per rule (from its RuleDoc), the exceptions in force, and the catalog
findings at head.

Everything comes from schema.lint's own reference functions (rule_docs, suppression_docs) and
from running lint_catalog over the same catalog the rest of the handbook reads, so a rule page
can't disagree with what ``schema lint`` enforces.
"""

from __future__ import annotations

from schema import lint
from schema.docs import markdown as md
from schema.docs.site import Handbook

INDEX_PAGE = "lint/index.md"
EXCEPTIONS_PAGE = "lint/exceptions.md"
SCOPES = {
    "catalog": "the live catalog at head (`schema lint`)",
    "migration": "the revision files (`schema lint migrations`)",
    "suppression": "the exception list itself",
}


def rule_page_path(rule_id: str) -> str:
    return f"lint/{md.slug(rule_id)}.md"


def _object(hb: Handbook, page: str, name: str) -> str:
    """A finding's object, linked when the catalog documents it (revision ids are not tables)."""
    if name in hb.object_targets:
        return hb.object_link(page, name, "lint finding")
    return md.code(name)


def findings_table(hb: Handbook, page: str, findings: list[lint.Finding], doc_ids: list[str]) -> str:
    if not findings:
        return "No finding: the catalog at head passes every catalog rule."
    rows = [(rule_cell(page, f.rule, doc_ids), _object(hb, page, f.object), md.text(f.message), md.text(f.fix)) for f in sorted(findings)]
    return md.table(("Rule", "Object", "Problem", "Fix"), rows)


def covering_rule(rule: str, doc_ids: list[str]) -> str | None:
    """The documented rule a finding or exception belongs to: itself, or its family
    (``squawk/<name>`` belongs to ``squawk``)."""
    return next((d for d in doc_ids if rule == d or rule.startswith(f"{d}/")), None)


def rule_cell(page: str, rule: str, doc_ids: list[str]) -> str:
    """A rule id, linked to the page of the rule (or family) that documents it."""
    owner = covering_rule(rule, doc_ids)
    return md.code(rule) if owner is None else md.link(md.code(rule), md.href(page, rule_page_path(owner)))


def exceptions_table(page: str, doc_ids: list[str], rule_id: str | None = None) -> str:
    entries = [e for e in lint.suppression_docs() if rule_id is None or covering_rule(e.rule, doc_ids) == rule_id]
    if not entries:
        return "None." if rule_id is None else "No exception to this rule is in force."
    rows = [
        (e.kind, md.code(e.rule) if rule_id is not None else rule_cell(page, e.rule, doc_ids), md.code(e.object), md.text(e.reason))
        for e in sorted(entries, key=lambda e: (e.rule, e.object, e.kind))
    ]
    return md.table(("Kind", "Rule", "Applies to", "Reason"), rows)


def rule_page(hb: Handbook, doc: lint.RuleDoc, findings: list[lint.Finding], doc_ids: list[str]) -> str:
    page = rule_page_path(doc.id)
    own = [f for f in findings if f.rule == doc.id]
    checks = f"**Rule id:** {md.code(doc.id)} · **Checks:** {SCOPES.get(doc.scope, md.text(doc.scope))}"
    current = findings_table(hb, page, own, doc_ids) if doc.scope == "catalog" else ""
    return md.page(
        md.text(doc.title),
        checks,
        "## What it flags\n\n" + md.text(doc.what),
        "## Why it matters\n\n" + md.text(doc.why),
        "## How to fix\n\n" + md.text(doc.fix),
        f"## Bad\n\n```{doc.example_language}\n{doc.bad_example}\n```",
        f"## Good\n\n```{doc.example_language}\n{doc.good_example}\n```",
        "## Exceptions in force\n\n" + exceptions_table(page, doc_ids, doc.id),
        ("## Findings at head\n\n" + current) if current else "",
    )


def lint_pages(hb: Handbook) -> dict[str, str]:
    """Every lint page, by path."""
    docs = lint.rule_docs()
    doc_ids = [d.id for d in docs]
    findings = lint.lint_catalog(hb.catalog)
    index = md.table(
        ("Rule", "Checks", "Title"),
        [(md.link(md.code(d.id), md.href(INDEX_PAGE, rule_page_path(d.id))), d.scope, md.text(d.title)) for d in docs],
    )
    pages = {
        INDEX_PAGE: md.page(
            "Lint",
            "`schema lint` checks the NO SILENT FALLBACKS conventions on the live catalog; "
            "`schema lint migrations` checks the revisions. An exception exists only with a written reason "
            f"({md.link('exceptions', md.href(INDEX_PAGE, EXCEPTIONS_PAGE))}).",
            "## Rules\n\n" + index,
            "## Catalog findings at head\n\n" + findings_table(hb, INDEX_PAGE, findings, doc_ids),
        ),
        EXCEPTIONS_PAGE: md.page(
            "Lint exceptions",
            "Every exception to a lint rule in force, with its reason. There is no blanket ignore.",
            exceptions_table(EXCEPTIONS_PAGE, doc_ids),
        ),
    }
    pages.update({rule_page_path(d.id): rule_page(hb, d, findings, doc_ids) for d in docs})
    return pages

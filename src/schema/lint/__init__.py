"""Schema lint: the NO SILENT FALLBACKS conventions (CONTRIBUTING.md), checked on the live catalog at head.

``lint_catalog`` runs every rule of ``rules`` (pure functions over one catalog read) and applies
the explicit suppressions; ``lint_database`` reads the catalog of a database it first proves is
at head. ``migration_safety`` checks the revisions themselves; ``reference`` is what the handbook
renders. The CLI (``schema lint``) is a thin shell over these.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL

from schema import catalog as catalog_module
from schema import database, migrations
from schema.catalog import Catalog
from schema.lint import rules as _rules  # noqa: F401 - importing registers the rules
from schema.lint.findings import CATALOG_RULES, CatalogRule, Finding, RuleDoc
from schema.lint.reference import rule_docs, suppression_docs
from schema.lint.suppressions import SUPPRESSIONS, Suppression, apply

__all__ = [
    "CATALOG_RULES",
    "CatalogRule",
    "Finding",
    "LintResult",
    "RuleDoc",
    "Suppression",
    "lint_catalog",
    "lint_database",
    "rule_docs",
    "run_rule",
    "suppression_docs",
]


@dataclass(frozen=True)
class LintResult:
    """The findings of one lint, and what was linted (for the summary line)."""

    findings: list[Finding]
    revision: str
    tables: int
    rules: int


def run_rule(rule_id: str, catalog: Catalog) -> list[Finding]:
    """One rule's findings, unsuppressed: what the rule fixtures test."""
    try:
        return CATALOG_RULES[rule_id].run(catalog)
    except KeyError:
        raise KeyError(f"no lint rule {rule_id!r}; known: {', '.join(sorted(CATALOG_RULES))}") from None


def lint_catalog(catalog: Catalog, suppressions: tuple[Suppression, ...] = SUPPRESSIONS) -> list[Finding]:
    """Every rule over ``catalog``, minus explicit suppressions, plus the suppressions left unused."""
    findings = [f for r in CATALOG_RULES.values() for f in r.run(catalog)]
    return apply(findings, suppressions, CATALOG_RULES)


def lint_database(url: URL | None = None) -> LintResult:
    """Lint the database at ``url`` (default: the resolved one); refuses one that is not at head."""
    with database.connect(url if url is not None else database.resolve().url) as conn:
        head = migrations.require_head(conn)
        cat = catalog_module.read(conn)
    return LintResult(lint_catalog(cat), head, len(cat.tables), len(CATALOG_RULES))

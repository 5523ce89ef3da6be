"""What the handbook renders about the lint: one page per rule, and every exception with its reason.

Everything here is derived from the code (the rule registry, the suppression data), so the
generated rule list cannot disagree with what ``schema lint`` enforces.
"""

from __future__ import annotations

from dataclasses import dataclass

from schema.lint import migration_safety
from schema.lint import rules as _rules  # noqa: F401 - importing registers the catalog rules
from schema.lint.findings import CATALOG_RULES, RuleDoc
from schema.lint.suppressions import SUPPRESSIONS, UNUSED_SUPPRESSION_DOC


@dataclass(frozen=True)
class ExceptionEntry:
    """One exception to a rule as the handbook lists it."""

    kind: str  # "suppression" (catalog), "revision allowance" or "squawk policy"
    rule: str
    object: str  # the object, the revision id, or "every revision"
    reason: str


def rule_docs() -> list[RuleDoc]:
    """Every rule the lint enforces (catalog, migration, suppression bookkeeping), in page order."""
    catalog_docs = sorted((r.doc for r in CATALOG_RULES.values()), key=lambda d: d.id)
    return [*catalog_docs, *migration_safety.MIGRATION_RULE_DOCS, UNUSED_SUPPRESSION_DOC]


def suppression_docs() -> list[ExceptionEntry]:
    """Every exception in force, with its reason: no exception exists that the handbook does not show."""
    return [
        *(ExceptionEntry("suppression", s.rule, s.object, s.reason) for s in SUPPRESSIONS),
        *(ExceptionEntry("revision allowance", a.rule, a.object, a.reason) for a in migration_safety.REVISION_ALLOWANCES),
        *(
            ExceptionEntry("squawk policy", migration_safety.SQUAWK_PREFIX + rule, "every revision", reason)
            for rule, reason in migration_safety.SQUAWK_POLICY.items()
        ),
    ]

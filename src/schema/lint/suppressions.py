"""Explicit exceptions to lint rules: one rule, one object, one written reason.

There is no blanket ignore (no wildcard, no "whole table", no disabling a rule), because an
exception nobody has to justify is the silent fallback this lint exists to catch. A suppression
that no longer matches a finding is itself reported, so the list cannot go stale; the handbook
renders every suppression with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schema.lint.findings import Finding, RuleDoc

UNUSED_SUPPRESSION = "unused-suppression"
MIN_REASON_WORDS = 4
WILDCARDS = frozenset("*?%[]")


@dataclass(frozen=True)
class Suppression:
    """``rule`` does not apply to ``object`` (a finding's object, exactly), because ``reason``."""

    rule: str
    object: str
    reason: str

    def matches(self, finding: Finding) -> bool:
        return finding.rule == self.rule and finding.object == self.object


# Catalog-lint exceptions at head. Empty is the goal; each entry is a reviewed design decision.
SUPPRESSIONS: tuple[Suppression, ...] = ()


def validate(suppressions: Sequence[Suppression], known_rules: Iterable[str]) -> None:
    """Refuse a suppression that names no rule we have, uses a pattern, lacks a reason or repeats."""
    known = set(known_rules)
    seen: set[tuple[str, str]] = set()
    for s in suppressions:
        where = f"suppression ({s.rule!r}, {s.object!r})"
        if s.rule not in known:
            raise ValueError(f"{where} names no known lint rule; known: {', '.join(sorted(known))}")
        if not s.object.strip() or WILDCARDS & set(s.object):
            raise ValueError(f"{where} must name exactly one object; patterns and blanks are blanket ignores")
        if len(s.reason.split()) < MIN_REASON_WORDS:
            raise ValueError(f"{where} needs a reason of at least {MIN_REASON_WORDS} words saying why the rule does not apply")
        if (s.rule, s.object) in seen:
            raise ValueError(f"{where} is listed twice")
        seen.add((s.rule, s.object))


def apply(findings: Iterable[Finding], suppressions: Sequence[Suppression], known_rules: Iterable[str]) -> list[Finding]:
    """The findings no suppression covers, plus one finding per suppression that covered nothing."""
    validate(suppressions, known_rules)
    used: set[Suppression] = set()
    kept: list[Finding] = []
    for finding in findings:
        covering = next((s for s in suppressions if s.matches(finding)), None)
        if covering is None:
            kept.append(finding)
        else:
            used.add(covering)
    kept.extend(
        Finding(
            UNUSED_SUPPRESSION,
            f"{s.rule}:{s.object}",
            f"the suppression of {s.rule} on {s.object} matched no finding ({s.reason})",
            "delete the suppression: the object no longer exists or the rule no longer fires on it",
        )
        for s in suppressions
        if s not in used
    )
    return sorted(kept)


UNUSED_SUPPRESSION_DOC = RuleDoc(
    UNUSED_SUPPRESSION,
    title="A suppression still suppresses something",
    what="A suppression (or a migration allowance) that matched no finding in this run.",
    why="An exception outlives its reason when the object is renamed or fixed; a stale entry then hides "
    "the next real finding on a name that comes back. Reporting it keeps the list exactly as long as needed.",
    fix="Delete the entry from schema.lint.suppressions.SUPPRESSIONS (or the migration allowances).",
    bad_example='SUPPRESSIONS = (Suppression("fk-without-index", "fk_gone_table_id_parents", "parent has three rows"),)',
    good_example="SUPPRESSIONS = ()",
    scope="suppression",
    example_language="python",
)

"""The business-rule registry: every rule id the schema cites, and every departure from the seed.

Ids are COR- (core), QUO- (quotes), RAT- (rating), SEC- (security & compliance), ANA- (real-time
analytics) and ADM- (admin). Each domain keeps its rules in its own module; this package collects
them, refuses duplicates, and is what the lint, the tests and the handbook read.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

RULE_ID_PATTERN = re.compile(r"\b(?:COR|QUO|RAT|SEC|ANA|ADM)-\d{3}\b")


@dataclass(frozen=True)
class Rule:
    """A business rule: what must hold, where it comes from, and which catalog objects enforce it.

    ``implemented_by`` names catalog objects as ``table``, ``table.column``, a constraint or index
    name, ``function()`` or ``trigger_name``; a test checks each exists at head.
    """

    id: str
    statement: str
    source: str
    implemented_by: tuple[str, ...]

    @property
    def domain(self) -> str:
        return self.id.split("-")[0]


@dataclass(frozen=True)
class Deviation:
    """A place where the schema departs from the seed's literal SQL, and why."""

    id: str
    table: str
    seed_wrote: str
    we_chose: str
    why: str


# One module per domain; a domain's revision and its rule module land together.
DOMAIN_MODULES: tuple[str, ...] = (
    "core",
    "security",
    "analytics",
    "quotes",
    "rating",
    "admin",
)


def _collect() -> tuple[dict[str, Rule], tuple[Deviation, ...]]:
    rules: dict[str, Rule] = {}
    deviations: list[Deviation] = []
    for name in DOMAIN_MODULES:
        module = importlib.import_module(f"schema.rules.{name}")
        for rule in module.RULES:
            if rule.id in rules:
                raise ValueError(f"rule id {rule.id} is registered twice")
            if not RULE_ID_PATTERN.fullmatch(rule.id):
                raise ValueError(f"rule id {rule.id!r} does not match {RULE_ID_PATTERN.pattern}")
            rules[rule.id] = rule
        deviations.extend(module.DEVIATIONS)
    return rules, tuple(deviations)


RULES, DEVIATIONS = _collect()


def cited_rule_ids(text: str | None) -> set[str]:
    """Rule ids a comment cites."""
    return set(RULE_ID_PATTERN.findall(text or ""))

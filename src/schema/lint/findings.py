"""What a lint rule is and what it reports.

A rule is documentation and a check in one object, so the handbook page, the CLI's rule list and
the code that enforces the rule cannot drift apart. A finding always carries how to fix it: a
message that only says "wrong" sends the reader hunting, which is what the lint exists to avoid.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from schema.catalog import Catalog


@dataclass(frozen=True, order=True)
class Finding:
    """One violation: which rule, which object, what is wrong, and the change that fixes it.

    ``object`` is what a suppression names: ``table``, ``table.column``, a constraint, index or
    trigger name, ``function()``, or for migration findings the revision id. ``path``/``line``
    point at a file when there is one (revision findings), for editors and GitHub annotations.
    """

    rule: str
    object: str
    message: str
    fix: str
    path: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, builtins.object]:  # "object" is a field of this class
        return {"rule": self.rule, "object": self.object, "message": self.message, "fix": self.fix, "path": self.path, "line": self.line}


class Problem(NamedTuple):
    """What a rule function yields; the registry adds the rule id, so a rule cannot misname itself."""

    object: str
    message: str
    fix: str


@dataclass(frozen=True)
class RuleDoc:
    """The handbook page of a rule: what it flags, why it matters, how to fix, a bad and a good example."""

    id: str
    title: str
    what: str
    why: str
    fix: str
    bad_example: str
    good_example: str
    scope: str  # "catalog", "migration" or "suppression"
    example_language: str = "sql"


CatalogCheck = Callable[[Catalog], Iterable[Problem]]


@dataclass(frozen=True)
class CatalogRule:
    """A rule over the live catalog: a pure function of the Catalog, plus its documentation."""

    doc: RuleDoc
    check: CatalogCheck

    @property
    def id(self) -> str:
        return self.doc.id

    def run(self, catalog: Catalog) -> list[Finding]:
        return sorted(Finding(self.id, *problem) for problem in self.check(catalog))


CATALOG_RULES: dict[str, CatalogRule] = {}


def rule(id: str, *, title: str, what: str, why: str, fix: str, bad: str, good: str) -> Callable[[CatalogCheck], CatalogCheck]:  # noqa: A002 - "id" is the rule's public name
    """Register a catalog rule with its handbook page; refuses a second rule with the same id."""

    def register(check: CatalogCheck) -> CatalogCheck:
        if id in CATALOG_RULES:
            raise ValueError(f"lint rule {id!r} is registered twice")
        doc = RuleDoc(id, title, what, why, fix, bad.strip(), good.strip(), scope="catalog")
        CATALOG_RULES[id] = CatalogRule(doc, check)
        return check

    return register

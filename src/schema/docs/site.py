"""The handbook's model: which domain each table belongs to, where each page lives, and where
each object a rule names is documented.

A table's domain is the module of its SQLAlchemy model (``schema.models.<domain>``), so the
domain is written once, in the code. Domains are ordered by the revision that introduced them
(core in 001, quotes in 002, ...), which is the order an architect reads the schema in.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from functools import cached_property

from schema import rules as rule_registry
from schema.catalog import Catalog, Table
from schema.docs import markdown as md
from schema.docs.revision_reference import RevisionEntry
from schema.docs.state_rules import StateRuleRow
from schema.dump import Dump, Introduction
from schema.models import Base
from schema.rules import Deviation, Rule

MODELS_PACKAGE = "schema.models"
DATABASE_SCHEMA_PAGE = "database_schema.md"
RULES_PAGE = "reference/rules.md"
DEVIATIONS_PAGE = "reference/deviations.md"
FUNCTIONS_PAGE = "reference/functions.md"
MIGRATIONS_PAGE = "reference/migrations.md"
PRIVILEGES_PAGE = "reference/privileges.md"
PII_PAGE = "reference/pii.md"
# Written by `schema perf` (measured, not derived); its JSON is read by the table pages.
PERFORMANCE_PAGE = "reports/performance.md"
PERFORMANCE_JSON = "reports/performance.json"
RESERVED_FOLDERS = frozenset({"reference", "lint", "assets"})


class HandbookError(RuntimeError):
    """The catalog, the models or the registry disagree in a way the handbook cannot document."""


def column_anchor(column: str) -> str:
    return f"column-{column}"


def index_anchor(index: str) -> str:
    """The id of an index's row on its table page. Prefixed, because a UNIQUE constraint's row
    already carries the name its backing index shares."""
    return f"index-{index}"


def table_page_path(domain: str, table: str) -> str:
    """Where a table's page lives in docs/ (also what the perf report links to)."""
    return f"{domain}/{table}.md"


@dataclass(frozen=True)
class Measured:
    """One row of the committed full-scale query-pattern report (docs/reports/performance.json)."""

    pattern: str
    table: str
    index: str | None
    title: str
    speedup: float | None
    ms_with: float | None
    ms_without: float | None


def rule_anchor(rule_id: str) -> str:
    return md.slug(rule_id)


def model_domains() -> dict[str, str]:
    """Table name -> domain (the model module's name), from the declarative registry."""
    domains: dict[str, str] = {}
    for mapper in Base.registry.mappers:
        module = mapper.class_.__module__
        if not module.startswith(MODELS_PACKAGE + "."):
            raise HandbookError(f"model {mapper.class_.__name__} lives in {module}, outside {MODELS_PACKAGE}")
        for table in mapper.tables:
            domains[table.name] = module.removeprefix(MODELS_PACKAGE + ".")
    return domains


def domain_description(domain: str) -> str:
    """The domain's own words: the docstring of its models module."""
    module = importlib.import_module(f"{MODELS_PACKAGE}.{domain}")
    return inspect.cleandoc(module.__doc__ or "")


@dataclass(frozen=True)
class Domain:
    name: str
    tables: tuple[str, ...]
    rules: tuple[Rule, ...]
    deviations: tuple[Deviation, ...]

    @property
    def title(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @property
    def page(self) -> str:
        return f"{self.name}/index.md"


def _rule_modules() -> dict[str, tuple[tuple[Rule, ...], tuple[Deviation, ...]]]:
    """Rules and deviations per domain module of the registry (schema.rules.<domain>)."""
    return {
        name: (tuple(module.RULES), tuple(module.DEVIATIONS))
        for name in rule_registry.DOMAIN_MODULES
        for module in [importlib.import_module(f"schema.rules.{name}")]
    }


@dataclass
class Handbook:
    """Everything a page needs: the catalog, the domains, the revisions, and the link targets."""

    catalog: Catalog
    revisions: list[RevisionEntry]
    # The whole-schema dump at head and which revision added or changed each of its blocks
    # (schema.dump); None where a caller renders pages without a server to replay on.
    schema_sql: Dump | None = None
    schema_sql_introductions: tuple[Introduction, ...] = ()
    # Lifecycle tables (<thing>_status_transitions) -> their allowed (from, to, rule id) changes,
    # read from the rows: the state diagrams of the domain pages are generated from the data.
    lifecycles: dict[str, list[tuple[str | None, str, str]]] = field(default_factory=dict)
    # Reference rows the rating page renders (schema.docs.state_rules); empty when not read.
    state_rules: tuple[StateRuleRow, ...] = ()
    # The committed full-scale query-pattern results (schema perf), shown on each index's row.
    measured: tuple[Measured, ...] = ()
    domains: list[Domain] = field(init=False)
    domain_of: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        models = model_domains()
        missing = sorted(set(self.catalog.tables) - set(models))
        if missing:
            raise HandbookError(
                f"tables {', '.join(missing)} exist in the database but have no model in {MODELS_PACKAGE}: "
                "the handbook takes a table's domain from its model's module"
            )
        self.domain_of = {t: models[t] for t in sorted(self.catalog.tables)}
        clash = sorted(({*self.domain_of.values()} & RESERVED_FOLDERS) | {t for t in self.domain_of if t == "index"})
        if clash:
            raise HandbookError(f"names {clash} collide with the handbook's own pages; rename the domain or table")
        introduced: dict[str, int] = {}
        for position, rev in enumerate(self.revisions):
            for table in rev.created:
                if table in self.domain_of:
                    introduced.setdefault(self.domain_of[table], position)
        registry = _rule_modules()
        names = set(self.domain_of.values()) | set(registry)
        order = sorted(names, key=lambda d: (introduced.get(d, len(self.revisions)), d))
        self.domains = [
            Domain(
                name,
                tuple(t for t, d in self.domain_of.items() if d == name),
                tuple(sorted(registry.get(name, ((), ()))[0], key=lambda r: r.id)),
                tuple(sorted(registry.get(name, ((), ()))[1], key=lambda d: d.id)),
            )
            for name in order
        ]

    # --- pages ---------------------------------------------------------------------------------

    def measured_for(self, index: str) -> list[Measured]:
        return [m for m in self.measured if m.index == index]

    def domain(self, name: str) -> Domain:
        return next(d for d in self.domains if d.name == name)

    def table_page(self, table: str) -> str:
        return table_page_path(self.domain_of[table], table)

    def tables_in(self, domain: Domain) -> list[Table]:
        return [self.catalog.table(t) for t in domain.tables]

    def table_link(self, from_page: str, table: str, anchor: str | None = None, label: str | None = None) -> str:
        """A link to a table's page (or a row of it); on that page itself, without an anchor, plain text."""
        if from_page == self.table_page(table) and anchor is None:
            return md.code(label or table)
        return md.link(md.code(label or table), md.href(from_page, self.table_page(table), anchor))

    def rule_link(self, from_page: str, rule_id: str) -> str:
        if rule_id not in rule_registry.RULES:
            return f"{rule_id} (not in the rule registry)"
        return md.link(rule_id, md.href(from_page, RULES_PAGE, rule_anchor(rule_id)))

    def prose(self, from_page: str, value: str | None) -> str:
        """Catalog text with every rule id it cites linked to the business rules page."""
        return rule_registry.RULE_ID_PATTERN.sub(lambda m: self.rule_link(from_page, m.group(0)), md.text(value))

    def paragraphs(self, from_page: str, value: str) -> str:
        """Multi-paragraph text (a docstring, a revision's purpose) with rule ids linked."""
        return "\n\n".join(self.prose(from_page, p) for p in value.split("\n\n") if p.strip())

    # --- where each named object is documented -------------------------------------------------

    @cached_property
    def object_targets(self) -> dict[str, tuple[str, str | None]]:
        """Name a rule may cite -> (page, anchor): tables, columns, constraints, indexes, triggers,
        policies and functions, as ``Catalog.object_names`` spells them."""
        targets: dict[str, tuple[str, str | None]] = {}
        for t in self.catalog.tables.values():
            page = self.table_page(t.name)
            targets[t.name] = (page, None)
            targets.update({f"{t.name}.{c.name}": (page, column_anchor(c.name)) for c in t.columns})
            targets.update({c.name: (page, c.name) for c in t.constraints})
            targets.update({i.name: (page, index_anchor(i.name)) for i in t.indexes if i.constraint_name is None})
            targets.update({tr.name: (page, tr.name) for tr in t.triggers})
            targets.update({p.name: (page, p.name) for p in t.policies})
        targets.update({f"{f.name}()": (FUNCTIONS_PAGE, f.name) for f in self.catalog.functions})
        return targets

    def object_link(self, from_page: str, name: str, context: str) -> str:
        """Link to where ``name`` is documented; an unknown name is an error naming ``context``."""
        try:
            page, anchor = self.object_targets[name]
        except KeyError:
            raise HandbookError(
                f"{context} names {name!r}, which is not in the catalog at head "
                "(expected a table, table.column, constraint, index, trigger, policy or function())"
            ) from None
        return md.link(md.code(name), md.href(from_page, page, anchor))

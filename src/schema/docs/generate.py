"""``schema docs``: regenerate the handbook's generated pages from a database at head.

``render`` is pure over the catalog, the registry, the revision files and the committed report
JSON (the charts), and sorts everything, so the same schema always gives the same bytes: no
dates, no row counts, no partition named by the day it was made. ``write`` replaces the generated files of a docs folder (recognised by
their first line, the marker) and leaves the hand-written pages alone; ``drift`` is the check
the tests run, Apache Airflow style, against the committed docs/.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
import yaml

from schema import catalog as catalog_module
from schema import database, migrations, privileges
from schema import dump as schema_dump
from schema.docs import charts
from schema.docs import markdown as md
from schema.docs import state_rules
from schema.docs.lint_pages import EXCEPTIONS_PAGE, lint_pages
from schema.docs.lint_pages import INDEX_PAGE as LINT_INDEX_PAGE
from schema.docs.pages import database_schema_page, domain_page, table_page
from schema.docs.reference import deviations_page, functions_page, migrations_page, rules_page
from schema.docs.revision_reference import revisions
from schema.docs.schema_sql_page import SCHEMA_SQL_PAGE, schema_sql_page
from schema.docs.security_pages import ACTING_IDENTITY_PAGE, acting_identity_page, pii_page
from schema.docs.site import (
    HandbookError,
    DATABASE_SCHEMA_PAGE,
    DEVIATIONS_PAGE,
    FUNCTIONS_PAGE,
    MIGRATIONS_PAGE,
    PERFORMANCE_JSON,
    PII_PAGE,
    PRIVILEGES_PAGE,
    RULES_PAGE,
    Handbook,
    Measured,
)

NAV_FILE = ".nav.yml"  # read by the mkdocs hook; a dot file, so mkdocs does not publish it
HOME_PAGE = "index.md"  # hand-written


def default_docs_dir() -> Path:
    return database.project_root() / "docs"


LIFECYCLE_SUFFIX = "_status_transitions"
# A lifecycle table's rows: (from_status, to_status, rule_id), in a stable order for the drift check.
LIFECYCLE_ROWS = 'SELECT from_status, to_status, rule_id FROM "{table}" ORDER BY from_status NULLS FIRST, to_status'


def lifecycles(conn: sa.Connection, cat: catalog_module.Catalog) -> dict[str, list[tuple[str | None, str, str]]]:
    """The allowed status changes of every lifecycle table (QUO-013 and any later ones), as data."""
    return {
        name: [tuple(row) for row in conn.execute(sa.text(LIFECYCLE_ROWS.format(table=name)))]
        for name in sorted(cat.tables) if name.endswith(LIFECYCLE_SUFFIX)
    }


def measured(docs_dir: Path | None = None) -> tuple[Measured, ...]:
    """The committed full-scale query-pattern results (``schema perf --json``), for the index rows.

    The file is measured, not derived, so it is an input of the pages like the catalog; a handbook
    without it is an error, not a page that silently drops its speed-ups."""
    path = (docs_dir if docs_dir is not None else default_docs_dir()) / PERFORMANCE_JSON
    if not path.is_file():
        raise HandbookError(f"{path} is missing: run `schema perf --json {PERFORMANCE_JSON}` on seeded data (see docs/reports/performance.md)")
    return tuple(
        Measured(r["pattern"], r["table"], r["index"], r["title"], r["speedup"], r["ms_with"], r["ms_without"])
        for r in json.loads(path.read_text(encoding="utf-8"))
    )


def handbook(conn: sa.Connection) -> Handbook:
    """The handbook model of the database behind ``conn``, which must be at head."""
    migrations.require_head(conn)
    cat = catalog_module.read(conn)
    # schema.sql's blocks and the revision that added each: a walk up the chain in a throw-away
    # database on the same server (the head database is only read).
    return Handbook(cat, revisions(set(cat.tables)), schema_sql=schema_dump.render(conn),
                    schema_sql_introductions=tuple(schema_dump.introductions(conn.engine.url)),
                    lifecycles=lifecycles(conn, cat), state_rules=state_rules.read(conn, set(cat.tables)),
                    measured=measured())


def nav(hb: Handbook, lint_paths: list[str]) -> list[object]:
    """mkdocs navigation: the schema by domain, then the reference and the lint."""
    domains = [
        {d.title: [d.page, *(hb.table_page(t) for t in d.tables)]} for d in hb.domains if d.tables
    ]
    lint_rules = sorted(p for p in lint_paths if p not in (LINT_INDEX_PAGE, EXCEPTIONS_PAGE))
    return [
        {"Home": HOME_PAGE},
        {"Database schema": DATABASE_SCHEMA_PAGE},
        *domains,
        {"Reference": [
            {"Business rules": RULES_PAGE},
            {"Deviations from the seed": DEVIATIONS_PAGE},
            {"Functions": FUNCTIONS_PAGE},
            {"Migrations": MIGRATIONS_PAGE},
            {"schema.sql": SCHEMA_SQL_PAGE},
            {"Privileges": PRIVILEGES_PAGE},
            {"Acting identity and the audit trail": ACTING_IDENTITY_PAGE},
            {"PII by need to know": PII_PAGE},
        ]},
        # Measured, not derived: written by the benchmark and perf commands, kept by hand.
        {"Reports": [{"Query patterns": "reports/performance.md"}, {"Benchmarks": "reports/benchmarks.md"},
                     {"Rows per partition": charts.PARTITIONS_PAGE}, {"Scaling out": "reports/scaling_out.md"},
                     *([{"Rehearsals": rehearsals}] if (rehearsals := rehearsal_pages()) else [])]},
        {"Lint": [LINT_INDEX_PAGE, {"Exceptions": EXCEPTIONS_PAGE}, *lint_rules]},
    ]


REHEARSALS_DIR = "reports/rehearsals"


def rehearsal_pages() -> list[object]:
    """The committed rehearsal reports: the overviews (the summary, ``schema rehearse --remediate``) under
    their page title, then one page per revision (``schema rehearse --pages``: ``<rev>.md``) in revision order."""
    folder = default_docs_dir() / REHEARSALS_DIR
    pages = sorted(folder.glob("*.md")) if folder.is_dir() else []
    revisions = [{f"Revision {p.stem}": f"{REHEARSALS_DIR}/{p.name}"} for p in pages if p.stem.isdigit()]
    others = [{page_title(p): f"{REHEARSALS_DIR}/{p.name}"} for p in pages if not p.stem.isdigit()]
    return [*others, *revisions]


def page_title(path: Path) -> str:
    """A hand-kept report's title: its first line, a Markdown heading (refused otherwise: the nav needs a name)."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    if not first.startswith("# "):
        raise ValueError(f"{path.name}: the first line must be its '# ' title (the handbook's navigation names it so)")
    return first[2:].strip()


def privileges_page(hb: Handbook) -> str:
    """SEC-002: who may do what, read from the live ACLs (schema.privileges checks it against the design)."""
    return "\n\n".join([
        "# Privileges",
        md.MD_MARKER_LINE,
        "The role x table matrix as granted at head, read from the catalog's ACLs. Group roles are "
        "NOLOGIN; people and services log in as members of them. `tests/test_privileges.py` fails "
        "when this matrix departs from the design declared with each table's model (`schema.models.design`, "
        "read by `schema.privileges.TABLE_PROFILES`).",
        privileges.matrix_markdown(hb.catalog, label=lambda t: md.link(md.code(t), md.href(PRIVILEGES_PAGE, hb.table_page(t), "access")) + f"{{#{t}}}"),
    ]) + "\n"


def render(hb: Handbook) -> dict[str, str]:
    """Every generated file of docs/, by path relative to docs/."""
    pages: dict[str, str] = {DATABASE_SCHEMA_PAGE: database_schema_page(hb)}
    for domain in hb.domains:
        if domain.tables:
            pages[domain.page] = domain_page(hb, domain)
            pages.update({hb.table_page(t.name): table_page(hb, t) for t in hb.tables_in(domain)})
    pages[RULES_PAGE] = rules_page(hb)
    pages[DEVIATIONS_PAGE] = deviations_page(hb)
    pages[FUNCTIONS_PAGE] = functions_page(hb, hb.catalog)
    pages[MIGRATIONS_PAGE] = migrations_page(hb)
    if hb.schema_sql is not None:
        pages[SCHEMA_SQL_PAGE] = schema_sql_page(hb)
    pages[PRIVILEGES_PAGE] = privileges_page(hb)
    pages[ACTING_IDENTITY_PAGE] = acting_identity_page(hb)
    pages[PII_PAGE] = pii_page(hb)
    # The report charts, from the measured JSON committed beside the report pages.
    pages.update(charts.render(default_docs_dir()))
    linted = lint_pages(hb)
    pages.update(linted)
    pages = {rel: md.front_matter(content, page_meta(hb, rel)) if rel.endswith(".md") else content for rel, content in pages.items()}
    # Hand-written pages keep their own front matter: only their marked part is generated.
    pages.update(filled_pages(default_docs_dir()))
    nav_yaml = yaml.safe_dump(nav(hb, list(linted)), sort_keys=False, allow_unicode=True, width=1000)
    pages[NAV_FILE] = f"{md.YAML_MARKER_LINE}\n{nav_yaml}"
    return dict(sorted(pages.items()))


# A hand-written page may hold one part that `schema docs` writes: the text between these markers
# (the Benchmarks page's charts, drawn from the committed results). The rest of the page is the
# author's; the drift test compares the whole page, so a result edited without `schema docs`
# fails it like a stale generated page.
FILL_BEGIN = "<!-- begin: written by `schema docs` from the committed results: do not edit up to the end marker, run `schema docs` -->"
FILL_END = "<!-- end: written by `schema docs` -->"


def fill(path: Path, content: str) -> str:
    """The hand-written page at ``path`` with ``content`` between its markers (refused, naming the
    page, unless it holds each marker once and in order)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if text.count(FILL_BEGIN) != 1 or text.count(FILL_END) != 1 or text.index(FILL_BEGIN) > text.index(FILL_END):
        raise HandbookError(f"{path} must hold, once each and in this order, the lines {FILL_BEGIN!r} and {FILL_END!r}: `schema docs` writes between them")
    head, rest = text.split(FILL_BEGIN)
    tail = rest.split(FILL_END)[1]
    return f"{head}{FILL_BEGIN}\n{content.strip()}\n{FILL_END}{tail}"


def filled_pages(docs_dir: Path) -> dict[str, str]:
    """The hand-written pages with their generated part filled in, from the results under ``docs_dir``."""
    section = charts.benchmarks_section(charts.benchmark_results(docs_dir))
    return {charts.BENCHMARKS_PAGE: fill(docs_dir / charts.BENCHMARKS_PAGE, section)}


def is_filled(path: Path) -> bool:
    return path.suffix == ".md" and FILL_BEGIN in path.read_text(encoding="utf-8")


def filled_files(docs_dir: Path) -> dict[str, Path]:
    """Hand-written pages of ``docs_dir`` with a generated part, by relative path."""
    return {path.relative_to(docs_dir).as_posix(): path for path in sorted(docs_dir.rglob("*.md")) if is_filled(path)}


# Table pages are what a search for a column, constraint or index name is after: they rank above
# the reference pages that mention the name (mkdocs-material's per-page search boost).
TABLE_PAGE_BOOST = 4


def page_meta(hb: Handbook, rel: str) -> dict[str, object]:
    """Front matter of a generated page: no right-hand table of contents (the tables need the width;
    the navigation and the headings' permalinks remain), and the search boost of table pages."""
    meta: dict[str, object] = {"hide": ["toc"]}
    if rel in {hb.table_page(t) for t in hb.catalog.tables}:
        meta["search"] = {"boost": TABLE_PAGE_BOOST}
    return meta


# The front matter of a generated page is a few lines; the marker follows it and the title.
MARKER_WITHIN_LINES = 12


GENERATED_SUFFIXES = (".md", ".yml", ".svg")


def is_generated(path: Path) -> bool:
    """A generated file carries the marker on its first line (.nav.yml), second (charts, after the
    XML declaration) or after its front matter and title (pages)."""
    with path.open(encoding="utf-8") as handle:
        head = [handle.readline().rstrip("\n") for _ in range(MARKER_WITHIN_LINES)]
    return any(line in md.MARKER_LINES for line in head)


def generated_files(docs_dir: Path) -> dict[str, Path]:
    """Files of ``docs_dir`` that carry the generated marker, by relative path."""
    return {
        path.relative_to(docs_dir).as_posix(): path
        for path in sorted(docs_dir.rglob("*"))
        if path.is_file() and path.suffix in GENERATED_SUFFIXES and is_generated(path)
    }


def write(pages: dict[str, str], docs_dir: Path) -> list[str]:
    """Write ``pages`` into ``docs_dir``, delete generated files no longer produced; returns what changed."""
    changed = []
    for rel, old in generated_files(docs_dir).items():
        if rel not in pages:
            old.unlink()
            changed.append(f"deleted {rel}")
    for rel, content in pages.items():
        path = docs_dir / rel
        if path.exists() and not is_generated(path) and not is_filled(path):
            raise FileExistsError(f"{path} is hand-written (no generated marker) and would be overwritten by `schema docs`")
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            changed.append(f"wrote {rel}")
    for folder in sorted((p for p in docs_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return changed


def drift(pages: dict[str, str], docs_dir: Path) -> list[str]:
    """How ``docs_dir`` differs from ``pages``: missing, different and stale generated files."""
    on_disk = generated_files(docs_dir) | filled_files(docs_dir)
    problems = [f"{rel}: missing" for rel in pages if rel not in on_disk]
    problems += [
        f"{rel}: differs" for rel, content in pages.items()
        if rel in on_disk and on_disk[rel].read_text(encoding="utf-8") != content
    ]
    problems += [f"{rel}: generated page of something no longer in the schema" for rel in on_disk if rel not in pages]
    return sorted(problems)


def generate_docs(docs_dir: Path | None = None, url: sa.URL | None = None) -> list[str]:
    """Regenerate ``docs_dir`` (default docs/) from the resolved database; returns what changed."""
    target = docs_dir if docs_dir is not None else default_docs_dir()
    with database.connect(url if url is not None else database.resolve().url) as conn:
        pages = render(handbook(conn))
    target.mkdir(parents=True, exist_ok=True)
    return write(pages, target)

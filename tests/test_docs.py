"""The handbook: generated from the catalog at head, deterministic, committed, and a strict build.

The drift check is Apache Airflow's: regenerate, compare with the committed docs/, and fail with
the command that fixes it. Determinism is proved by changing what must not matter (an extra
partition made by the calendar, rows in the tables) and getting the same bytes.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from schema import catalog as catalog_module
from schema import database, migrations
from schema.docs import generate, site_build
from schema.docs.pages import DATED_SUFFIX
from schema.rules import RULES

DOCS = database.project_root() / "docs"
FIX = "run `schema docs` (make docs) and commit docs/"


@pytest.fixture(scope="module")
def generated(head_engine: sa.Engine) -> dict[str, str]:
    with head_engine.connect() as conn:
        return generate.render(generate.handbook(conn))


@pytest.fixture(scope="module")
def built_site(generated: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("handbook")
    docs_dir = site_build.regenerated_copy(generated, tmp / "docs")
    return site_build.build_site(docs_dir, tmp / "site", strict=True)


def render_on(conn: sa.Connection) -> dict[str, str]:
    return generate.render(generate.handbook(conn))


# --- drift --------------------------------------------------------------------------------------


def test_committed_docs_match_the_schema_at_head(generated: dict[str, str]) -> None:
    problems = generate.drift(generated, DOCS)
    assert not problems, f"docs/ does not match the schema at head; {FIX}:\n" + "\n".join(problems)


def test_drift_check_catches_a_changed_column_comment(head_conn: sa.Connection, generated: dict[str, str], tmp_path: Path) -> None:
    generate.write(generated, tmp_path)
    table = sorted(catalog_module.read(head_conn).tables)[0]
    column = catalog_module.read(head_conn).table(table).columns[0].name
    head_conn.exec_driver_sql(f'COMMENT ON COLUMN "{table}"."{column}" IS \'changed in the model and revision, docs not regenerated\'')
    problems = generate.drift(render_on(head_conn), tmp_path)
    assert any(p.startswith(f"{generate.handbook(head_conn).table_page(table)}: differs") for p in problems), problems


def test_drift_check_catches_a_stale_page(generated: dict[str, str], tmp_path: Path) -> None:
    generate.write(generated, tmp_path)
    stale = tmp_path / "core" / "dropped_table.md"
    stale.write_text(generated["database_schema.md"])
    assert generate.drift(generated, tmp_path) == ["core/dropped_table.md: generated page of something no longer in the schema"]
    generate.write(generated, tmp_path)
    assert not stale.exists(), "schema docs must delete the generated page of a table that no longer exists"


def test_write_refuses_to_overwrite_a_hand_written_page(generated: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "database_schema.md").write_text("# written by hand\n")
    with pytest.raises(FileExistsError, match="hand-written"):
        generate.write(generated, tmp_path)


# --- determinism --------------------------------------------------------------------------------


def test_same_schema_gives_the_same_bytes(head_engine: sa.Engine, generated: dict[str, str]) -> None:
    with head_engine.connect() as conn:
        assert render_on(conn) == generated


def test_partitions_made_by_the_calendar_do_not_change_the_docs(head_conn: sa.Connection, generated: dict[str, str]) -> None:
    cat = catalog_module.read(head_conn)
    dated = [(t, p) for t in cat.tables.values() for p in t.partitions if DATED_SUFFIX.search(p.name)]
    assert dated, "the schema has no monthly partitions; this test proves nothing without one"
    for table, example in dated[:1] + [d for d in dated if d[0].name != dated[0][0].name][:1]:
        nsp = head_conn.execute(
            sa.text("SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = :n"), {"n": example.name}
        ).scalar_one()
        if table.name == "audit_logs":
            # SEC-024: audit partitions are made only by maintenance (a hand-made one lacks its TRUNCATE guard).
            head_conn.exec_driver_sql("SET LOCAL app.historical_import = 'on'")
            head_conn.exec_driver_sql(
                "INSERT INTO audit_logs (action, resource_type, created_at) VALUES ('system.backfill', 'audit_logs', '2099-01-15')"
            )
            head_conn.exec_driver_sql("SELECT count(*) FROM maintain_partitions('audit_logs', 3, 84)")
            continue
        head_conn.exec_driver_sql(
            f'CREATE TABLE "{nsp}"."{table.name}_p209901" PARTITION OF "{table.name}" FOR VALUES FROM (\'2099-01-01\') TO (\'2099-02-01\')'
        )
    assert render_on(head_conn) == generated


def test_no_page_names_a_partition_made_by_the_calendar(generated: dict[str, str]) -> None:
    for path, text in generated.items():
        assert not re.search(r"_p20\d{4}\b", text), f"{path} names a partition made by the calendar"


# --- content ------------------------------------------------------------------------------------


def test_database_schema_has_every_table_and_foreign_key(generated: dict[str, str], head_catalog) -> None:
    page = generated["database_schema.md"]
    diagram = page.split("```mermaid", 1)[1].split("```", 1)[0]
    entities = set(re.findall(r"^\t(\w+)\{$", diagram, re.MULTILINE))
    assert entities == set(head_catalog.tables)
    links = re.findall(r"^\t(\w+)(\|\||\|o)--(o\{|o\|)(\w+) : \"([^\"]+)\"$", diagram, re.MULTILINE)
    fks = [c for c in head_catalog.constraints if c.kind == "f"]
    assert sorted((p, c, label) for p, _, _, c, label in links) == sorted(
        (fk.referred_table, fk.table, ", ".join(fk.columns)) for fk in fks
    )
    index = page.split("## Tables", 1)[1]
    for name in head_catalog.tables:
        assert re.search(rf"\[`{name}`\]\(\w+/{name}\.md\)", index), f"{name} missing from the table index"


def test_every_table_has_a_page_with_its_columns_and_comment(generated: dict[str, str], head_catalog) -> None:
    pages = {Path(p).stem: text for p, text in generated.items() if p.count("/") == 1 and not p.endswith("index.md")}
    assert set(head_catalog.tables) <= set(pages)
    for table in head_catalog.tables.values():
        text = pages[table.name]
        for col in table.columns:
            assert f"`{col.name}`{{#column-{col.name}}}" in text, f"{table.name}.{col.name} missing"
        for index in table.indexes:
            assert f"`{index.name}`" in text


def test_every_rule_is_on_the_rules_page(generated: dict[str, str]) -> None:
    rules_page = generated["reference/rules.md"]
    for rule_id in RULES:
        assert f"### {rule_id} {{#{rule_id.lower()}}}" in rules_page


def test_migrations_reference_lists_every_revision(generated: dict[str, str]) -> None:
    page = generated["reference/migrations.md"]
    for script in migrations.script_directory().walk_revisions():
        assert f"### {script.revision} {{#{script.revision}}}" in page


# --- the built site -----------------------------------------------------------------------------


class ResourceRefs(HTMLParser):
    """Every URL a page loads by itself (scripts, stylesheets, images, frames), not links a reader follows."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("href"):
            self.loaded.append(values["href"] or "")
        if values.get("src"):
            self.loaded.append(values["src"] or "")


def test_mkdocs_build_strict_passes(built_site: Path) -> None:
    assert (built_site / "database_schema" / "index.html").is_file()
    assert (built_site / "assets" / "javascripts" / "mermaid.min.js").stat().st_size > 1_000_000


def test_site_loads_nothing_from_another_host(built_site: Path) -> None:
    external = re.compile(r"^(https?:)?//(?!127\.0\.0\.1[:/])", re.IGNORECASE)
    offenders = []
    for html in sorted(built_site.rglob("*.html")):
        parser = ResourceRefs()
        parser.feed(html.read_text(encoding="utf-8"))
        offenders += [f"{html.relative_to(built_site)}: {url}" for url in parser.loaded if external.match(url)]
    for css in sorted(built_site.rglob("*.css")):
        offenders += [
            f"{css.relative_to(built_site)}: {url}"
            for url in re.findall(r"url\(\s*['\"]?(https?://[^)'\"]+)", css.read_text(encoding="utf-8"))
        ]
    assert not offenders, "the handbook must work offline:\n" + "\n".join(offenders)


# --- what a table page tells a reader (issue 22) -------------------------------------------------


def test_no_page_links_to_itself_with_an_empty_href(built_site: Path) -> None:
    offenders = [str(p.relative_to(built_site)) for p in sorted(built_site.rglob("*.html")) if 'href=""' in p.read_text(encoding="utf-8")]
    assert not offenders, f'pages with href="": {offenders}'


def test_a_self_referencing_composite_key_does_not_make_a_column_its_own_parent(generated: dict[str, str], head_catalog) -> None:
    """quotes (parent_quote_id, customer_id) -> quotes (id, customer_id): customer_id is not its own parent."""
    assert any(
        fk.table == fk.referred_table == "quotes" and "customer_id" in fk.columns for fk in head_catalog.table("quotes").foreign_keys
    )
    for path, text in generated.items():
        for line in text.splitlines():
            match = re.match(r"\| `(\w+)`\{#column-(\w+)\}", line)
            if match:
                own = f"[`{Path(path).stem}.{match.group(2)}`](#column-{match.group(2)})"
                assert own not in line, f"{path}: {match.group(2)} lists itself as parent or child"


def test_every_table_page_has_its_access_and_every_index_its_measurement(generated: dict[str, str], head_catalog) -> None:
    measured = generate.measured()
    for table in head_catalog.tables.values():
        page = next(text for p, text in generated.items() if p.endswith(f"/{table.name}.md"))
        access = page.split("## Access", 1)[1].split("\n## ", 1)[0]
        assert "| Profile | app_rw | app_ro | auditor | admin_rw | PUBLIC |" in access, table.name
        assert "### Row-level security" in access, table.name
        for m in measured:
            if m.table == table.name and m.index in {i.name for i in table.indexes}:
                row = next(line for line in page.splitlines() if f"{{#index-{m.index}}}" in line)
                assert f"(../reports/performance.md#{m.pattern})" in row, f"{m.index} does not link its pattern {m.pattern}"
                assert f"**{m.speedup:,.1f}x**" in row
    report = (DOCS / "reports" / "performance.md").read_text(encoding="utf-8")
    for m in measured:
        assert f"`{m.pattern}`{{#{m.pattern}}}" in report, f"the report has no row anchor for {m.pattern}"
    assert "| pattern | speed-up | ms with | ms without |" in report
    assert "[`uq_quotes_quote_number`](../quotes/quotes.md#index-uq_quotes_quote_number)" in report


def test_constraint_rows_show_the_rule_they_enforce(generated: dict[str, str]) -> None:
    page = generated["quotes/quotes.md"]
    row = next(line for line in page.splitlines() if line.startswith("| `ck_quotes_expires_after_created`"))
    assert f"enforces [QUO-010](../reference/rules.md#quo-010): {RULES['QUO-010'].statement[:30]}" in row
    assert "| Name | Type | Comment | Nullable | Default | Parents / children |" in page
    pii_page = generated["core/customers.md"]
    assert "### PII classification" in pii_page


def test_generated_pages_hide_the_right_hand_toc_and_table_pages_are_boosted(generated: dict[str, str], head_catalog) -> None:
    for path, text in generated.items():
        if path.endswith(".md") and generate.FILL_BEGIN not in text:  # a filled hand-written page keeps its own front matter
            assert text.startswith("---\nhide: [toc]\n"), path
    assert "search: {boost: " in generated["quotes/quotes.md"]
    assert "search:" not in generated["reference/rules.md"]


def test_home_page_points_to_every_section_of_the_navigation(generated: dict[str, str]) -> None:
    home = (DOCS / "index.md").read_text(encoding="utf-8")
    nav = yaml.safe_load(generated[".nav.yml"])
    wanted = []
    for section in nav:
        ((title, target),) = section.items()
        if title in ("Reference", "Reports"):
            wanted += [next(iter(e.values())) for e in target if isinstance(next(iter(e.values())), str)]
            assert f"**{title}**" in home, f"the home page does not list {title}"
        elif isinstance(target, str) and target != "index.md":
            wanted.append(target)
    missing = [t for t in wanted if f"]({t})" not in home]
    assert not missing, f"the home page's Where to start misses {missing}"


def test_search_index_leaves_out_diagrams_and_has_a_row_entry_per_anchor(built_site: Path) -> None:
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    diagrams = [d["location"] for d in index["docs"] if "erDiagram" in d["text"] or "stateDiagram" in d["text"]]
    assert not diagrams, f"Mermaid source indexed at {diagrams[:5]}"
    locations = {d["location"]: d for d in index["docs"]}
    assert locations["quotes/quotes/#column-quote_number"]["title"] == "quote_number"
    assert locations["quotes/quotes/#ck_quotes_expires_after_created"]["boost"] > 1
    assert "\\-" not in index["config"]["separator"], "the separator must not split QUO-003 at the hyphen"

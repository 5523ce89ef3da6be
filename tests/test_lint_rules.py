"""Each lint rule on small schemas: its bad fixture trips it on exactly the expected objects, its
good fixture does not, and the examples of its handbook page behave the same way.

Fixtures are applied to one throw-away database inside a transaction that is rolled back, so 34
schemas cost one CREATE DATABASE; the catalog is read inside the transaction, where PostgreSQL
already shows the uncommitted DDL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import catalog, database, migrations
from schema.catalog import Catalog
from schema.lint import CATALOG_RULES, run_rule

FIXTURES = Path(__file__).parent / "lint_fixtures"
RULE_IDS = sorted(CATALOG_RULES)
EXPECT = re.compile(r"^-- expect: (.+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def fixture_engine(server_url: URL) -> Iterator[sa.Engine]:
    """One empty database for every fixture of this module (each runs in a rolled-back transaction)."""
    with migrations.temporary_database(server_url, "wb_lint") as url:
        eng = database.engine(url)
        try:
            yield eng
        finally:
            eng.dispose()


def catalog_of(engine: sa.Engine, sql: str) -> Catalog:
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.exec_driver_sql(sql)
            return catalog.read(conn)
        finally:
            trans.rollback()


def expected_objects(sql: str, path: Path) -> set[str]:
    match = EXPECT.search(sql)
    assert match, f"{path.name} must start with '-- expect: <object>, ...' naming what the rule reports"
    return {name.strip() for name in match.group(1).split(",")}


def test_every_rule_has_a_bad_and_a_good_fixture() -> None:
    expected = {f"{r}.{kind}.sql" for r in RULE_IDS for kind in ("bad", "good")}
    present = {p.name for p in FIXTURES.glob("*.sql")}
    assert sorted(expected - present) == [], "missing fixtures"
    assert sorted(present - expected) == [], "fixtures for rules that do not exist"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_bad_fixture_trips_the_rule_on_exactly_the_expected_objects(fixture_engine: sa.Engine, rule_id: str) -> None:
    path = FIXTURES / f"{rule_id}.bad.sql"
    sql = path.read_text()
    findings = run_rule(rule_id, catalog_of(fixture_engine, sql))
    assert {f.object for f in findings} == expected_objects(sql, path)
    assert all(f.rule == rule_id and f.message and f.fix for f in findings)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_good_fixture_passes_the_rule(fixture_engine: sa.Engine, rule_id: str) -> None:
    findings = run_rule(rule_id, catalog_of(fixture_engine, (FIXTURES / f"{rule_id}.good.sql").read_text()))
    assert findings == []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_handbook_examples_behave_as_documented(fixture_engine: sa.Engine, rule_id: str) -> None:
    """The bad example of a rule's page trips it and the good one does not: the docs cannot lie."""
    doc = CATALOG_RULES[rule_id].doc
    assert run_rule(rule_id, catalog_of(fixture_engine, doc.bad_example)), doc.bad_example
    assert run_rule(rule_id, catalog_of(fixture_engine, doc.good_example)) == []


def test_unknown_rule_id_reads_the_registry_it_is_given(fixture_engine: sa.Engine) -> None:
    cat = catalog_of(fixture_engine, (FIXTURES / "unknown-rule-id.good.sql").read_text())
    check = CATALOG_RULES["unknown-rule-id"].check
    assert [p.object for p in check(cat, known=frozenset())] == ["policies"]  # type: ignore[call-arg]  # this rule also takes the registry it reads (known=)


def test_a_rule_names_no_rule_that_does_not_exist() -> None:
    with pytest.raises(KeyError, match="no lint rule 'no-such-rule'"):
        run_rule("no-such-rule", Catalog(tables={}, functions=[]))

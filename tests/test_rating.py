"""Rating engine: the California credit rule (RAT-007), the rate in force (RAT-001), who may change
rates, and the catalog checks shared by the quote and rating domains (index patterns, rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import psycopg.errors
import pytest
import sqlalchemy as sa

from schema.catalog import Catalog
from schema.models import metadata
from schema.rules import RULES
from schema.samples import Ctx
from tests.test_quotes import QUOTE_TABLES, refused

RATING_TABLES = ("rate_tables", "discount_rules")
DOMAINS = {"QUO": QUOTE_TABLES, "RAT": RATING_TABLES}

RATE_IN_FORCE = sa.text(
    """
    SELECT filing_id FROM rate_tables
    WHERE state = :state AND product_type = 'auto' AND coverage_type = 'collision'
      AND effective_date <= :day AND (expiration_date IS NULL OR expiration_date > :day)
    ORDER BY effective_date DESC
    LIMIT 1
    """
)


def test_california_auto_rates_refuse_credit_factors(head_conn: sa.Connection, head_catalog: Catalog) -> None:
    """Issue 6's acceptance, and the rule id on the constraint itself."""
    ctx = Ctx(head_conn)
    rates = metadata.tables["rate_tables"]
    ca = {"state": "CA", "filing_id": "CA-AUTO-2026-001"}
    error = refused(head_conn, rates.insert().values(**ctx.row("rate_tables", **ca)))
    assert isinstance(error, psycopg.errors.CheckViolation)
    assert error.diag.constraint_name == "ck_rate_tables_no_credit_in_california_auto"
    comment = next(
        c.comment for c in head_catalog.table("rate_tables").constraints if c.name == "ck_rate_tables_no_credit_in_california_auto"
    )
    assert comment and comment.startswith("RAT-007")
    # Without credit factors the same rate loads; other states and CA home may use credit.
    ctx.insert("rate_tables", **ca, credit_factors=sa.null())
    ctx.insert(
        "rate_tables",
        state="CA",
        product_type="home",
        coverage_type="dwelling",
        filing_id="CA-HOME-2026-001",
        vehicle_factors=sa.null(),
        driver_factors=sa.null(),
    )
    assert ctx.insert("rate_tables").credit_factors is not None


def test_the_rate_in_force_is_the_latest_effective_unexpired_one(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    common = {"state": "NY", "filing_id": "NY-AUTO-2026-001"}
    ctx.insert("rate_tables", **common, effective_date=dt.date(2031, 1, 1), expiration_date=None)
    ctx.insert(
        "rate_tables",
        **{**common, "filing_id": "NY-AUTO-2026-002"},
        effective_date=dt.date(2031, 7, 1),
        expiration_date=dt.date(2032, 1, 1),
    )
    in_force = {
        day: head_conn.execute(RATE_IN_FORCE, {"state": "NY", "day": day}).scalar()
        for day in (dt.date(2030, 12, 31), dt.date(2031, 3, 1), dt.date(2031, 8, 1), dt.date(2032, 2, 1))
    }
    # After the later filing expires, the open-ended earlier one is (still) in force: RAT-001.
    assert list(in_force.values()) == [None, "NY-AUTO-2026-001", "NY-AUTO-2026-002", "NY-AUTO-2026-001"]


def test_discount_defaults_and_updated_at(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    rule = ctx.insert("discount_rules")
    assert (rule.stackable, rule.priority) == (True, 100)  # RAT-011, RAT-012
    head_conn.execute(sa.text("UPDATE discount_rules SET discount_value = :v WHERE id = :id"), {"v": Decimal("12.50"), "id": rule.id})
    after = head_conn.execute(sa.text("SELECT updated_at FROM discount_rules WHERE id = :id"), {"id": rule.id}).scalar_one()
    assert after > rule.updated_at  # COR-002


@pytest.mark.parametrize("table", RATING_TABLES)
def test_only_the_admin_console_changes_rates(head_conn: sa.Connection, table: str) -> None:
    ctx = Ctx(head_conn)
    values = ctx.row(table)
    statement = metadata.tables[table].insert().values(**values)
    head_conn.exec_driver_sql("SET LOCAL ROLE app_rw")
    error = refused(head_conn, statement)
    assert isinstance(error, psycopg.errors.InsufficientPrivilege), error
    head_conn.exec_driver_sql("SET LOCAL ROLE admin_rw")
    head_conn.execute(statement)


# --- catalog checks of the quote and rating domains ------------------------------------------


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_index_names_its_query_pattern(head_catalog: Catalog, domain: str) -> None:
    for table in DOMAINS[domain]:
        for index in head_catalog.table(table).indexes:
            assert index.comment and index.comment.startswith("pattern: "), f"{index.name}: {index.comment!r}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_rules_are_implemented_at_head(head_catalog: Catalog, domain: str) -> None:
    names = head_catalog.object_names()
    rules = [r for r in RULES.values() if r.domain == domain]
    assert rules
    for rule in rules:
        missing = [obj for obj in rule.implemented_by if obj not in names]
        assert not missing, f"{rule.id}: {missing}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_nullable_column_says_what_null_means(head_catalog: Catalog, domain: str) -> None:
    for table in DOMAINS[domain]:
        for column in head_catalog.table(table).columns:
            if not column.not_null:
                assert column.comment and "NULL" in column.comment, f"{table}.{column.name}: {column.comment!r}"

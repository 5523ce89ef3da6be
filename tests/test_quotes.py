"""Quote system: numbers issued by the database (QUO-003), versions (QUO-006), and the catalog shape.

The concurrency test is the one issue 5 asks for: eight connections, each its own session, insert
500 quotes each, one transaction per quote, into a scratch database at head, and the 4,000 numbers
that come back are distinct and well-formed.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

import psycopg.errors
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.catalog import Catalog
from schema.lint.rules import serves_foreign_key
from schema.models import metadata
from schema.models.quotes import QUOTE_NUMBER_PATTERN
from schema.samples import refused
from tests.constraint_cases import Ctx

QUOTE_TABLES = ("quotes", "quote_number_counters")  # the catalog checks of both domains: tests/test_rating.py

DRAFT_QUOTE = sa.text(
    """
    INSERT INTO quotes (customer_id, product_type, state, zip_code, effective_date, expires_at, created_by, updated_by)
    VALUES (:customer_id, 'auto', 'TX', '78701', DATE '2026-03-01', now() + interval '30 days', :user_id, :user_id)
    RETURNING quote_number
    """
)


def _draft(ctx: Ctx, **overrides) -> sa.Row:
    """A draft auto quote (no price, no policy), inserted; overrides as in Ctx.insert."""
    values = {"status": "draft", "converted_to_policy_id": None, **overrides}
    return ctx.insert("quotes", **values)


def _db_error(excinfo: pytest.ExceptionInfo) -> psycopg.Error:
    assert isinstance(excinfo.value.orig, psycopg.Error), excinfo.value
    return excinfo.value.orig


# --- QUO-003: quote numbers ------------------------------------------------------------------


def test_concurrent_inserts_get_distinct_well_formed_numbers(scratch_database: URL) -> None:
    migrations.upgrade("head", url=scratch_database)
    engine = database.engine(scratch_database, pool_size=8, max_overflow=0)
    try:
        with engine.begin() as conn:
            ctx = Ctx(conn)
            ids = {"customer_id": ctx.insert("customers").id, "user_id": ctx.insert("users").id}
        numbers: list[str] = []
        errors: list[BaseException] = []
        start = threading.Barrier(8)

        def worker() -> None:
            try:
                with engine.connect() as conn:
                    # One transaction per quote: the counter row lock is taken and released 500 times.
                    conn.exec_driver_sql("SET synchronous_commit = off")
                    conn.commit()
                    start.wait()
                    mine = []
                    for _ in range(500):
                        mine.append(conn.execute(DRAFT_QUOTE, ids).scalar_one())
                        conn.commit()
                    numbers.extend(mine)
            except BaseException as exc:  # noqa: BLE001 - collected and re-raised in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len(numbers) == 4000
        assert len(set(numbers)) == 4000
        assert all(re.fullmatch(QUOTE_NUMBER_PATTERN, n) for n in numbers)
        year = dt.datetime.now(dt.UTC).year
        # Gap-free too: every transaction committed, so the year's numbers are exactly 1..4000.
        assert sorted(numbers) == [f"QUOT-{year}-{i:06d}" for i in range(1, 4001)]
    finally:
        engine.dispose()


def test_the_year_follows_created_at_in_utc(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    new_years_eve_new_york = dt.datetime(2031, 12, 31, 20, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    cases = [
        (dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC), "QUOT-2030-000001"),
        (dt.datetime(2030, 6, 2, 12, 0, tzinfo=dt.UTC), "QUOT-2030-000002"),
        (new_years_eve_new_york, "QUOT-2032-000001"),  # 01:30 UTC on Jan 1st
        (dt.datetime(2031, 3, 1, tzinfo=dt.UTC), "QUOT-2031-000001"),
    ]
    for created, expected in cases:
        row = _draft(ctx, created_at=created, expires_at=created + dt.timedelta(days=30))
        assert row.quote_number == expected


def test_the_millionth_quote_of_a_year_is_refused_by_rule(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    created = dt.datetime(2040, 5, 5, tzinfo=dt.UTC)
    head_conn.execute(sa.text("INSERT INTO quote_number_counters (year, last_value) VALUES (2040, 999998)"))
    last = _draft(ctx, created_at=created, expires_at=created + dt.timedelta(days=30))
    assert last.quote_number == "QUOT-2040-999999"
    values = ctx.row("quotes", status="draft", converted_to_policy_id=None, created_at=created,
                     expires_at=created + dt.timedelta(days=30))
    error = refused(head_conn, metadata.tables["quotes"].insert().values(**values))
    assert isinstance(error, psycopg.errors.ProgramLimitExceeded), error
    assert "QUO-003" in str(error) and "2040" in str(error)
    # The counter did not move, and other years are unaffected.
    assert head_conn.execute(sa.text("SELECT last_value FROM quote_number_counters WHERE year = 2040")).scalar() == 999999
    other = dt.datetime(2041, 1, 1, 12, tzinfo=dt.UTC)
    assert _draft(ctx, created_at=other, expires_at=other + dt.timedelta(days=1)).quote_number == "QUOT-2041-000001"


def test_an_imported_number_moves_the_counter_past_it(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    created = dt.datetime(2035, 2, 1, tzinfo=dt.UTC)
    times = {"created_at": created, "expires_at": created + dt.timedelta(days=30)}
    assert _draft(ctx, **times).quote_number == "QUOT-2035-000001"
    assert _draft(ctx, quote_number="QUOT-2035-000500", **times).quote_number == "QUOT-2035-000500"
    assert _draft(ctx, quote_number="QUOT-2035-000100", **times).quote_number == "QUOT-2035-000100"
    assert _draft(ctx, **times).quote_number == "QUOT-2035-000501"


def test_an_explicit_null_quote_number_is_refused_not_filled(head_conn: sa.Connection) -> None:
    """Only the template default asks for a number; NULL is a mistake and NOT NULL says so."""
    ctx = Ctx(head_conn)
    values = ctx.row("quotes", quote_number=sa.null())
    error = refused(head_conn, metadata.tables["quotes"].insert().values(**values))
    assert isinstance(error, psycopg.errors.NotNullViolation)
    assert error.diag.column_name == "quote_number"


# --- QUO-006: versions -------------------------------------------------------------------------


def test_a_requote_is_its_parents_version_plus_one_of_the_same_customer(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    original = _draft(ctx)
    quotes = metadata.tables["quotes"]
    second = _draft(ctx, customer_id=original.customer_id, parent_quote_id=original.id, version=2)
    assert second.version == 2

    wrong_version = ctx.row("quotes", **{**second._asdict(), "id": uuid.uuid4(), "quote_number": "QUOT-YYYY-NNNNNN",
                                         "parent_quote_id": second.id, "version": 2})
    error = refused(head_conn, quotes.insert().values(**wrong_version))
    assert "QUO-006" in str(error) and "expected 3, got 2" in str(error)

    other_customer = _draft(ctx)
    stolen = ctx.row("quotes", status="draft", converted_to_policy_id=None, customer_id=other_customer.customer_id,
                     parent_quote_id=original.id, version=2)
    error = refused(head_conn, quotes.insert().values(**stolen))
    assert isinstance(error, psycopg.errors.ForeignKeyViolation)
    assert error.diag.constraint_name == "fk_quotes_parent_quote_id_customer_id_quotes"


def test_version_and_parent_are_fixed_after_insert(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    original = _draft(ctx)
    error = refused(head_conn, sa.text("UPDATE quotes SET version = 5 WHERE id = :id"), {"id": original.id})
    assert "QUO-006" in str(error) and "fixed at creation" in str(error)
    # Other columns stay updatable, and updated_at moves (COR-002).
    head_conn.execute(sa.text("UPDATE quotes SET status = 'calculating' WHERE id = :id"), {"id": original.id})
    after = head_conn.execute(sa.text("SELECT updated_at FROM quotes WHERE id = :id"), {"id": original.id}).scalar_one()
    assert after > original.updated_at


# --- grants and catalog --------------------------------------------------------------------


def test_the_application_role_can_insert_quotes_and_get_numbers(head_conn: sa.Connection) -> None:
    """app_rw needs the counter table too: the trigger runs with the inserting role's rights."""
    ctx = Ctx(head_conn)
    ids = {"customer_id": ctx.insert("customers").id, "user_id": ctx.insert("users").id}
    head_conn.exec_driver_sql("SET LOCAL ROLE app_rw")
    number = head_conn.execute(DRAFT_QUOTE, ids).scalar_one()
    assert re.fullmatch(QUOTE_NUMBER_PATTERN, number)


def test_every_foreign_key_has_an_index_led_by_its_columns(head_catalog: Catalog) -> None:
    quotes = head_catalog.table("quotes")
    for fk in quotes.foreign_keys:
        assert fk.on_delete == "RESTRICT", fk.name
        assert any(serves_foreign_key(ix, fk.columns) for ix in quotes.indexes), fk.name


def test_no_index_duplicates_the_unique_quote_number(head_catalog: Catalog) -> None:
    """DEV-QUO-02: the seed's idx_quotes_quote_number is gone; the UNIQUE constraint's index serves."""
    on_number = [ix.name for ix in head_catalog.table("quotes").indexes if ix.key_columns[:1] == ("quote_number",)]
    assert on_number == ["uq_quotes_quote_number"]

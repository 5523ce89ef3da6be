"""Quote system: numbers issued by the database (QUO-003), versions (QUO-006), and the catalog shape.

The concurrency test is the one issue 5 asks for: eight connections, each its own session, insert
500 quotes each, one transaction per quote, into a scratch database at head, and the 4,000 numbers
that come back are distinct and well-formed. Issue 21 (revision 012): numbers come from a sequence
per year, so a quote insert never waits for another one's commit (tested with an open transaction
beside it), and the revision continues each year after the highest number issued before it.

Sequences are not transactional: tests that spend numbers inside the shared head database's rolled
back transactions use years whose sequence the same transaction creates (far from today), so the
sequence vanishes with the rollback and every run starts at 000001.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

import psycopg.errors
import pytest
import sqlalchemy as sa
from rich.console import Console
from sqlalchemy.engine import URL

from schema import database, migrations
from schema.catalog import Catalog
from schema.lint.rules import serves_foreign_key
from schema.models import metadata
from schema.models.quotes import QUOTE_NUMBER_PATTERN
from schema.samples import Ctx, refused
from schema.seed import scales, volume

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
        # Gaps are allowed (QUO-003, DEV-QUO-15), but here every transaction committed and nothing
        # else spent a number of this year's fresh sequence, so the numbers are exactly 1..4000.
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


def _sequence_issued(conn: sa.Connection, year: int) -> int | None:
    """The last value the year's sequence issued (None: it has none yet)."""
    return conn.execute(
        sa.text(
            "SELECT coalesce(pg_sequence_last_value(c.oid), s.seqstart - 1) FROM pg_class c "
            "JOIN pg_sequence s ON s.seqrelid = c.oid WHERE c.relname = :name"
        ),
        {"name": f"quote_number_seq_{year}"},
    ).scalar()


def test_the_millionth_quote_of_a_year_is_refused_by_rule(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    created = dt.datetime(2040, 5, 5, tzinfo=dt.UTC)
    times = {"created_at": created, "expires_at": created + dt.timedelta(days=30)}
    assert _draft(ctx, quote_number="QUOT-2040-999998", **times).quote_number == "QUOT-2040-999998"
    last = _draft(ctx, **times)
    assert last.quote_number == "QUOT-2040-999999"
    values = ctx.row("quotes", status="draft", converted_to_policy_id=None, **times)
    error = refused(head_conn, metadata.tables["quotes"].insert().values(**values))
    # A business refusal (class 23), naming the rule and the trigger.
    assert isinstance(error, psycopg.errors.CheckViolation), error
    assert error.diag.constraint_name == "trg_quotes_assign_quote_number"
    assert "QUO-003" in str(error) and "2040" in str(error) and "trg_quotes_assign_quote_number" in str(error)
    # Refused again on the next try (the refused attempt spent a value above 999999, nothing more).
    error = refused(head_conn, metadata.tables["quotes"].insert().values(**{**values, "id": uuid.uuid4()}))
    assert isinstance(error, psycopg.errors.CheckViolation), error
    year_2040 = "SELECT count(*) FROM quotes WHERE quote_number LIKE 'QUOT-2040-%'"
    assert head_conn.execute(sa.text(year_2040)).scalar() == 2
    # Other years are unaffected.
    other = dt.datetime(2041, 1, 1, 12, tzinfo=dt.UTC)
    assert _draft(ctx, created_at=other, expires_at=other + dt.timedelta(days=1)).quote_number == "QUOT-2041-000001"


def test_an_imported_number_moves_the_sequence_past_it(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    created = dt.datetime(2035, 2, 1, tzinfo=dt.UTC)
    times = {"created_at": created, "expires_at": created + dt.timedelta(days=30)}
    assert _draft(ctx, **times).quote_number == "QUOT-2035-000001"
    assert _draft(ctx, quote_number="QUOT-2035-000500", **times).quote_number == "QUOT-2035-000500"
    assert _sequence_issued(head_conn, 2035) == 500
    # An import behind the sequence never moves it back.
    assert _draft(ctx, quote_number="QUOT-2035-000100", **times).quote_number == "QUOT-2035-000100"
    assert _sequence_issued(head_conn, 2035) == 500
    assert _draft(ctx, **times).quote_number == "QUOT-2035-000501"
    # The first import of a year without a sequence creates it, already past the number.
    created = dt.datetime(2036, 3, 1, tzinfo=dt.UTC)
    times = {"created_at": created, "expires_at": created + dt.timedelta(days=30)}
    assert _draft(ctx, quote_number="QUOT-2036-000042", **times).quote_number == "QUOT-2036-000042"
    assert _draft(ctx, **times).quote_number == "QUOT-2036-000043"
    # The quote counter of revision 002 is no longer written.
    counters = head_conn.execute(sa.text("SELECT count(*) FROM quote_number_counters WHERE year IN (2035, 2036)"))
    assert counters.scalar() == 0


def test_a_number_that_exists_is_never_issued_again(head_conn: sa.Connection) -> None:
    """The race setval leaves (an import moving the sequence while another session takes a value):
    rewound by hand here, issue skips every number already in quotes."""
    ctx = Ctx(head_conn)
    created = dt.datetime(2037, 7, 1, tzinfo=dt.UTC)
    times = {"created_at": created, "expires_at": created + dt.timedelta(days=30)}
    issued = [_draft(ctx, **times).quote_number for _ in range(3)]
    assert issued == ["QUOT-2037-000001", "QUOT-2037-000002", "QUOT-2037-000003"]
    head_conn.execute(sa.text("SELECT setval('quote_number_seq_2037', 1)"))
    assert _draft(ctx, **times).quote_number == "QUOT-2037-000004"


def test_the_maintenance_creates_the_sequences_ahead(head_conn: sa.Connection) -> None:
    """run_partition_maintenance() (cron, `schema partitions maintain`) creates this year's and next
    year's sequence, so no quote insert of the year waits for one to be created."""
    year = head_conn.execute(sa.text("SELECT EXTRACT(year FROM now() AT TIME ZONE 'UTC')::integer")).scalar_one()
    ahead = f"quote_number_seq_{year + 1}"
    assert _sequence_issued(head_conn, year + 1) is not None, "the revision created next year's sequence"
    head_conn.exec_driver_sql(f"DROP SEQUENCE {ahead}")  # rolled back with the test
    planned = head_conn.execute(
        sa.text("SELECT partition_name, detail FROM run_partition_maintenance(true) WHERE parent_table = 'quotes'")
    ).all()
    assert [p.partition_name for p in planned] == [ahead] and "QUO-003" in planned[0].detail
    assert _sequence_issued(head_conn, year + 1) is None, "a dry run creates nothing"
    done = (
        head_conn.execute(sa.text("SELECT partition_name FROM run_partition_maintenance(false) WHERE parent_table = 'quotes'"))
        .scalars()
        .all()
    )
    assert done == [ahead]
    assert _sequence_issued(head_conn, year + 1) == 0
    again = head_conn.execute(sa.text("SELECT count(*) FROM run_partition_maintenance(false) WHERE parent_table = 'quotes'"))
    assert again.scalar_one() == 0


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

    wrong_version = ctx.row(
        "quotes", **{**second._asdict(), "id": uuid.uuid4(), "quote_number": "QUOT-YYYY-NNNNNN", "parent_quote_id": second.id, "version": 2}
    )
    error = refused(head_conn, quotes.insert().values(**wrong_version))
    assert "QUO-006" in str(error) and "expected 3, got 2" in str(error)

    other_customer = _draft(ctx)
    stolen = ctx.row(
        "quotes",
        status="draft",
        converted_to_policy_id=None,
        customer_id=other_customer.customer_id,
        parent_quote_id=original.id,
        version=2,
    )
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
    """app_rw needs no right on the sequences or the counter: the trigger issues numbers as its owner."""
    ctx = Ctx(head_conn)
    ids = {"customer_id": ctx.insert("customers").id, "user_id": ctx.insert("users").id}
    head_conn.exec_driver_sql("SET LOCAL ROLE app_rw")
    number = head_conn.execute(DRAFT_QUOTE, ids).scalar_one()
    assert re.fullmatch(QUOTE_NUMBER_PATTERN, number)
    year = dt.datetime.now(dt.UTC).year
    spend = refused(head_conn, sa.text(f"SELECT nextval('quote_number_seq_{year}')"))
    assert isinstance(spend, psycopg.errors.InsufficientPrivilege), spend
    write = refused(head_conn, sa.text("UPDATE quote_number_counters SET last_value = 0"))
    assert isinstance(write, psycopg.errors.InsufficientPrivilege), write


def test_every_foreign_key_has_an_index_led_by_its_columns(head_catalog: Catalog) -> None:
    quotes = head_catalog.table("quotes")
    for fk in quotes.foreign_keys:
        assert fk.on_delete == "RESTRICT", fk.name
        assert any(serves_foreign_key(ix, fk.columns) for ix in quotes.indexes), fk.name


def test_no_index_duplicates_the_unique_quote_number(head_catalog: Catalog) -> None:
    """DEV-QUO-02: the seed's idx_quotes_quote_number is gone; the UNIQUE constraint's index serves."""
    on_number = [ix.name for ix in head_catalog.table("quotes").indexes if ix.key_columns[:1] == ("quote_number",)]
    assert on_number == ["uq_quotes_quote_number"]


# --- revision 012: from the counter to the sequences ----------------------------------------------

NUMBERING_REVISION = "012"
QUOTE_WORLD = ("users", "customers", "policies", "claims", "quotes")
HIGHEST_OF_YEAR = "SELECT max(quote_number) FROM quotes WHERE quote_number LIKE :prefix"
ALL_NUMBERS = "SELECT quote_number FROM quotes"


def _seed_quotes(url: URL) -> None:
    """The volume generator at small scale, for the tables quotes need, below the revision."""
    eng = database.engine(url)
    try:
        with eng.connect() as conn:
            steps, _missing = volume.plan(conn)
            gen = volume.Generator(conn, scales.get("small"), 7, dt.datetime.now(dt.UTC).date(), Console(quiet=True))
            gen.prepare()
            gen.run([s for s in steps if s.table in QUOTE_WORLD])
    finally:
        eng.dispose()


def _insert_live_quote(conn: sa.Connection) -> str:
    ids = conn.execute(
        sa.text(
            "SELECT (SELECT id FROM customers ORDER BY id LIMIT 1) AS customer_id, (SELECT id FROM users ORDER BY id LIMIT 1) AS user_id"
        )
    ).one()
    return conn.execute(DRAFT_QUOTE, {"customer_id": ids.customer_id, "user_id": ids.user_id}).scalar_one()


def test_the_upgrade_continues_after_the_highest_number_issued(server_url: URL) -> None:
    """A database at 011 holding seeded quotes, whose counter for this year lags behind its highest
    number (an import the counter never saw) and with a counter row for a year without quotes:
    after 012 each year continues after GREATEST(counter, highest number), nothing is issued twice;
    downgrade writes the counter back past every number, and upgrade again continues after it."""
    down = migrations.script_directory().get_revision(NUMBERING_REVISION).down_revision
    assert isinstance(down, str)
    with migrations.temporary_database(server_url, "wb_q012", revision=down) as url:
        _seed_quotes(url)
        eng = database.engine(url)
        try:
            year = dt.datetime.now(dt.UTC).year
            prefix = {"prefix": f"QUOT-{year}-%"}
            with eng.begin() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM quotes")).scalar_one() > 0
                highest = conn.execute(sa.text(HIGHEST_OF_YEAR), prefix).scalar_one()
                assert highest is not None, "the seed made no quote of this year"
                conn.execute(sa.text("UPDATE quote_number_counters SET last_value = 1 WHERE year = :y"), {"y": year})
                conn.execute(sa.text("INSERT INTO quote_number_counters (year, last_value) VALUES (2039, 77)"))
            migrations.upgrade(NUMBERING_REVISION, url=url)
            with eng.begin() as conn:
                first = _insert_live_quote(conn)
                assert first == f"QUOT-{year}-{int(highest[-6:]) + 1:06d}", (first, highest)
                future = dt.datetime(2039, 6, 1, tzinfo=dt.UTC)
                conn.exec_driver_sql("SET LOCAL app.historical_import = 'on'")
                in_2039 = Ctx(conn).insert(
                    "quotes", status="draft", converted_to_policy_id=None, created_at=future, expires_at=future + dt.timedelta(days=30)
                )
                assert in_2039.quote_number == "QUOT-2039-000078"
                numbers = conn.execute(sa.text(ALL_NUMBERS)).scalars().all()
                assert len(numbers) == len(set(numbers))
            migrations.downgrade(down, url=url)
            with eng.begin() as conn:
                counter = conn.execute(sa.text("SELECT last_value FROM quote_number_counters WHERE year = :y"), {"y": year})
                assert counter.scalar_one() == int(first[-6:])
                assert conn.execute(sa.text("SELECT count(*) FROM pg_class WHERE relname LIKE 'quote_number_seq%'")).scalar() == 0
                after_down = _insert_live_quote(conn)  # revision 002's counter again
                assert after_down == f"QUOT-{year}-{int(first[-6:]) + 1:06d}"
            migrations.upgrade(NUMBERING_REVISION, url=url)
            with eng.begin() as conn:
                after_up = _insert_live_quote(conn)
                assert after_up == f"QUOT-{year}-{int(after_down[-6:]) + 1:06d}"
                numbers = conn.execute(sa.text(ALL_NUMBERS)).scalars().all()
                assert len(numbers) == len(set(numbers))
        finally:
            eng.dispose()


def test_a_quote_insert_does_not_wait_for_another_ones_commit(scratch_database: URL) -> None:
    """Issue 21: the counter's row lock was held to commit; a sequence's is not. Session one inserts
    a quote and keeps its transaction open; session two's insert of the same year must finish
    without waiting (lock_timeout 2 s: a wait for session one would fail it)."""
    migrations.upgrade("head", url=scratch_database)
    eng = database.engine(scratch_database, pool_size=2, max_overflow=0)
    try:
        with eng.begin() as conn:
            ctx = Ctx(conn)
            ids = {"customer_id": ctx.insert("customers").id, "user_id": ctx.insert("users").id}
        with eng.connect() as one, eng.connect() as two:
            first = one.execute(DRAFT_QUOTE, ids).scalar_one()
            two.exec_driver_sql("SET lock_timeout = '2s'")
            second = two.execute(DRAFT_QUOTE, ids).scalar_one()
            two.commit()
            one.commit()
        assert first != second
        assert int(second[-6:]) == int(first[-6:]) + 1
    finally:
        eng.dispose()

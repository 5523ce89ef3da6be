"""The volume generator at the small scale: every table filled, counts, statuses, partitions, determinism."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import NamedTuple

import pytest
import sqlalchemy as sa
from rich.console import Console
from sqlalchemy.engine import URL

from schema import catalog, database, dump, migrations
from schema.seed import deferral, partition_counts, scales, volume

SCALE = scales.get("small")
SEED = 7
AS_OF = dt.datetime.now(dt.UTC).date()  # partition maintenance works relative to today
# Every generated table's rows, as text, in one md5 per table: equal between two runs of the same
# seed and as-of. One column is read through what it refers to: admin_rate_approvals.rate_table_id
# names a rate row of the rates loader, whose id the database generates (gen_random_uuid, the
# operator's loader runs against production), so it is compared as the rate's natural key.
TABLE_CHECKSUM = "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} AS t"
RATE_APPROVALS_CHECKSUM = """
SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
    SELECT (to_jsonb(a) - 'rate_table_id'
            || jsonb_build_object('rate', jsonb_build_array(r.state, r.product_type, r.coverage_type, r.effective_date)))::text AS x
    FROM admin_rate_approvals AS a JOIN rate_tables AS r ON r.id = a.rate_table_id
) AS s
"""


def checksums(conn: sa.Connection) -> dict[str, str]:
    """md5 of every generated table's rows, the rate references read by natural key."""
    return {
        table: str(scalar(conn, RATE_APPROVALS_CHECKSUM if table == "admin_rate_approvals" else TABLE_CHECKSUM.format(table=table)))
        for table in volume.generated_tables()
    }


# What the load defers and builds again, as the catalog reads it: per generated table, its indexes
# and constraints with definition, validity and comment.
def _deferrable_objects(conn: sa.Connection) -> dict[str, tuple[object, ...]]:
    cat = catalog.read(conn)
    conn.commit()
    return {
        t: (tuple(sorted(cat.table(t).indexes, key=lambda i: i.name)), tuple(sorted(cat.table(t).constraints, key=lambda c: c.name)))
        for t in volume.generated_tables()
    }


# Every partition carries one index per index of its parent, attached to it (a parent index built
# again after the load must build and attach every partition's).
UNATTACHED_PARTITION_INDEXES = """
SELECT pi.indexrelid::regclass::text AS parent_index, part.inhrelid::regclass::text AS partition
FROM pg_index pi JOIN pg_class pt ON pt.oid = pi.indrelid AND pt.relkind = 'p'
JOIN pg_inherits part ON part.inhparent = pt.oid
WHERE NOT EXISTS (SELECT 1 FROM pg_inherits ii JOIN pg_index ci ON ci.indexrelid = ii.inhrelid
                  WHERE ii.inhparent = pi.indexrelid AND ci.indrelid = part.inhrelid)
"""


class Generated(NamedTuple):
    """A seeded database, what its seed printed, and its schema as it was before the seed."""

    url: URL
    report: volume.VolumeReport
    log: str
    before: dict[str, tuple[object, ...]]
    dump_before: str


def _generated_database(server_url: URL, seed: int) -> Iterator[Generated]:
    with migrations.temporary_database(server_url, "wb_volume", revision="head") as url:
        eng = database.engine(url)
        out = io.StringIO()
        with eng.connect() as conn:
            before, dump_before = _deferrable_objects(conn), dump.render(conn).text
            conn.commit()
            # Not a terminal (a log, CI): a line per table instead of the bar.
            report = volume.generate(conn, SCALE, seed, AS_OF, console=Console(file=out, force_terminal=False, width=200))
        eng.dispose()
        yield Generated(url, report, out.getvalue(), before, dump_before)


@pytest.fixture(scope="module")
def small(server_url: URL) -> Iterator[Generated]:
    yield from _generated_database(server_url, SEED)


@pytest.fixture(scope="module")
def small_conn(small) -> Iterator[sa.Connection]:
    eng = database.engine(small[0])
    with eng.connect() as conn:
        yield conn
    eng.dispose()


def scalar(conn: sa.Connection, query: str) -> object:
    return conn.execute(sa.text(query)).scalar_one()


def test_small_scale_runs_well_under_a_minute(small) -> None:
    assert small[1].seconds < 60


def test_every_table_of_the_schema_has_rows(small_conn: sa.Connection) -> None:
    tables = (
        small_conn.execute(
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'"
            )
        )
        .scalars()
        .all()
    )
    empty = [t for t in tables if not scalar(small_conn, f'SELECT EXISTS (SELECT 1 FROM "{t}")')]
    assert tables and sorted(empty) == sorted(volume.NOT_GENERATED)


def test_row_counts_match_the_scale_and_the_report(small, small_conn: sa.Connection) -> None:
    expected = {
        "users": SCALE.users,
        "customers": SCALE.customers,
        "quotes": SCALE.quotes,
        "claims": SCALE.claims,
        "oauth2_clients": SCALE.oauth2_clients,
        "audit_logs": SCALE.audit_logs,
        "analytics_events": SCALE.analytics_events,
        "websocket_connections": SCALE.websocket_connections,
        "admin_users": SCALE.admin_users,
        "admin_activity_logs": SCALE.admin_activity_logs,
        "admin_rate_approvals": SCALE.rate_approvals,
    }
    for table, count in expected.items():
        assert scalar(small_conn, f"SELECT count(*) FROM {table}") == count, table
    for table, count in small[1].counts().items():
        assert scalar(small_conn, f"SELECT count(*) FROM {table}") == count, table
    assert scalar(small_conn, "SELECT count(*) FROM policies") == scalar(small_conn, "SELECT count(*) FROM quotes WHERE status = 'bound'")


@pytest.mark.parametrize(
    ("query", "values"),
    [
        ("SELECT DISTINCT status FROM quotes", {"draft", "calculating", "quoted", "expired", "bound", "declined"}),
        ("SELECT DISTINCT version::text FROM quotes", {"1", "2", "3"}),
        ("SELECT DISTINCT status FROM admin_rate_approvals", {"pending", "approved", "rejected"}),
        ("SELECT DISTINCT CASE WHEN disconnected_at IS NULL THEN 'open' ELSE 'closed' END FROM websocket_connections", {"open", "closed"}),
        ("SELECT DISTINCT is_sensitive::text FROM system_settings", {"true", "false"}),
        ("SELECT DISTINCT product_type FROM quotes", {"auto", "home", "renters"}),
        ("SELECT DISTINCT status FROM policies", {"active", "expired", "cancelled", "pending"}),
    ],
)
def test_lifecycle_values_are_all_present(small_conn: sa.Connection, query: str, values: set[str]) -> None:
    assert set(small_conn.execute(sa.text(query)).scalars()) == values


def test_state_mix_leads_with_ca_tx_ny_fl(small_conn: sa.Connection) -> None:
    top = small_conn.execute(sa.text("SELECT state FROM customers GROUP BY state ORDER BY count(*) DESC LIMIT 4")).scalars().all()
    assert set(top) == {"CA", "TX", "NY", "FL"}


def test_time_series_spread_over_monthly_partitions_not_default(small_conn: sa.Connection) -> None:
    for table in ("audit_logs", "analytics_events"):
        months = scalar(small_conn, f"SELECT count(DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')) FROM {table}")
        partitions = scalar(small_conn, f"SELECT count(DISTINCT tableoid) FROM {table}")
        assert months >= 20 and partitions >= 20, table
        assert scalar(small_conn, f"SELECT count(*) FROM partitions.{table}_default") == 0, table


# Rows of each monthly partition as the seeded database holds them (the partition a row is in, by
# its tableoid), keyed by the partition's name.
ROWS_PER_PARTITION = "SELECT c.relname AS partition, count(*) AS n FROM {table} t JOIN pg_class c ON c.oid = t.tableoid GROUP BY 1"


def test_partition_counts_computed_from_the_generator_equal_the_seeded_partitions(small: Generated, small_conn: sa.Connection) -> None:
    """The handbook's full-scale rows per partition are computed, not seeded (schema.seed.partition_counts):
    at the small scale the same computation must give exactly what the seed put in each partition."""
    eng = database.engine(small.url)
    try:
        with eng.connect() as conn:  # a session of its own: the computation installs the generator's pg_temp helpers
            computed = partition_counts.rows_per_month(conn, SCALE, SEED, AS_OF)
    finally:
        eng.dispose()
    assert [s.table for s in computed] == list(volume.PARTITIONED)
    for stream in computed:
        actual = {r.partition: int(r.n) for r in small_conn.execute(sa.text(ROWS_PER_PARTITION.format(table=stream.table)))}
        expected = {f"{stream.table}_p{month.replace('-', '')}": n for month, n in stream.months.items()}
        assert actual == expected, stream.table
        assert sum(actual.values()) == small.report.counts()[stream.table] == stream.rows
        assert len(expected) >= 24


def test_event_times_are_bursty(small_conn: sa.Connection) -> None:
    business = scalar(
        small_conn, "SELECT avg((extract(hour FROM created_at AT TIME ZONE 'America/Chicago') BETWEEN 8 AND 17)::int) FROM audit_logs"
    )
    weekend = scalar(small_conn, "SELECT avg((extract(isodow FROM created_at AT TIME ZONE 'America/Chicago') >= 6)::int) FROM audit_logs")
    assert business > 0.7 and weekend < 0.2


def test_streams_are_stored_in_time_order(small_conn: sa.Connection) -> None:
    """Production appends audit and analytics rows as they happen; BRIN ix_audit_logs_created_at
    only serves the dashboards when the seeded rows are stored that way too (issue 10). Rows in
    random order within the month gave a correlation of 0.00."""
    for table in ("audit_logs", "analytics_events"):
        small_conn.exec_driver_sql(f"ANALYZE {table}")
        correlations = dict(
            small_conn.execute(
                sa.text(
                    "SELECT tablename, correlation FROM pg_stats WHERE schemaname = 'partitions' "
                    "AND tablename LIKE :pattern AND attname = 'created_at'"
                ),
                {"pattern": f"{table}_p%"},
            ).all()
        )
        assert len(correlations) >= 20, (table, correlations)
        assert min(correlations.values()) > 0.95, (table, correlations)
    small_conn.commit()


def test_a_second_run_refuses_a_database_with_rows(small) -> None:
    eng = database.engine(small[0])
    # The tables are named in load order (the foreign-key order of schema.models.design.designs).
    with eng.connect() as conn, pytest.raises(volume.VolumeError, match=r"must be empty, these hold rows: (\w+, )*users, "):
        volume.generate(conn, SCALE, SEED, AS_OF, console=Console(quiet=True))
    eng.dispose()


def test_same_seed_gives_the_same_data(server_url: URL, small_conn: sa.Connection) -> None:
    first = checksums(small_conn)
    small_conn.commit()
    assert set(first) == set(volume.generated_tables()) and all(first.values()), first  # every table, each with rows
    for generated in _generated_database(server_url, SEED):
        eng = database.engine(generated.url)
        with eng.connect() as conn:
            again = checksums(conn)
        eng.dispose()
        assert [t for t in first if again[t] != first[t]] == []


def test_rate_approvals_are_made_by_the_right_roles(small_conn: sa.Connection) -> None:
    """Issue 17: analysts do not inherit the approve right; every decision is an approver's, every
    submission an analyst's or an approver's; one pending approval per rate at most."""
    inherits_approve = """
        WITH RECURSIVE chain (role_id, ancestor) AS (
            SELECT id, id FROM admin_roles
            UNION ALL SELECT c.role_id, r.parent_role_id FROM chain c JOIN admin_roles r ON r.id = c.ancestor
            WHERE r.parent_role_id IS NOT NULL)
        SELECT DISTINCT r.name FROM admin_roles r JOIN chain c ON c.role_id = r.id
        JOIN admin_role_permissions rp ON rp.role_id = c.ancestor JOIN admin_permissions p ON p.id = rp.permission_id
        WHERE p.resource = 'rate_tables' AND p.action = 'approve' ORDER BY r.name"""
    assert small_conn.execute(sa.text(inherits_approve)).scalars().all() == ["rate_approver", "super_admin"]
    deciders = (
        small_conn.execute(
            sa.text(
                "SELECT DISTINCT r.name FROM admin_rate_approvals a JOIN admin_users u ON u.id = coalesce(a.approved_by, a.rejected_by) "
                "JOIN admin_roles r ON r.id = u.role_id ORDER BY r.name"
            )
        )
        .scalars()
        .all()
    )
    assert set(deciders) <= {"rate_approver", "super_admin"} and deciders
    submitters = (
        small_conn.execute(
            sa.text(
                "SELECT DISTINCT r.name FROM admin_rate_approvals a JOIN admin_users u ON u.id = a.submitted_by "
                "JOIN admin_roles r ON r.id = u.role_id"
            )
        )
        .scalars()
        .all()
    )
    assert set(submitters) <= {"rate_analyst", "rate_approver", "super_admin"}
    assert (
        scalar(
            small_conn,
            "SELECT count(*) FROM (SELECT rate_table_id FROM admin_rate_approvals WHERE status = 'pending' "
            "GROUP BY rate_table_id HAVING count(*) > 1) AS d",
        )
        == 0
    )


def test_quotes_obey_the_state_rules(small_conn: sa.Connection) -> None:
    """Every generated quote, priced or not, passes the state rules as if it were priced (RAT-020):
    NY auto quotes carry PIP and UM, CA and MA auto quotes no credit tier."""
    breaches = scalar(
        small_conn,
        """
        SELECT count(*) FROM quotes q
        WHERE q.coverage_selections IS NOT NULL AND q.rating_factors IS NOT NULL
          AND state_rule_breach_of_quote(jsonb_populate_record(q, '{"status": "quoted"}')) IS NOT NULL""",
    )
    assert breaches == 0
    ny_auto = scalar(
        small_conn,
        """
        SELECT count(*) FROM quotes WHERE state = 'NY' AND product_type = 'auto' AND status IN ('quoted', 'bound')
          AND coverage_selections -> 'coverages' @> '[{"type": "personal_injury_protection"}, {"type": "uninsured_motorist"}]'""",
    )
    assert ny_auto > 0


def test_the_load_builds_back_every_deferred_object_as_it_was(small: Generated, small_conn: sa.Connection) -> None:
    """Indexes and foreign keys dropped for the load come back byte for byte: definition, validity
    (every foreign key validated over every row) and comment, per the catalog and the schema dump."""
    after = _deferrable_objects(small_conn)
    assert after == small.before
    assert all(c.validated for _, constraints in after.values() for c in constraints)
    assert dump.render(small_conn).text == small.dump_before
    assert small_conn.execute(sa.text(UNATTACHED_PARTITION_INDEXES)).all() == []
    small_conn.commit()
    # The load did defer: indexes and keys of the one-transaction tables, indexes of the streams.
    cat = catalog.read(small_conn)
    small_conn.commit()
    assert deferral.plan(cat, "websocket_connections").names == [
        "ix_websocket_connections_last_ping_at",
        "ix_websocket_connections_user_id",
        "fk_websocket_connections_user_id_users",
    ]
    assert deferral.plan(cat, "audit_logs").indexes
    # Beside a lane loading audit_logs (keys to users), a load keeps its keys to users and defers the others.
    beside_audit = deferral.plan(cat, "analytics_events", keep_keys_to=frozenset({"users"}))
    assert sorted(k.name for k in beside_audit.foreign_keys) == [
        "fk_analytics_events_policy_id_policies",
        "fk_analytics_events_quote_id_quotes",
    ]


def test_the_audit_trail_loads_beside_the_other_tables(small_conn: sa.Connection) -> None:
    """audit_logs needs only users: its load starts on the second lane right after users, so its
    rows were written by a transaction that began before the quotes' (xids are assigned in order),
    where a run loading the streams after every other table wrote them all after."""
    before_quotes = scalar(
        small_conn, "SELECT count(*) FROM audit_logs WHERE xmin::text::bigint < (SELECT min(xmin::text::bigint) FROM quotes)"
    )
    small_conn.commit()
    assert before_quotes > volume.MONTHS  # more than the first rows, one a month, written before the bulk


def test_the_quote_versions_load_in_one_transaction(small: Generated, small_conn: sa.Connection) -> None:
    """Quotes v1, v2 and v3 are one load (issue 21): one transaction wrote every quote, so the
    table's indexes were built once, after the last requote, not per version or per chunk."""
    assert scalar(small_conn, "SELECT count(DISTINCT xmin::text) FROM quotes") == 1
    assert scalar(small_conn, "SELECT count(*) FROM quotes") == SCALE.quotes_v1 + SCALE.quotes_v2 + SCALE.quotes_v3
    small_conn.commit()


def test_an_index_postgresql_cannot_give_back_byte_for_byte_stays_in_place(server_url: URL) -> None:
    """ix_quotes_expires_at's predicate (status IN three varchar values) is deparsed as a cast of an
    array, which parses into another tree: rebuilt from its definition it would differ from the
    revision's index, so the load keeps it (and maintains it row by row); the other secondary
    indexes of quotes are dropped."""
    with migrations.temporary_database(server_url, "wb_volume_probe", revision="head") as url:
        eng = database.engine(url)
        try:
            with eng.connect() as conn:
                cat = catalog.read(conn)
                conn.commit()
                planned = deferral.plan(cat, "quotes")
                applied = deferral.drop(conn, planned)
                kept = {i.name for i in planned.indexes} - {i.name for i in applied.indexes}
                assert kept == {"ix_quotes_expires_at"}
                assert applied.foreign_keys == planned.foreign_keys
                assert scalar(conn, "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_quotes_expires_at'") == 1
                assert scalar(conn, "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_quotes_created_by'") == 0
                conn.rollback()
        finally:
            eng.dispose()


def test_without_a_terminal_every_table_prints_a_line(small: Generated) -> None:
    for table in small.report.tables:
        if table.name in volume.REFERENCE_TABLES:
            continue
        assert f"{table.name}: {table.rows:,} rows in " in small.log, (table.name, small.log)
    assert "rows/s)" in small.log


def test_a_row_without_its_parent_fails_the_load_by_name_and_leaves_the_schema_whole(server_url: URL) -> None:
    """The foreign keys are deferred, not gone: a generated row pointing at no user fails the
    table's load at the key's validation, naming it; the table's transaction rolls back whole, so
    its rows are gone and its indexes and keys are back."""
    broken = volume.sql("websocket_connections").replace(
        "pg_temp.user_id('ws.user', g)",
        "CASE WHEN g = 3 THEN '00000000-0000-4000-8000-000000000000'::uuid ELSE pg_temp.user_id('ws.user', g) END",
        1,
    )
    assert broken != volume.sql("websocket_connections")
    steps = {s.table: s for s in volume.STEPS}
    with migrations.temporary_database(server_url, "wb_volume_fk", revision="head") as url:
        eng = database.engine(url)
        try:
            with eng.connect() as conn:
                before = _deferrable_objects(conn)
                gen = volume.Generator(conn, SCALE, SEED, AS_OF, Console(quiet=True), scripts={"websocket_connections": broken})
                gen.prepare()
                gen.run([steps["users"]])
                with pytest.raises(
                    volume.VolumeError,
                    match=r"websocket_connections: rows 1\.\.600 refused by the database: "
                    r"websocket_connections: foreign key fk_websocket_connections_user_id_users refused",
                ):
                    gen.run([steps["websocket_connections"]])
                assert scalar(conn, "SELECT count(*) FROM websocket_connections") == 0
                assert scalar(conn, "SELECT count(*) FROM users") == SCALE.users
                conn.commit()
                assert _deferrable_objects(conn) == before
        finally:
            eng.dispose()

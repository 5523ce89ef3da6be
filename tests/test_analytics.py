"""Real-time analytics at head: the event stream is partitioned and indexed for the dashboards, and
its foreign keys keep history while letting users be erased and quotes purged.

Each test runs in the shared head database inside a rolled-back transaction (head_conn).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from schema import integrity
from schema.catalog import Catalog
from schema.rules import RULES
from schema.samples import Ctx


def _where(conn: sa.Connection, row: sa.Row) -> str:
    return conn.execute(
        sa.text("SELECT tableoid::regclass::text FROM analytics_events WHERE id = :id AND created_at = :at"),
        {"id": row.id, "at": row.created_at},
    ).scalar_one()


def test_events_land_in_their_month_or_in_default(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    now = dt.datetime.now(dt.UTC)
    assert (
        _where(head_conn, ctx.insert("analytics_events", created_at=dt.datetime(1999, 5, 1, tzinfo=dt.UTC)))
        == "partitions.analytics_events_default"
    )
    assert _where(head_conn, ctx.insert("analytics_events", created_at=now)) == f"partitions.analytics_events_p{now:%Y%m}"
    assert (
        _where(head_conn, ctx.insert("analytics_events", created_at=dt.datetime(2099, 12, 31, tzinfo=dt.UTC)))
        == "partitions.analytics_events_default"
    )


def test_analytics_events_are_registered_for_maintenance(head_conn: sa.Connection, head_catalog: Catalog) -> None:
    policy = head_conn.execute(
        sa.text("SELECT months_ahead, retention_months, rule_id FROM partition_policies WHERE parent_table = 'analytics_events'")
    ).one()
    assert tuple(policy) == (3, 25, "ANA-003")
    table = head_catalog.table("analytics_events")
    assert table.partition_key == "RANGE (created_at)"
    assert sum(1 for p in table.partitions if not p.is_default) >= 4
    assert [p.name for p in table.partitions if p.is_default] == ["analytics_events_default"]


def test_erasing_a_user_keeps_their_events_and_ends_their_connections(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    event = ctx.insert("analytics_events")
    socket = ctx.insert("websocket_connections", user_id=event.user_id)
    head_conn.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": event.user_id})
    kept = head_conn.execute(sa.text("SELECT user_id FROM analytics_events WHERE id = :id"), {"id": event.id}).one()
    assert kept.user_id is None
    gone = head_conn.execute(sa.text("SELECT count(*) FROM websocket_connections WHERE connection_id = :id"), {"id": socket.connection_id})
    assert gone.scalar_one() == 0


def test_purging_a_quote_keeps_its_events(head_conn: sa.Connection) -> None:
    event = Ctx(head_conn).insert("analytics_events")
    head_conn.execute(sa.text("DELETE FROM quotes WHERE id = :id"), {"id": event.quote_id})
    assert head_conn.execute(sa.text("SELECT quote_id FROM analytics_events WHERE id = :id"), {"id": event.id}).scalar_one() is None


def test_a_policy_with_events_cannot_be_deleted(head_conn: sa.Connection) -> None:
    event = Ctx(head_conn).insert("analytics_events", quote_id=None)
    savepoint = head_conn.begin_nested()
    with pytest.raises(sa.exc.DBAPIError) as caught:
        head_conn.execute(sa.text("DELETE FROM policies WHERE id = :id"), {"id": event.policy_id})
    savepoint.rollback()
    assert isinstance(caught.value.orig, integrity.RESTRICT_REFUSALS)
    assert caught.value.orig.diag.constraint_name == "fk_analytics_events_policy_id_policies"


def test_dashboard_count_of_the_last_five_minutes_uses_its_index(head_conn: sa.Connection) -> None:
    ctx = Ctx(head_conn)
    for _ in range(3):
        ctx.insert("analytics_events")
    head_conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        head_conn.execute(
            sa.text(
                "EXPLAIN SELECT event_type, count(*) FROM analytics_events "
                "WHERE created_at > now() - interval '5 minutes' GROUP BY event_type"
            )
        ).scalars()
    )
    assert "created_at_event_type_idx" in plan, plan


@pytest.mark.parametrize("table", ["analytics_events", "websocket_connections"])
def test_every_index_names_its_query_pattern(head_catalog: Catalog, table: str) -> None:
    for index in head_catalog.table(table).indexes:
        if index.constraint_name is None:
            assert index.comment and index.comment.startswith("Query pattern:"), index.name


def test_analytics_rules_are_implemented_at_head(head_catalog: Catalog) -> None:
    names = head_catalog.object_names()
    for rule in RULES.values():
        if rule.domain == "ANA":
            missing = [o for o in rule.implemented_by if o not in names]
            assert not missing, f"{rule.id} cites objects missing at head: {missing}"

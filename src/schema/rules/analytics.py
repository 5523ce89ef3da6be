"""Real-time analytics rules (ANA-): WebSocket connection lifecycle and the analytics event stream."""

from schema.rules import Deviation, Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "ANA-001",
        "A WebSocket connection is open exactly while disconnected_at is NULL; it cannot close or ping before it opened; "
        "connected_at defaults to the insert time, since the row is written when the connection is accepted.",
        "seed: connected_at / disconnected_at / last_ping_at; our decision on what NULL means",
        (
            "websocket_connections.connected_at",
            "websocket_connections.disconnected_at",
            "ck_websocket_connections_disconnected_after_connected",
            "ck_websocket_connections_last_ping_after_connected",
            "ix_websocket_connections_last_ping_at",
        ),
    ),
    Rule(
        "ANA-002",
        "A WebSocket connection belongs to the signed-in user who opened it and is deleted with the account.",
        "our decision: connections are session bookkeeping owned by the user (ON DELETE CASCADE)",
        ("websocket_connections.user_id", "fk_websocket_connections_user_id_users", "ix_websocket_connections_user_id"),
    ),
    Rule(
        "ANA-003",
        "Analytics events stay attached 25 months after their month ends (two full years of year-over-year "
        "comparison), then their partition is detached and archived, never dropped by the maintenance job.",
        "our decision: dashboards compare with the same month of the previous two years; issue 5 (retention rule)",
        ("partition_policies", "run_partition_maintenance()", "maintain_partitions()"),
    ),
    Rule(
        "ANA-004",
        "Event categories are quote, policy, claim, customer, user and system; event types are snake_case names that "
        "product teams add without a migration.",
        "seed: event_type / event_category VARCHAR(50) NOT NULL; our decision on which is closed",
        ("ck_analytics_events_event_category_allowed", "ck_analytics_events_event_type_format"),
    ),
    Rule(
        "ANA-005",
        "Analytics events outlive the users and quotes they mention: erasing a user or purging a quote sets the link "
        "to NULL and keeps the event for the aggregates; events never block deleting them. Policies are never deleted "
        "(RESTRICT).",
        "our decision; privacy erasure requests (CCPA) must not be blocked by analytics history",
        (
            "fk_analytics_events_user_id_users",
            "fk_analytics_events_quote_id_quotes",
            "fk_analytics_events_policy_id_policies",
        ),
    ),
    Rule(
        "ANA-006",
        "An event's money value is USD with penny precision (NUMERIC(12,2)); measured durations are non-negative.",
        "seed: value DECIMAL(10,2), duration_ms INTEGER; DESIGN.md (money is NUMERIC(p,2))",
        ("analytics_events.value", "ck_analytics_events_duration_ms_non_negative"),
    ),
    Rule(
        "ANA-007",
        "A new WebSocket connection subscribes to no channel until the client asks; channels are named by strings.",
        "seed: subscribed_channels JSONB 'Array of channel names'",
        ("websocket_connections.subscribed_channels", "ck_websocket_connections_subscribed_channels_are_names"),
    ),
    Rule(
        "ANA-008",
        "analytics_events is range-partitioned by month on created_at with a DEFAULT partition, registered with the "
        "partition maintenance so that partitions exist at least three months ahead (as SEC-016 for audit logs).",
        "seed: 'Analytics events for real-time dashboard' at 10,000 concurrent users; issue 4",
        ("analytics_events", "pk_analytics_events"),
    ),
)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "DEV-ANA-01",
        "analytics_events",
        "id UUID PRIMARY KEY, an unpartitioned table",
        "PARTITION BY RANGE (created_at), monthly partitions + DEFAULT, PRIMARY KEY (id, created_at)",
        "ANA-008: the event stream is the highest-volume table; a partitioned table's keys must include the partition key",
    ),
    Deviation(
        "DEV-ANA-02",
        "analytics_events",
        "user_id / quote_id / policy_id REFERENCES ... (no ON DELETE); value DECIMAL(10,2); created_at nullable",
        "user_id and quote_id ON DELETE SET NULL, policy_id RESTRICT, each indexed with created_at; value NUMERIC(12,2); "
        "created_at NOT NULL",
        "ANA-005, ANA-006; every FK needs an explicit action and an index",
    ),
    Deviation(
        "DEV-ANA-03",
        "analytics_events",
        "indexes (created_at) and (event_type, event_category)",
        "(created_at, event_type) only",
        "the dashboard counts recent events by type (index-only) and funnel trends read a type over a range through "
        "the same index; the plain created_at index would be a prefix of it. An (event_type, event_category, "
        "created_at) index was measured at full scale and dropped: 0.9x on a day, 1.9x on a month, because one "
        "event type is a fifth of the stream and the stream is stored in time order; it only cost every insert",
    ),
    Deviation(
        "DEV-ANA-04",
        "websocket_connections",
        "user_id nullable without ON DELETE; connected_at nullable; subscribed_channels nullable",
        "user_id NOT NULL ON DELETE CASCADE (indexed), connected_at NOT NULL, subscribed_channels NOT NULL DEFAULT '[]' "
        "(ANA-007), CHECKs on disconnect/ping order, a partial index on open connections",
        "ANA-001, ANA-002: only signed-in staff open dashboard sockets; NO SILENT FALLBACKS",
    ),
)

"""Real-time analytics tables: websocket_connections, analytics_events."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from schema.samples import CheckViolation, Ctx

OPENED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def websocket_connection(ctx: Ctx, n: int) -> dict[str, Any]:
    return {
        "user_id": ctx.insert("users").id,
        "connected_at": OPENED,
        "disconnected_at": None,
        "last_ping_at": OPENED + dt.timedelta(seconds=30),
        "subscribed_channels": ["dashboard:quotes", f"quote:{n}"],
        "ip_address": "198.51.100.23",
        "user_agent": "Mozilla/5.0",
    }


def analytics_event(ctx: Ctx, n: int) -> dict[str, Any]:
    quote = ctx.insert("quotes")
    return {
        "event_type": "quote_bound",
        "event_category": "quote",
        "event_data": {"channel": "agent_portal", "n": n},
        "user_id": ctx.insert("users").id,
        "session_id": uuid.uuid4(),
        "quote_id": quote.id,
        "policy_id": ctx.insert("policies").id,
        "value": Decimal("1284.50"),
        "duration_ms": 930,
    }


SAMPLES = {"websocket_connections": websocket_connection, "analytics_events": analytics_event}

CHECK_VIOLATIONS = [
    CheckViolation(
        "ck_websocket_connections_disconnected_after_connected",
        "websocket_connections",
        {"disconnected_at": OPENED - dt.timedelta(seconds=1)},
    ),
    CheckViolation(
        "ck_websocket_connections_last_ping_after_connected", "websocket_connections", {"last_ping_at": OPENED - dt.timedelta(minutes=1)}
    ),
    CheckViolation(
        "ck_websocket_connections_subscribed_channels_is_array", "websocket_connections", {"subscribed_channels": "dashboard:quotes"}
    ),
    CheckViolation("ck_websocket_connections_subscribed_channels_are_names", "websocket_connections", {"subscribed_channels": ["ok", 42]}),
    CheckViolation("ck_analytics_events_event_type_format", "analytics_events", {"event_type": "Quote Bound"}),
    CheckViolation("ck_analytics_events_event_category_allowed", "analytics_events", {"event_category": "marketing"}),
    CheckViolation("ck_analytics_events_event_data_is_object", "analytics_events", {"event_data": ["quote_bound"]}),
    CheckViolation("ck_analytics_events_duration_ms_non_negative", "analytics_events", {"duration_ms": -5}),
]

"""How many rows each volume scale generates, in one table so operators and tests read the same numbers.

Sizes are driven by quotes, the busiest business table: ``full`` is the issue's 1,000,000 quotes,
and the other tables keep the proportions of a mid-size personal-lines carrier (about two quotes
per customer, a quarter of original quotes bound, one claim per four policies, a few dozen audit
entries and analytics events per quote). ``small`` is what CI runs; ``medium`` is for profiling
on a laptop. Tables whose rows are a fixed catalog (SSO providers, admin roles and permissions,
settings, dashboards) have the same rows at every scale.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Row targets of one scale; derived tables (policies, MFA settings) follow from these."""

    name: str
    users: int
    customers: int
    quotes_v1: int  # original quotes; requotes come on top
    quotes_v2: int
    quotes_v3: int
    claims: int
    oauth2_clients: int
    audit_logs: int
    analytics_events: int
    websocket_connections: int
    admin_users: int
    admin_activity_logs: int
    rate_approvals: int

    @property
    def quotes(self) -> int:
        return self.quotes_v1 + self.quotes_v2 + self.quotes_v3


SCALES: dict[str, Scale] = {
    "small": Scale(
        "small",
        users=60,
        customers=1_000,
        quotes_v1=1_600,
        quotes_v2=300,
        quotes_v3=100,
        claims=100,
        oauth2_clients=12,
        audit_logs=20_000,
        analytics_events=30_000,
        websocket_connections=600,
        admin_users=12,
        admin_activity_logs=2_000,
        rate_approvals=24,
    ),
    "medium": Scale(
        "medium",
        users=600,
        customers=50_000,
        quotes_v1=80_000,
        quotes_v2=15_000,
        quotes_v3=5_000,
        claims=5_000,
        oauth2_clients=40,
        audit_logs=1_000_000,
        analytics_events=1_500_000,
        websocket_connections=30_000,
        admin_users=40,
        admin_activity_logs=100_000,
        rate_approvals=120,
    ),
    "full": Scale(
        "full",
        users=3_000,
        customers=500_000,
        quotes_v1=800_000,
        quotes_v2=150_000,
        quotes_v3=50_000,
        claims=50_000,
        oauth2_clients=100,
        audit_logs=5_000_000,
        analytics_events=8_000_000,
        websocket_connections=200_000,
        admin_users=80,
        admin_activity_logs=500_000,
        rate_approvals=400,
    ),
}


def get(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}: choose one of {', '.join(SCALES)}") from None

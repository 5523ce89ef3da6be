"""The query-pattern catalog: every query the platform runs often, and the index that serves it.

An index costs every write; it earns its place only by serving a query someone runs. So each
non-primary index at head must appear here, either as the ``index`` of a pattern or in
``UNSERVED_INDEXES`` with the reason it exists anyway (a constraint that needs it), and each
pattern names its index or says why it needs none (``why_no_index``). tests/test_perf.py derives
both directions from the live catalog, so an index added without a pattern fails CI.

Foreign-key indexes serve PostgreSQL's own query: deleting a parent row (or changing its key) runs
``SELECT 1 FROM [ONLY] child x WHERE fk = $1 FOR KEY SHARE OF x`` to prove nothing refers to it.
Those checks are patterns here too (``fk_check``), with the exact text PostgreSQL runs.

Parameters are bound from the seeded data: ``params`` is a SELECT returning one row whose column
names are the pattern's ``:name`` parameters. It must find a row; no row is an error, not a skip.
Time-bounded queries on partitioned tables set ``prunes``: their plan must scan fewer partitions
than the table has.
"""

from __future__ import annotations

from dataclasses import dataclass


class SmallTableNote(str):
    """A speedup note that also declares the table small at every scale: the planner rightly reads
    its page or two instead of the index, so the plan check accepts "usable" (enable_seqscan off)
    where it would otherwise want "chosen". The kind of note decides, not its wording."""

    __slots__ = ()


# Why a pattern on a small catalog table is not expected to get 10x from its index.
SMALL_TABLE = SmallTableNote(
    "a catalog table of tens of rows: any plan reads one or two pages, so the planner rightly "
    "prefers a sequential scan and the index cannot be 10x faster; it exists because the foreign key "
    "convention requires one (a parent delete never scans the child) and stays right if the table grows"
)
SMALL_LOOKUP = SmallTableNote(
    "a catalog table of at most a few hundred rows: the planner rightly reads its few pages instead "
    "of the index, which cannot be 10x faster; the index is the UNIQUE constraint's own, there to "
    "enforce uniqueness"
)
SMALL_READ = SmallTableNote(
    "a table of at most a few thousand rows at any scale (rates and approvals grow by filings, not by "
    "customers): the planner rightly reads its pages instead of the index, which cannot be 10x faster; "
    "the index keeps the query flat if the table grows and is proven usable by the plan check"
)
STAFF_SIZED = (
    "one row per staff user (3,000 at full scale): a sequential scan reads a few dozen pages, so the "
    "index gains a few times (the measured ratio is in the performance report), not 10x; it is the "
    "constraint's own index and keeps sign-in flat as staff grows"
)
SERVED_BY_CUSTOMER_INDEX = (
    "the pattern also binds customer_id, and ix_quotes_customer_id_status finds a customer's handful of quotes as "
    "fast, so dropping this index costs nothing measurable; it stays because the FK convention wants an index led by the FK's "
    "columns. Finding for the quotes owner: it could be dropped with a documented lint suppression"
)
OPEN_STATUSES = "('draft', 'calculating', 'quoted')"


@dataclass(frozen=True)
class Pattern:
    """One query the platform runs often."""

    name: str
    title: str
    table: str
    sql: str
    params: str  # a SELECT returning one row: column name = parameter name ("" when none)
    index: str | None  # the index the plan must use
    why_no_index: str = ""  # required when index is None
    prunes: bool = False  # time-bounded on a partitioned table: the plan must prune partitions
    speedup_note: str = ""  # why the index is not expected to be 10x faster here (small table, ...)
    kind: str = "read"  # read | fk_check | lookup

    @property
    def small_table(self) -> bool:
        """On a catalog-size table the planner rightly reads its page or two instead of the index,
        at every scale; for these "usable" (with enable_seqscan off) is the check, said so in the report."""
        return isinstance(self.speedup_note, SmallTableNote)


def fk_check(
    child: str, columns: tuple[str, ...], parent: str, index: str, *, partitioned: bool = False, speedup_note: str = ""
) -> Pattern:
    """The ON DELETE / ON UPDATE check PostgreSQL runs on ``child`` when a ``parent`` row goes.

    The key is one that child rows really carry, so the check finds rows (the RESTRICT case) and
    without the index has to read the whole child table to find them all.
    """
    only = "" if partitioned else "ONLY "
    where = " AND ".join(f"{col} = :{col}" for col in columns)
    picked = ", ".join(columns)
    not_null = " AND ".join(f"{col} IS NOT NULL" for col in columns)
    return Pattern(
        name=f"fk_check_{child}_{'_'.join(columns)}",
        title=f"delete a {parent} row: prove no {child} row references it ({', '.join(columns)})",
        table=child,
        sql=f"SELECT 1 FROM {only}{child} x WHERE {where} FOR KEY SHARE OF x",
        params=f"SELECT {picked} FROM {child} WHERE {not_null} ORDER BY {picked} LIMIT 1",
        index=index,
        speedup_note=speedup_note,
        kind="fk_check",
    )


def lookup(table: str, columns: tuple[str, ...], index: str, title: str, *, select: str = "*", speedup_note: str = "") -> Pattern:
    """Fetch one row by a unique business key (the key a person types or a client sends)."""
    where = " AND ".join(f"{col} = :{col}" for col in columns)
    picked = ", ".join(columns)
    return Pattern(
        name=f"{table}_by_{'_'.join(columns)}",
        title=title,
        table=table,
        sql=f"SELECT {select} FROM {table} WHERE {where}",
        # ORDER BY id: a pseudo-random but repeatable row (ids are random UUIDs).
        params=f"SELECT {picked} FROM {table} ORDER BY id LIMIT 1",
        index=index,
        speedup_note=speedup_note,
        kind="lookup",
    )


PATTERNS: tuple[Pattern, ...] = (
    # --- quotes ----------------------------------------------------------------------------------
    lookup("quotes", ("quote_number",), "uq_quotes_quote_number", "quote by number (agent or customer types QUOT-YYYY-NNNNNN)"),
    Pattern(
        name="customer_open_quotes",
        title="a customer's open quotes, newest first (customer portal, agent desktop)",
        table="quotes",
        sql=(
            "SELECT id, quote_number, status, product_type, total_premium, expires_at FROM quotes "
            f"WHERE customer_id = :customer_id AND status IN {OPEN_STATUSES} ORDER BY created_at DESC"
        ),
        params=f"SELECT customer_id FROM quotes WHERE status IN {OPEN_STATUSES} ORDER BY id LIMIT 1",
        index="ix_quotes_customer_id_status",
    ),
    Pattern(
        name="expiring_quotes_sweep",
        title="expiring-quotes sweep: open quotes past their expiry (QUO job, every few minutes)",
        table="quotes",
        sql=f"SELECT id, quote_number FROM quotes WHERE status IN {OPEN_STATUSES} AND expires_at < :cutoff",
        # The sweep's clock: one day after the earliest open expiry, so the sweep has rows to expire.
        params=f"SELECT min(expires_at) + interval '1 day' AS cutoff FROM quotes WHERE status IN {OPEN_STATUSES}",
        index="ix_quotes_expires_at",
    ),
    Pattern(
        name="quote_versions",
        title="the requotes of a quote (version history shown beside a quote)",
        table="quotes",
        sql=(
            "SELECT id, quote_number, version, status, total_premium FROM quotes "
            "WHERE parent_quote_id = :parent_quote_id AND customer_id = :customer_id ORDER BY version"
        ),
        params="SELECT parent_quote_id, customer_id FROM quotes WHERE parent_quote_id IS NOT NULL ORDER BY id LIMIT 1",
        index="ix_quotes_parent_quote_id_customer_id",
        speedup_note=SERVED_BY_CUSTOMER_INDEX,
    ),
    Pattern(
        name="state_product_book",
        title="a state's book for one product (rate filing support, state regulator requests)",
        table="quotes",
        sql=(
            "SELECT status, count(*), sum(total_premium) FROM quotes WHERE state = :state AND product_type = :product_type GROUP BY status"
        ),
        # The least common (state, product) that has quotes: most states are small; for the largest
        # (CA auto, about a tenth of all quotes) a sequential scan rightly wins.
        params=("SELECT state, product_type FROM quotes GROUP BY state, product_type ORDER BY count(*), state, product_type LIMIT 1"),
        index="ix_quotes_state_product_type",
    ),
    fk_check("quotes", ("customer_id",), "customers", "ix_quotes_customer_id_status"),
    fk_check(
        "quotes",
        ("parent_quote_id", "customer_id"),
        "quotes",
        "ix_quotes_parent_quote_id_customer_id",
        speedup_note=SERVED_BY_CUSTOMER_INDEX,
    ),
    fk_check("quotes", ("converted_to_policy_id",), "policies", "uq_quotes_converted_to_policy_id"),
    # QUO-016 (revision 008): the binding key; the unique converted_to_policy_id finds the one quote.
    fk_check(
        "quotes",
        ("converted_to_policy_id", "customer_id", "product_type", "state", "effective_date", "total_premium"),
        "policies",
        "uq_quotes_converted_to_policy_id",
    ),
    fk_check("quotes", ("created_by",), "users", "ix_quotes_created_by"),
    fk_check("quotes", ("updated_by",), "users", "ix_quotes_updated_by"),
    # --- core ------------------------------------------------------------------------------------
    # COR-021: an e-mail is shared by a household or missing, so it finds a few customers, not one.
    lookup("customers", ("email",), "ix_customers_email", "customers of an e-mail address (household lookup, duplicate check on sign-up)"),
    lookup("customers", ("customer_number",), "uq_customers_customer_number", "customer by customer number (call centre)"),
    lookup("users", ("email",), "uq_users_email", "staff user by e-mail (sign-in)", speedup_note=STAFF_SIZED),
    lookup("policies", ("policy_number",), "uq_policies_policy_number", "policy by number (claims intake, billing)"),
    lookup("claims", ("claim_number",), "uq_claims_claim_number", "claim by number (adjuster, customer)"),
    Pattern(
        name="customer_policies",
        title="a customer's policies (customer portal, renewal)",
        table="policies",
        sql=(
            "SELECT id, policy_number, product_type, status, effective_date, expiration_date FROM policies "
            "WHERE customer_id = :customer_id ORDER BY effective_date DESC"
        ),
        params="SELECT customer_id FROM policies ORDER BY id LIMIT 1",
        index="ix_policies_customer_id",
    ),
    Pattern(
        name="policy_claims",
        title="a policy's claims (adjuster view, renewal underwriting)",
        table="claims",
        sql=(
            "SELECT id, claim_number, status, loss_date, claimed_amount, approved_amount FROM claims "
            "WHERE policy_id = :policy_id ORDER BY loss_date DESC"
        ),
        params="SELECT policy_id FROM claims ORDER BY id LIMIT 1",
        index="ix_claims_policy_id",
    ),
    fk_check("policies", ("customer_id",), "customers", "ix_policies_customer_id"),
    fk_check("claims", ("policy_id",), "policies", "ix_claims_policy_id"),
    # --- security --------------------------------------------------------------------------------
    lookup(
        "oauth2_clients",
        ("client_id",),
        "uq_oauth2_clients_client_id",
        "OAuth2 client by client_id (every token request)",
        speedup_note=SMALL_LOOKUP,
    ),
    lookup(
        "sso_providers",
        ("provider_name",),
        "uq_sso_providers_provider_name",
        "SSO provider by name (every SSO sign-in)",
        speedup_note=SMALL_LOOKUP,
    ),
    Pattern(
        name="resource_audit_trail_month",
        title="a resource's audit trail for one month (SOC 2 evidence, dispute handling)",
        table="audit_logs",
        sql=(
            "SELECT created_at, user_id, action, response_status FROM audit_logs "
            "WHERE resource_type = :resource_type AND resource_id = :resource_id "
            "AND created_at >= :month_start AND created_at < :month_start + interval '1 month' ORDER BY created_at"
        ),
        params=(
            "SELECT resource_type, resource_id, date_trunc('month', created_at) AS month_start FROM audit_logs "
            "WHERE resource_id IS NOT NULL ORDER BY id LIMIT 1"
        ),
        index="ix_audit_logs_resource_type_resource_id_created_at",
        prunes=True,
    ),
    Pattern(
        name="user_audit_activity_week",
        title="what one user did in a week (security investigation, SOC 2 access review)",
        table="audit_logs",
        sql=(
            "SELECT created_at, action, resource_type, resource_id, ip_address FROM audit_logs "
            "WHERE user_id = :user_id AND created_at >= :since AND created_at < :since + interval '7 days' "
            "ORDER BY created_at"
        ),
        params=("SELECT user_id, date_trunc('day', created_at) AS since FROM audit_logs WHERE user_id IS NOT NULL ORDER BY id LIMIT 1"),
        index="ix_audit_logs_user_id_created_at",
        prunes=True,
    ),
    Pattern(
        name="audit_dashboard_last_five_minutes",
        title="security dashboard: audit events per action in the last five minutes",
        table="audit_logs",
        sql=("SELECT action, count(*) FROM audit_logs WHERE created_at > :since AND created_at <= :now GROUP BY action"),
        # Both bounds are parameters (the dashboard computes them): `now() - interval` is STABLE, so
        # the planner would plan all 29 partitions and prune at run time, planning paid again by a
        # query polled every few seconds; constants prune at plan time. "now" is the newest
        # seeded event, so the window holds rows.
        params="SELECT max(created_at) AS now, max(created_at) - interval '5 minutes' AS since FROM audit_logs",
        index="ix_audit_logs_created_at",
        prunes=True,
        speedup_note=(
            "without the BRIN index the planner does not scan the month's heap: it walks the month's "
            "whole ix_audit_logs_user_id_created_at (created_at is its second column; about 1,350 cached "
            "pages at full scale), while the BRIN reads the one block range holding the window "
            "(about 60 pages; the measured ratio is in the performance report), where a 128-page range is a "
            "day of audit rows. The walk grows with the month (hundreds of GiB a month at 100 TB, where a "
            "range is seconds of traffic) and the BRIN read does not"
        ),
    ),
    fk_check("audit_logs", ("user_id",), "users", "ix_audit_logs_user_id_created_at", partitioned=True),
    # --- rating --------------------------------------------------------------------------------
    Pattern(
        name="current_rate",
        title="current base rate for a state, product and coverage on a date (every quote calculation)",
        table="rate_tables",
        sql=(
            "SELECT id, base_rate, min_premium, max_premium, territory_factors, vehicle_factors, driver_factors, "
            "credit_factors FROM rate_tables WHERE state = :state AND product_type = :product_type "
            "AND coverage_type = :coverage_type AND effective_date <= :on_date "
            "AND (expiration_date IS NULL OR expiration_date > :on_date) ORDER BY effective_date DESC LIMIT 1"
        ),
        params=("SELECT state, product_type, coverage_type, effective_date + 30 AS on_date FROM rate_tables ORDER BY id LIMIT 1"),
        index="uq_rate_tables_state_product_type_coverage_type_effective_date",
        speedup_note=SMALL_READ,
    ),
    Pattern(
        name="rates_of_filing",
        title="the rate rows of one state filing (regulator inquiry, filing audit)",
        table="rate_tables",
        sql="SELECT id, state, product_type, coverage_type, effective_date FROM rate_tables WHERE filing_id = :filing_id",
        params="SELECT filing_id FROM rate_tables WHERE filing_id IS NOT NULL ORDER BY id LIMIT 1",
        index="ix_rate_tables_filing_id",
        speedup_note=SMALL_READ,
    ),
    Pattern(
        name="active_discounts",
        title="active discounts for a state and product on a date (every quote calculation)",
        table="discount_rules",
        sql=(
            "SELECT code, discount_type, discount_value, max_discount_amount, eligibility_rules, stackable, priority "
            "FROM discount_rules WHERE states @> jsonb_build_array(CAST(:state AS text)) "
            "AND product_types @> jsonb_build_array(CAST(:product_type AS text)) AND effective_date <= :on_date "
            "AND (expiration_date IS NULL OR expiration_date > :on_date) ORDER BY priority"
        ),
        params=(
            "SELECT states->>0 AS state, product_types->>0 AS product_type, effective_date + 30 AS on_date "
            "FROM discount_rules ORDER BY id LIMIT 1"
        ),
        index=None,
        why_no_index=(
            "discount_rules is a catalog of tens of rules (a carrier files at most a few hundred): the "
            "query reads them all in a page or two, and the match is JSONB containment on two arrays, "
            "which only a GIN index could serve; that index would cost every rule change and save nothing"
        ),
    ),
    lookup(
        "discount_rules",
        ("code",),
        "uq_discount_rules_code",
        "discount rule by code (applying a named discount)",
        speedup_note=SMALL_LOOKUP,
    ),
    Pattern(
        name="state_rules_of_kind",
        title="the state rules of one kind for a state and product (every state-rule trigger, RAT-018..RAT-020)",
        table="state_rating_rules",
        sql=(
            "SELECT rule_id, parameters, citation, effective_from, effective_to FROM state_rating_rules "
            "WHERE state = :state AND product_type = :product_type AND kind = :kind"
        ),
        params="SELECT state, product_type, kind FROM state_rating_rules ORDER BY rule_id LIMIT 1",
        index="ix_state_rating_rules_state_product_type_kind",
        speedup_note=SMALL_READ,
    ),
    # --- analytics -------------------------------------------------------------------------------
    Pattern(
        name="analytics_dashboard_last_five_minutes",
        title="real-time dashboard: events per type in the last five minutes",
        table="analytics_events",
        sql=("SELECT event_type, count(*) FROM analytics_events WHERE created_at > :since AND created_at <= :now GROUP BY event_type"),
        params=(
            "SELECT max(created_at) AS now, max(created_at) - interval '5 minutes' AS since FROM analytics_events"
        ),  # both bounds bound: see audit_dashboard_last_five_minutes
        index="ix_analytics_events_created_at_event_type",
        prunes=True,
    ),
    Pattern(
        name="analytics_funnel_day",
        title="one funnel step (event type and category) over a day (conversion report)",
        table="analytics_events",
        sql=(
            "SELECT date_trunc('hour', created_at) AS hour, count(*), sum(value) FROM analytics_events "
            "WHERE event_type = :event_type AND event_category = :event_category "
            "AND created_at >= :day AND created_at < :day + interval '1 day' GROUP BY 1 ORDER BY 1"
        ),
        params=("SELECT event_type, event_category, date_trunc('day', created_at) AS day FROM analytics_events ORDER BY id LIMIT 1"),
        # An (event_type, event_category, created_at) index served this pattern until the full-scale
        # run showed it gained nothing over the range index (DEV-ANA-03; the numbers are in the
        # performance report): the range index is enough.
        index="ix_analytics_events_created_at_event_type",
        prunes=True,
    ),
    Pattern(
        name="quote_event_timeline",
        title="a quote's event timeline over its 30-day life (quote journey view)",
        table="analytics_events",
        sql=(
            "SELECT created_at, event_type, value, duration_ms FROM analytics_events WHERE quote_id = :quote_id "
            "AND created_at >= :since AND created_at < :since + interval '31 days' ORDER BY created_at"
        ),
        params=(
            "SELECT quote_id, date_trunc('day', created_at) - interval '15 days' AS since FROM analytics_events "
            "WHERE quote_id IS NOT NULL ORDER BY id LIMIT 1"
        ),
        index="ix_analytics_events_quote_id_created_at",
        prunes=True,
    ),
    Pattern(
        name="policy_event_timeline",
        title="a policy's events in one month (payments, endorsements: policy servicing view)",
        table="analytics_events",
        sql=(
            "SELECT created_at, event_type, value FROM analytics_events WHERE policy_id = :policy_id "
            "AND created_at >= :month_start AND created_at < :month_start + interval '1 month' ORDER BY created_at"
        ),
        params=(
            "SELECT policy_id, date_trunc('month', created_at) AS month_start FROM analytics_events "
            "WHERE policy_id IS NOT NULL ORDER BY id LIMIT 1"
        ),
        index="ix_analytics_events_policy_id_created_at",
        prunes=True,
    ),
    Pattern(
        name="user_events_day",
        title="one user's events over a day (support: what did this user see)",
        table="analytics_events",
        sql=(
            "SELECT created_at, event_type, event_category, event_data FROM analytics_events WHERE user_id = :user_id "
            "AND created_at >= :day AND created_at < :day + interval '1 day' ORDER BY created_at"
        ),
        params=("SELECT user_id, date_trunc('day', created_at) AS day FROM analytics_events WHERE user_id IS NOT NULL ORDER BY id LIMIT 1"),
        index="ix_analytics_events_user_id_created_at",
        prunes=True,
        speedup_note=(
            "the stream is stored in time order, so without this index the planner reads the day's "
            "events (about 11,000, contiguous) through ix_analytics_events_created_at_event_type and "
            "filters the user: the index gains a few times on a day and far more on a week or a month of "
            "one user's events at full scale (the measured ratios are in the performance report), and it "
            "serves the users FK's check (fk_check_analytics_events_user_id)"
        ),
    ),
    fk_check("analytics_events", ("quote_id",), "quotes", "ix_analytics_events_quote_id_created_at", partitioned=True),
    fk_check("analytics_events", ("policy_id",), "policies", "ix_analytics_events_policy_id_created_at", partitioned=True),
    fk_check("analytics_events", ("user_id",), "users", "ix_analytics_events_user_id_created_at", partitioned=True),
    Pattern(
        name="stale_websocket_sweep",
        title="stale websocket sweep: open connections without a ping since the cutoff (every minute)",
        table="websocket_connections",
        sql=("SELECT connection_id, user_id FROM websocket_connections WHERE disconnected_at IS NULL AND last_ping_at < :cutoff"),
        params=("SELECT min(last_ping_at) + interval '1 minute' AS cutoff FROM websocket_connections WHERE disconnected_at IS NULL"),
        index="ix_websocket_connections_last_ping_at",
    ),
    Pattern(
        name="user_open_connections",
        title="a user's open websocket connections (push a notification to one user)",
        table="websocket_connections",
        sql=("SELECT connection_id, subscribed_channels FROM websocket_connections WHERE user_id = :user_id AND disconnected_at IS NULL"),
        params="SELECT user_id FROM websocket_connections ORDER BY connection_id LIMIT 1",
        index="ix_websocket_connections_user_id",
        speedup_note=(
            "without it the planner walks the partial index of open connections "
            "(ix_websocket_connections_last_ping_at, disconnected_at IS NULL), a small fraction of the "
            "table, so the gain is 5-10x across runs; the index also serves the users FK's delete check (30x)"
        ),
    ),
    fk_check("websocket_connections", ("user_id",), "users", "ix_websocket_connections_user_id"),
    # --- admin -----------------------------------------------------------------------------------
    Pattern(
        name="pending_rate_approvals",
        title="pending rate approvals, oldest first (the approvers' queue, ADM-020)",
        table="admin_rate_approvals",
        sql=(
            "SELECT id, rate_table_id, submitted_by, submitted_at, effective_date FROM admin_rate_approvals "
            "WHERE status = 'pending' ORDER BY submitted_at"
        ),
        params="",
        index="ix_admin_rate_approvals_submitted_at",
        speedup_note=SMALL_READ,
    ),
    fk_check("admin_rate_approvals", ("rate_table_id",), "rate_tables", "ix_admin_rate_approvals_rate_table_id", speedup_note=SMALL_TABLE),
    fk_check("admin_rate_approvals", ("submitted_by",), "admin_users", "ix_admin_rate_approvals_submitted_by", speedup_note=SMALL_TABLE),
    fk_check("admin_rate_approvals", ("approved_by",), "admin_users", "ix_admin_rate_approvals_approved_by", speedup_note=SMALL_TABLE),
    fk_check("admin_rate_approvals", ("rejected_by",), "admin_users", "ix_admin_rate_approvals_rejected_by", speedup_note=SMALL_TABLE),
    lookup("admin_users", ("email",), "uq_admin_users_email", "admin by e-mail (admin console sign-in)", speedup_note=SMALL_LOOKUP),
    lookup("admin_roles", ("name",), "uq_admin_roles_name", "admin role by name (role assignment screen)", speedup_note=SMALL_LOOKUP),
    lookup(
        "admin_permissions",
        ("resource", "action"),
        "uq_admin_permissions_resource_action",
        "permission by resource and action (every admin authorization check)",
        speedup_note=SMALL_LOOKUP,
    ),
    lookup(
        "admin_dashboards", ("slug",), "uq_admin_dashboards_slug", "dashboard by URL slug (console navigation)", speedup_note=SMALL_LOOKUP
    ),
    lookup(
        "system_settings",
        ("category", "key"),
        "uq_system_settings_category_key",
        "a setting by category and key (read by services at start and on change)",
        speedup_note=SMALL_LOOKUP,
    ),
    Pattern(
        name="admin_activity_of_user",
        title="admin activity of one admin user over the last 30 days (SOC 2 admin review, ADM-014)",
        table="admin_activity_logs",
        sql=(
            "SELECT created_at, action, resource_type, resource_id, status FROM admin_activity_logs "
            "WHERE admin_user_id = :admin_user_id AND created_at >= CAST(:now AS timestamptz) - interval '30 days' "
            "ORDER BY created_at DESC"
        ),
        params=(
            "SELECT admin_user_id, (SELECT max(created_at) FROM admin_activity_logs) AS now FROM admin_activity_logs ORDER BY id LIMIT 1"
        ),
        index="ix_admin_activity_logs_admin_user_id_created_at",
    ),
    Pattern(
        name="admin_activity_last_hour",
        title="admin console feed: every admin action in the last hour",
        table="admin_activity_logs",
        sql=(
            "SELECT created_at, admin_user_id, action, resource_type, status FROM admin_activity_logs "
            "WHERE created_at > CAST(:now AS timestamptz) - interval '1 hour' ORDER BY created_at DESC"
        ),
        params="SELECT max(created_at) AS now FROM admin_activity_logs",
        index="ix_admin_activity_logs_created_at",
    ),
    Pattern(
        name="admin_changes_to_resource",
        title="who in the admin console changed this object (history tab of a record)",
        table="admin_activity_logs",
        sql=(
            "SELECT created_at, admin_user_id, action, old_values, new_values FROM admin_activity_logs "
            "WHERE resource_type = :resource_type AND resource_id = :resource_id ORDER BY created_at DESC"
        ),
        params=("SELECT resource_type, resource_id FROM admin_activity_logs WHERE resource_id IS NOT NULL ORDER BY id LIMIT 1"),
        index="ix_admin_activity_logs_resource_type_resource_id",
    ),
    fk_check("admin_users", ("role_id",), "admin_roles", "ix_admin_users_role_id", speedup_note=SMALL_TABLE),
    fk_check("admin_users", ("created_by",), "admin_users", "ix_admin_users_created_by", speedup_note=SMALL_TABLE),
    fk_check("admin_roles", ("parent_role_id",), "admin_roles", "ix_admin_roles_parent_role_id", speedup_note=SMALL_TABLE),
    fk_check(
        "admin_role_permissions",
        ("permission_id",),
        "admin_permissions",
        "ix_admin_role_permissions_permission_id",
        speedup_note=SMALL_TABLE,
    ),
    fk_check(
        "admin_dashboards",
        ("required_permission_id",),
        "admin_permissions",
        "ix_admin_dashboards_required_permission_id",
        speedup_note=SMALL_TABLE,
    ),
    fk_check(
        "admin_activity_logs",
        ("admin_user_id",),
        "admin_users",
        "ix_admin_activity_logs_admin_user_id_created_at",
        speedup_note=(
            "80 admins share 500,000 entries, so the pattern fetches thousands of rows either way; "
            "PostgreSQL's own check stops at the first row, which the index finds at once"
        ),
    ),
    # These two foreign keys lead their table's primary key, whose index serves the check.
    fk_check("admin_role_permissions", ("role_id",), "admin_roles", "pk_admin_role_permissions", speedup_note=SMALL_TABLE),
    fk_check("user_mfa_settings", ("user_id",), "users", "pk_user_mfa_settings", speedup_note=STAFF_SIZED),
    fk_check("system_settings", ("last_modified_by",), "admin_users", "ix_system_settings_last_modified_by", speedup_note=SMALL_TABLE),
)

# Non-primary indexes no pattern above uses, and why they exist anyway.
UNSERVED_INDEXES: dict[str, str] = {
    "ix_quotes_id_customer_id": (
        "UNIQUE (id, customer_id): the target a composite foreign key needs so that a requote's parent "
        "belongs to the same customer (fk_quotes_parent_quote_id_customer_id_quotes); lookups by id use pk_quotes"
    ),
    "uq_admin_rate_approvals_pending_rate_table_id": (
        "ADM-024: the partial unique index that allows one pending approval per rate row; it enforces the rule, "
        "and a rate's approval history is read through ix_admin_rate_approvals_rate_table_id"
    ),
    "ix_policies_binding_key": (
        "QUO-016: the UNIQUE (id, customer_id, product_type, state, effective_date, premium_amount) target of "
        "fk_quotes_binding_agrees_with_policy, so a bound quote agrees with its policy by structure; lookups by id "
        "use pk_policies"
    ),
    "ix_partition_archive_ledger_partition_name_recorded_at": (
        "SEC-023: audit_trail_protection_problems() reads the ledger entries of each archive by partition_name; "
        "the ledger holds one row per month detached by retention (about a dozen a year), so the planner rightly "
        "reads its page or two"
    ),
    "ex_admin_users_single_bootstrap": (
        "the partial unique index behind the constraint that allows one bootstrap admin (created_by IS NULL); "
        "it enforces a rule and serves no query"
    ),
    **{
        f"uq_{entity}_status_transitions_from_status_to_status": (
            f"UNIQUE NULLS NOT DISTINCT (from_status, to_status): each allowed {entity} status change is listed once "
            f"({rule}); the table holds about a dozen rows, so the transition trigger's lookup reads one page, "
            "and a sequential scan is what the planner rightly picks"
        )
        for entity, rule in (("claim", "COR-017"), ("policy", "COR-018"))
    },
}


def by_name() -> dict[str, Pattern]:
    out: dict[str, Pattern] = {}
    for p in PATTERNS:
        if p.name in out:
            raise ValueError(f"two query patterns are named {p.name!r}")
        out[p.name] = p
    return out


def served_indexes() -> set[str]:
    return {p.index for p in PATTERNS if p.index}

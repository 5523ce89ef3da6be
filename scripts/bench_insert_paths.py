#!/usr/bin/env python
"""Insert rates of the three hot write paths before and after the invariant revisions, same run:
``python scripts/bench_insert_paths.py [--rows 3000] [--rounds 2] [--markdown FILE] [--json FILE]``.

Revisions 007-011 add constraints and row triggers to the tables the application writes most:
quotes (state machine, server-owned facts, version chains, QUO-003's number), audit_logs (the
acting identity of SEC-020) and analytics_events. The question of issue 21 (section 3) is what
that costs per insert. Two scratch databases on the server in use, one at 006 (the released
foundation, before the invariants) and one at head, get the same parents (users, customers) from
the same SQL, then each path inserts ``--rows`` rows twice: one statement a row, the way the
application does (round trips included), and BATCH rows per INSERT ... SELECT (what the database
itself spends a row: constraints, triggers, index entries); committed every BATCH rows either way
(so the number is not the WAL flush of a commit per row). Rounds alternate 006 / head so that the
machine's load drifts over both; the table reports the best round of each (the least disturbed)
and the ratio head / 006.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import psycopg

from schema import bench_json, database, migrations
from schema.perf import bench

BEFORE, AFTER = "006", "head"
BATCH = 100  # statements per transaction
# Parents valid at 006 and at head: a bcrypt-format hash (SEC-031's formats), a plausible birth
# date, server-owned created_at (left to the default).
PARENTS = (
    "INSERT INTO users (email, password_hash, full_name, role) "
    "SELECT 'bench' || g || '@insurer.example', '$2b$12$' || repeat('a', 53), 'Bench User ' || g, 'agent' "
    "FROM generate_series(1, 20) AS g",
    "INSERT INTO customers (customer_number, first_name, last_name, email, date_of_birth, address_line1, city, state, zip_code) "
    "SELECT 'CUST-' || lpad(g::text, 8, '0'), 'Ann', 'Lee', 'ann.lee' || g || '@mail.example', date '1980-05-01', g || ' Main St', 'Austin', 'TX', '73301' "
    "FROM generate_series(1, 200) AS g",
)
PARENT_IDS = "SELECT (SELECT array_agg(id ORDER BY email) FROM users), (SELECT array_agg(id ORDER BY customer_number) FROM customers)"
# The application's statements (schema.perf.workload's draft quote, schema.rehearse's audit entry
# with its declared actor, a funnel event), with psycopg's placeholders.
QUOTE = (
    "INSERT INTO quotes (customer_id, status, product_type, state, zip_code, effective_date, expires_at, "
    "created_by, updated_by) VALUES (%(customer_id)s, 'draft', 'auto', 'TX', '73301', current_date + 7, "
    "now() + interval '30 days', %(user_id)s, %(user_id)s)"
)
AUDIT = (
    "WITH actor AS (SELECT set_config('app.user_id', CAST(%(user_id)s AS text), true) AS user_id) "
    "INSERT INTO audit_logs (user_id, action, resource_type, resource_id, request_method, request_path, "
    "response_status, response_time_ms) SELECT CAST(actor.user_id AS uuid), 'quote.create', 'quotes', "
    "gen_random_uuid(), 'POST', '/api/v1/quotes', 201, 40 FROM actor"
)
ANALYTICS = (
    "INSERT INTO analytics_events (event_type, event_category, event_data, user_id, duration_ms) "
    "VALUES ('quote_started', 'quote', '{\"channel\": \"web\"}', %(user_id)s, 120)"
)
PATHS = {"quote": QUOTE, "audit": AUDIT, "analytics": ANALYTICS}
# The same rows, BATCH per statement (parents drawn in turn from the arrays).
QUOTE_SET = (
    "INSERT INTO quotes (customer_id, status, product_type, state, zip_code, effective_date, expires_at, "
    "created_by, updated_by) SELECT (%(customers)s::uuid[])[1 + g %% %(n_customers)s], 'draft', 'auto', 'TX', '73301', "
    "current_date + 7, now() + interval '30 days', (%(users)s::uuid[])[1 + g %% %(n_users)s], "
    "(%(users)s::uuid[])[1 + g %% %(n_users)s] FROM generate_series(1, %(n)s) AS g"
)
AUDIT_SET = (
    "WITH actor AS (SELECT set_config('app.user_id', CAST(%(user_id)s AS text), true) AS user_id) "
    "INSERT INTO audit_logs (user_id, action, resource_type, resource_id, request_method, request_path, "
    "response_status, response_time_ms) SELECT CAST(actor.user_id AS uuid), 'quote.create', 'quotes', "
    "gen_random_uuid(), 'POST', '/api/v1/quotes', 201, 40 FROM actor CROSS JOIN generate_series(1, %(n)s) AS g"
)
ANALYTICS_SET = (
    "INSERT INTO analytics_events (event_type, event_category, event_data, user_id, duration_ms) "
    "SELECT 'quote_started', 'quote', '{\"channel\": \"web\"}', (%(users)s::uuid[])[1 + g %% %(n_users)s], 120 "
    "FROM generate_series(1, %(n)s) AS g"
)
SET_PATHS = {"quote": QUOTE_SET, "audit": AUDIT_SET, "analytics": ANALYTICS_SET}
MODES = ("one row per statement", f"{BATCH} rows per statement")


@dataclass
class Rates:
    revision: str
    rows_per_second: dict[tuple[str, str], float]  # (mode, path)


def _prepare(conninfo: str) -> tuple[list[object], list[object]]:
    with psycopg.connect(conninfo) as conn:
        for statement in PARENTS:
            conn.execute(statement)
        conn.commit()
        users, customers = conn.execute(PARENT_IDS).fetchone() or ([], [])
    return list(users), list(customers)


def _measure(conninfo: str, users: list[object], customers: list[object], rows: int) -> dict[tuple[str, str], float]:
    """rows/s of each path and mode: ``rows`` rows, committed every BATCH."""
    out: dict[tuple[str, str], float] = {}
    with psycopg.connect(conninfo, prepare_threshold=None) as conn:
        for name, statement in PATHS.items():
            started = time.perf_counter()
            for i in range(rows):
                conn.execute(statement, {"user_id": users[i % len(users)], "customer_id": customers[i % len(customers)]})
                if (i + 1) % BATCH == 0:
                    conn.commit()
            conn.commit()
            out[(MODES[0], name)] = rows / (time.perf_counter() - started)
        for name, statement in SET_PATHS.items():
            started = time.perf_counter()
            for i in range(0, rows, BATCH):
                conn.execute(
                    statement,
                    {
                        "users": users,
                        "customers": customers,
                        "n_users": len(users),
                        "n_customers": len(customers),
                        "user_id": users[(i // BATCH) % len(users)],
                        "n": min(BATCH, rows - i),
                    },
                )
                conn.commit()
            out[(MODES[1], name)] = rows / (time.perf_counter() - started)
    return out


def main() -> int:
    p = bench.parser(__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=3000, help="rows per path per round")
    p.add_argument("--rounds", type=int, default=2)
    bench_json.add_argument(p, "insert_paths")
    args = p.parse_args()
    server = database.resolve().url
    with (
        migrations.temporary_database(server, "bench_ins006") as before_url,
        migrations.temporary_database(server, "bench_inshead") as after_url,
    ):
        migrations.upgrade(BEFORE, url=before_url)
        migrations.upgrade(AFTER, url=after_url)
        targets = {BEFORE: bench.libpq_url(before_url), AFTER: bench.libpq_url(after_url)}
        parents = {rev: _prepare(conninfo) for rev, conninfo in targets.items()}
        rounds: list[Rates] = []
        for _ in range(args.rounds):
            for rev, conninfo in targets.items():
                rounds.append(Rates(rev, _measure(conninfo, *parents[rev], args.rows)))
        keys = [(mode, path) for mode in MODES for path in PATHS]
        best = {rev: {k: max(r.rows_per_second[k] for r in rounds if r.revision == rev) for k in keys} for rev in targets}
        result = bench.Result(
            "Insert rates before (006) and after (head) the invariant revisions",
            ["path", "statements", f"{BEFORE} rows/s", f"{AFTER} rows/s", "head / 006", "every round (006, head, 006, ...)"],
        )
        for mode, path in keys:
            spread = ", ".join(f"{r.rows_per_second[(mode, path)]:,.0f}" for r in rounds)
            result.rows.append(
                [
                    path,
                    mode,
                    f"{best[BEFORE][(mode, path)]:,.0f}",
                    f"{best[AFTER][(mode, path)]:,.0f}",
                    bench.ratio(best[AFTER][(mode, path)], best[BEFORE][(mode, path)]),
                    spread,
                ]
            )
        result.notes += [
            f"{args.rows:,} rows per path, mode and round, committed every {BATCH}; {args.rounds} rounds alternating "
            f"006 and head, best round shown (a loaded machine: read the ratio); same parents (20 users, 200 customers) in both databases",
            "quote: a draft through the quote-number trigger (QUO-003's per-year counter) and, at head, the state "
            "machine, server-owned facts and version checks; audit: an API call's entry, the actor declared with "
            "set_config (SEC-020 at head); analytics: a funnel event (no row trigger at either revision)",
        ]
        bench.finish(result, args.markdown, after_url)
        if args.json:
            bench_json.write(
                args.json,
                title="Insert rates of the hot write paths: before (006) and after (head) the invariant revisions",
                unit="rows/s",
                scale="log",  # one row a statement and 100 a statement differ tenfold
                groups=[
                    bench_json.Group(f"{path}, {mode}", {BEFORE: best[BEFORE][(mode, path)], AFTER: best[AFTER][(mode, path)]})
                    for mode, path in keys
                ],
                notes=f"Best of {args.rounds} alternating rounds of {args.rows:,} rows per path, on a shared machine: "
                "the rounds spread by up to 2x, so only a gap larger than that is a finding.",
                machine=result.machine_info,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

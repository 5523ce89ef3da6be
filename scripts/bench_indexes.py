#!/usr/bin/env python
"""BRIN vs B-tree on audit_logs.created_at: index size, build time and time-window query time.

audit_logs is append-only and written in time order, so a BRIN index (min/max per block range)
describes it in a few pages where a B-tree keeps one entry per row. The benchmark builds a copy
of audit_logs' shape (CREATE TABLE ... (LIKE audit_logs)) in a scratch database, fills it in
time order with a little jitter as a real append stream has, and measures both indexes and a
sequential scan on the same rows. Baseline: the B-tree, same run.
"""

from __future__ import annotations

import statistics
import sys
import time

import psycopg

from schema import bench_json, database, migrations
from schema.perf import bench

FILL = """
INSERT INTO bench.audit_logs (id, user_id, ip_address, user_agent, session_id, action, resource_type, resource_id,
                              request_method, request_path, request_body, response_status, response_time_ms,
                              risk_score, security_alerts, created_at)
SELECT gen_random_uuid(), gen_random_uuid(), '203.0.113.1'::inet + (g %% 250), 'AgencyConnect/3.2 (+https://agency.example)',
       gen_random_uuid(), (ARRAY['quote.read', 'quote.create', 'policy.bind', 'user.login'])[1 + g %% 4],
       (ARRAY['quotes', 'quotes', 'policies', 'users'])[1 + g %% 4], gen_random_uuid(), 'POST', '/api/v1/quotes/{id}',
       jsonb_build_object('fields', g %% 9), 200, 20 + g %% 300, round((g %% 100) / 100.0, 2), '[]'::jsonb,
       -- time order with up to 30 s of jitter: rows arrive roughly, not exactly, in created_at order
       timestamptz '2025-01-01' + make_interval(secs => g * %(step)s + random() * 30)
FROM generate_series(%(lo)s, %(hi)s) g
"""
WINDOWS = {"5 minutes": "5 minutes", "1 hour": "1 hour", "1 day": "1 day", "1 week": "7 days"}
QUERY = (
    "SELECT count(*), avg(response_time_ms) FROM bench.audit_logs "
    "WHERE created_at >= timestamptz '2025-01-01' + %(offset)s::interval "
    "AND created_at < timestamptz '2025-01-01' + %(offset)s::interval + %(window)s::interval"
)
INDEXES = {
    "btree": "CREATE INDEX ix_bench_btree ON bench.audit_logs USING btree (created_at)",
    "brin": "CREATE INDEX ix_bench_brin ON bench.audit_logs USING brin (created_at)",
}


def timed(cur, window: str, offset: str, repeats: int = 5) -> float:
    params = {"window": window, "offset": offset}
    cur.execute(QUERY, params)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        cur.execute(QUERY, params)
        cur.fetchall()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    p = bench.parser(__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=3_000_000)
    p.add_argument("--days", type=int, default=90, help="time span the rows cover")
    bench_json.add_argument(p, "indexes")
    args = p.parse_args()
    step = args.days * 86400 / args.rows
    with migrations.temporary_database(database.resolve().url, "bench_brin", "head") as url:
        bench.execute(url, ["CREATE SCHEMA bench", "CREATE TABLE bench.audit_logs (LIKE public.audit_logs INCLUDING DEFAULTS)"])
        with psycopg.connect(bench.libpq_url(url), autocommit=True) as conn, conn.cursor() as cur:
            for lo in range(1, args.rows + 1, 250_000):
                cur.execute(FILL, {"lo": lo, "hi": min(args.rows, lo + 249_999), "step": step})
            cur.execute("VACUUM ANALYZE bench.audit_logs")
            cur.execute("SELECT pg_relation_size('bench.audit_logs')")
            heap = cur.fetchone()[0]
            offset = f"{args.days // 2} days"  # the middle of the range: no edge effects
            built: dict[str, tuple[float, int]] = {}
            ms: dict[str, dict[str, float]] = {}
            for kind, ddl in INDEXES.items():
                started = time.perf_counter()
                cur.execute(ddl)
                seconds = time.perf_counter() - started
                cur.execute("ANALYZE bench.audit_logs")
                cur.execute(f"SELECT pg_relation_size('bench.ix_bench_{kind}')")
                built[kind] = (seconds, cur.fetchone()[0])
                cur.execute(f"EXPLAIN (FORMAT JSON) {QUERY}", {"window": "1 hour", "offset": offset})
                plan_text = str(cur.fetchone()[0])
                assert f"ix_bench_{kind}" in plan_text, f"the 1-hour query does not use ix_bench_{kind}: {plan_text}"
                ms[kind] = {label: timed(cur, window, offset) for label, window in WINDOWS.items()}
                cur.execute(f"DROP INDEX bench.ix_bench_{kind}")
            ms["no index (seq scan)"] = {label: timed(cur, window, offset, repeats=3) for label, window in WINDOWS.items()}
        result = bench.Result(
            f"BRIN vs B-tree on audit_logs.created_at ({args.rows:,} rows over {args.days} days)",
            ["index", "size MiB", "size vs B-tree", "build s", *(f"{w} ms" for w in WINDOWS), *(f"{w} vs B-tree" for w in WINDOWS)],
        )
        base_size = built["btree"][1]
        for kind, times in ms.items():
            seconds, size = built.get(kind, (None, None))
            result.rows.append(
                [
                    kind,
                    "–" if size is None else f"{size / 2**20:.2f}",
                    "–" if size is None else bench.ratio(size, base_size),
                    "–" if seconds is None else f"{seconds:.1f}",
                    *(f"{times[w]:.2f}" for w in WINDOWS),
                    *(bench.ratio(times[w], ms["btree"][w]) for w in WINDOWS),
                ]
            )
        result.notes += [
            f"table heap {heap / 2**20:.0f} MiB; query: count(*) and avg(response_time_ms) over a window "
            "in the middle of the range, median of 5 warm runs (3 without an index)",
            "a ratio above 1x is slower than the B-tree (time) or larger (size)",
        ]
        bench.finish(result, args.markdown, url)
        if args.json:
            bench_json.write(
                args.json,
                title=f"audit_logs.created_at time-window query: BRIN vs B-tree vs no index ({args.rows:,} rows over {args.days} days)",
                unit="ms",
                scale="log",  # the sequential scan is hundreds of times the indexed windows
                groups=[bench_json.Group(window, {kind: times[window] for kind, times in ms.items()}) for window in WINDOWS],
                notes="Median of 5 warm runs per window (3 without an index) on a shared machine; index sizes and build times are in the BRIN section's table.",
                machine=result.machine_info,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

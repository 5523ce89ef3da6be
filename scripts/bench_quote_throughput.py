#!/usr/bin/env python
"""Quote creation throughput through the database's quote-number generator at 64 connections.

Baseline: one connection, same run, same database. Every quote number issued must be distinct
and every transaction must commit (errors are counted and listed, never retried).
Runs in a scratch database on the server in use; for a clean machine use
``scripts/with_postgres15.sh .venv/bin/python scripts/bench_quote_throughput.py``.
"""

from __future__ import annotations

import datetime as dt
import sys

from schema import database, migrations
from schema.perf import bench, workload
from schema.seed import volume


def main() -> int:
    p = bench.parser(__doc__.splitlines()[0])
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--transactions", type=int, default=100, help="quote inserts per connection")
    p.add_argument("--baseline-transactions", type=int, default=1000, help="quote inserts on the single connection")
    args = p.parse_args()
    with migrations.temporary_database(database.resolve().url, "bench_quotes", "head") as url:
        volume.seed_small(url, dt.datetime.now(dt.UTC).date())
        conninfo = bench.libpq_url(url)
        base = workload.run(conninfo, 1, args.baseline_transactions)
        many = workload.run(conninfo, args.connections, args.transactions)
        result = bench.Result(
            f"Quote creation throughput ({args.connections} connections, quote-number generator)",
            ["connections", "quotes", "quotes/s", "vs 1 connection", "p50 ms", "p99 ms", "errors", "distinct numbers"])
        for s in (base, many):
            result.rows.append([str(s.clients), f"{s.committed:,}", f"{s.tps:,.0f}", bench.ratio(s.tps, base.tps),
                                f"{bench.percentile(s.latencies_ms, 50):.2f}", f"{bench.percentile(s.latencies_ms, 99):.2f}",
                                str(len(s.errors)), f"{len(s.numbers):,}"])
        result.notes.append("each transaction: INSERT a draft quote, RETURNING the QUOT-YYYY-NNNNNN number the "
                            "trigger takes from the row-locked per-year counter (autocommit, no prepared statements)")
        for s in (base, many):
            result.notes += [f"error ({s.clients} connections): {e}" for e in sorted(set(s.errors))[:5]]
        bench.finish(result, args.markdown, url)
        failed = any(s.errors or len(s.numbers) != s.committed or s.not_run for s in (base, many))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

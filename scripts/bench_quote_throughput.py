#!/usr/bin/env python
"""Quote creation throughput at 1, 8, 32 and 64 connections: the project's insert path against the physical baseline.

For each revision asked (``--revision 011 head`` compares the row-locked counter with the year
sequences of 012 in one run), a scratch database is seeded at small scale at head and, for an
older revision, downgraded to it (the path an operator takes). Then, for each connection count:

- (a) the project's path: INSERT a draft quote and let the database issue its number (QUO-003);
- (b) the physical baseline: the same INSERT with a number the client supplies (unique by
  construction, from 500000 up, where (a) never reaches in a run) and the numbering trigger
  ``trg_quotes_assign_quote_number`` disabled; every other trigger and constraint still runs, so
  only the numbering differs.

Each run lasts ``--seconds`` (every client inserts until the deadline; autocommit, one quote per
transaction, no prepared statements). Printed: quotes/s, p50/p99, (32 connections)/(1 connection)
per path (target >= 3x for (a)), (a)/(b) per connection count (target >= 0.9), and, with two
revisions, each revision's (a) against the first one's. Every number issued must be distinct and
every transaction commit: an error or a duplicate makes the exit status 1 (never retried).
The clients are asyncio tasks of one Python process, the same for (a) and (b).
"""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from schema import database, migrations
from schema.perf import bench, workload
from schema.seed import volume

CONNECTIONS = (1, 8, 32, 64)
BASELINE_FIRST_NUMBER = 500_000  # (b)'s numbers; (a) issues from the year's counter or sequence, far below
NUMBERING_TRIGGER = "trg_quotes_assign_quote_number"
PER_CLIENT_CAP = 1_000_000  # transactions per client: the deadline, not this, ends a run
SCALING_TARGET = 3.0  # issue 21: 32 connections >= 3x one
BASELINE_TARGET = 0.9  # issue 21: (a) >= 90% of (b) at every connection count


@dataclass(frozen=True)
class Measured:
    revision: str
    path: str  # "a" or "b"
    stats: workload.Stats


def baseline_numbers(year: int) -> Iterator[str]:
    """Unique numbers of ``year`` for (b), from BASELINE_FIRST_NUMBER up; refuses to leave six digits."""
    for n in itertools.count(BASELINE_FIRST_NUMBER):
        if n > 999_999:
            raise RuntimeError("the baseline ran out of QUOT numbers of the year: shorten --seconds")
        yield f"QUOT-{year:04d}-{n:06d}"


def measure(revision: str, connections: tuple[int, ...], seconds: float) -> list[Measured]:
    out: list[Measured] = []
    with migrations.temporary_database(database.resolve().url, "bench_quotes", "head") as url:
        volume.seed_small(url, dt.datetime.now(dt.UTC).date())
        if revision != "head":
            migrations.downgrade(revision, url=url)
        conninfo = bench.libpq_url(url)
        numbers = baseline_numbers(dt.datetime.now(dt.UTC).year)
        for n in connections:
            out.append(Measured(revision, "a", workload.run(conninfo, n, PER_CLIENT_CAP, timeout_s=seconds)))
            bench.execute(url, [f"ALTER TABLE quotes DISABLE TRIGGER {NUMBERING_TRIGGER}"])
            try:
                out.append(Measured(revision, "b", workload.run(conninfo, n, PER_CLIENT_CAP, timeout_s=seconds, numbers=numbers)))
            finally:
                bench.execute(url, [f"ALTER TABLE quotes ENABLE TRIGGER {NUMBERING_TRIGGER}"])
    return out


def _tps(results: list[Measured], revision: str, path: str, clients: int) -> float:
    return next(m.stats.tps for m in results if (m.revision, m.path, m.stats.clients) == (revision, path, clients))


def main() -> int:
    p = bench.parser(__doc__.splitlines()[0])
    p.add_argument(
        "--revision", nargs="+", default=["head"], help="revisions to compare in this run, e.g. 011 head (each in its own scratch database)"
    )
    p.add_argument("--connections", type=int, nargs="+", default=list(CONNECTIONS))
    p.add_argument("--seconds", type=float, default=6.0, help="duration of each run")
    args = p.parse_args()
    connections = tuple(args.connections)
    results = [m for revision in args.revision for m in measure(revision, connections, args.seconds)]

    result = bench.Result(
        f"Quote creation throughput: (a) the project's path vs (b) client-supplied numbers, no numbering trigger "
        f"({args.seconds:g} s per run)",
        [
            "revision",
            "connections",
            "path",
            "quotes",
            "quotes/s",
            "vs 1 connection",
            "(a)/(b)",
            "p50 ms",
            "p99 ms",
            "errors",
            "distinct numbers",
        ],
    )
    for m in results:
        s = m.stats
        one = _tps(results, m.revision, m.path, connections[0])
        a_vs_b = bench.ratio(s.tps, _tps(results, m.revision, "b", s.clients)) if m.path == "a" else ""
        result.rows.append(
            [
                m.revision,
                str(s.clients),
                m.path,
                f"{s.committed:,}",
                f"{s.tps:,.0f}",
                bench.ratio(s.tps, one),
                a_vs_b,
                f"{bench.percentile(s.latencies_ms, 50):.2f}" if s.latencies_ms else "–",
                f"{bench.percentile(s.latencies_ms, 99):.2f}" if s.latencies_ms else "–",
                str(len(s.errors)),
                f"{len(s.numbers):,}",
            ]
        )
    for revision in args.revision:
        if 1 in connections and 32 in connections:
            scale = _tps(results, revision, "a", 32) / _tps(results, revision, "a", 1)
            verdict = "meets" if scale >= SCALING_TARGET else "misses"
            result.notes.append(
                f"{revision}: (a) at 32 connections / 1 connection = {scale:.2f}x (target >= {SCALING_TARGET:g}x: {verdict})"
            )
        ratios = [_tps(results, revision, "a", n) / _tps(results, revision, "b", n) for n in connections]
        verdict = "meets" if min(ratios) >= BASELINE_TARGET else "misses"
        result.notes.append(
            f"{revision}: (a)/(b) = "
            + ", ".join(f"{r:.2f} at {n}" for r, n in zip(ratios, connections, strict=True))
            + f" (target >= {BASELINE_TARGET:g} at every count: {verdict})"
        )
    first = args.revision[0]
    for revision in args.revision[1:]:
        result.notes.append(
            f"{revision} vs {first}, path (a): "
            + ", ".join(f"{bench.ratio(_tps(results, revision, 'a', n), _tps(results, first, 'a', n))} at {n}" for n in connections)
        )
    result.notes.append(
        "(a): INSERT a draft quote RETURNING the number the trigger issues (011: row-locked per-year "
        "counter; 012: sequence per year); (b): the same INSERT with quote_number supplied and "
        f"{NUMBERING_TRIGGER} disabled; autocommit, no prepared statements, one Python asyncio client "
        "process for all connections"
    )
    for m in results:
        result.notes += [f"error ({m.revision}, {m.path}, {m.stats.clients} connections): {e}" for e in sorted(set(m.stats.errors))[:5]]
    with migrations.temporary_database(database.resolve().url, "bench_quotes_machine") as url:
        bench.finish(result, args.markdown, url)
    failed = any(m.stats.errors or len(m.stats.numbers) != m.stats.committed for m in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

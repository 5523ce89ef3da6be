#!/usr/bin/env python
"""Random UUIDv4 vs time-ordered UUIDv7 primary keys: insert rate and index size.

The seed worried that random UUID keys fragment B-tree indexes. A v4 key lands on a random leaf,
so once the index outgrows memory every insert touches a cold page and leaves split in half;
a v7 key (48-bit millisecond timestamp first) always lands on the rightmost leaf, which splits
90/10. PostgreSQL 15/16 have no uuidv7(): this benchmark defines one in its own scratch schema
of its own scratch database (the product schema is not touched). Baseline: v4, same run.
"""

from __future__ import annotations

import sys

from schema import bench_json, database, migrations
from schema.perf import bench

UUIDV7 = """
CREATE FUNCTION bench.uuidv7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    -- RFC 9562 layout: unix_ts_ms (48 bits) | ver 7 | rand_a | var 10 | rand_b; the random bits and
    -- the variant come from gen_random_uuid(), the version nibble 0100 becomes 0111 by setting bits 52, 53.
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                                          PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                                          FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$"""
TABLE = (
    "CREATE TABLE bench.keys_{kind} (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT clock_timestamp(), payload text NOT NULL)"
)
INSERT = "INSERT INTO bench.keys_{kind} (id, payload) SELECT {fn}, md5(g::text) FROM generate_series(1, {rows}) g"
KINDS = {"v4": "gen_random_uuid()", "v7": "bench.uuidv7()"}


def main() -> int:
    p = bench.parser(__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=2_000_000, help="rows inserted per key kind")
    p.add_argument("--batch", type=int, default=20_000, help="rows per committed INSERT (a busy service's stream)")
    bench_json.add_argument(p, "uuid")
    args = p.parse_args()
    with migrations.temporary_database(database.resolve().url, "bench_uuid") as url:
        bench.execute(url, ["CREATE SCHEMA bench", UUIDV7, *(TABLE.format(kind=k) for k in KINDS)])
        eng = database.engine(url, isolation_level="AUTOCOMMIT")
        measured = {}
        with eng.connect() as conn:
            check = conn.exec_driver_sql("SELECT bench.uuidv7()::text").scalar_one()
            assert check[14] == "7", f"uuidv7() produced {check}: version nibble is not 7"
            for kind, fn in KINDS.items():
                with bench.stopwatch() as t:
                    for _ in range(args.rows // args.batch):
                        conn.exec_driver_sql(INSERT.format(kind=kind, fn=fn, rows=args.batch))
                index_bytes = int(
                    bench.scalar(
                        conn,
                        f"SELECT pg_relation_size(i.indexrelid) FROM pg_index i "
                        f"WHERE i.indrelid = 'bench.keys_{kind}'::regclass AND i.indisprimary",
                    )
                )
                rows = int(bench.scalar(conn, f"SELECT count(*) FROM bench.keys_{kind}"))
                measured[kind] = (rows, t[0], index_bytes)
        eng.dispose()
        base_rate = measured["v4"][0] / measured["v4"][1]
        base_size = measured["v4"][2]
        result = bench.Result(
            "UUID primary keys: random v4 vs time-ordered v7",
            ["key", "rows", "seconds", "rows/s", "rate vs v4", "PK index MiB", "size vs v4", "bytes/row"],
        )
        for kind, (rows, seconds, size) in measured.items():
            rate = rows / seconds
            result.rows.append(
                [
                    kind,
                    f"{rows:,}",
                    f"{seconds:.1f}",
                    f"{rate:,.0f}",
                    bench.ratio(rate, base_rate),
                    f"{size / 2**20:.1f}",
                    bench.ratio(size, base_size),
                    f"{size / rows:.1f}",
                ]
            )
        result.notes.append(
            f"inserts in committed batches of {args.batch:,} rows; uuidv7() is SQL in the scratch "
            "schema bench (no extension); index size from pg_relation_size of the primary key"
        )
        bench.finish(result, args.markdown, url)
        if args.json:
            bench_json.write(
                args.json,
                title="UUID primary keys: insert rate of random v4 vs time-ordered v7",
                unit="rows/s",
                scale="linear",
                groups=[
                    bench_json.Group(
                        f"{measured['v4'][0]:,} rows, batches of {args.batch:,}",
                        {kind: rows / seconds for kind, (rows, seconds, _) in measured.items()},
                    ),
                ],
                notes=f"One run of {args.rows:,} rows per key kind on a shared machine; v7 gains once the primary key outgrows "
                "shared_buffers (the index sizes are in the UUID section's table).",
                machine=result.machine_info,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

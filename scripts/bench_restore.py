#!/usr/bin/env python
"""Benchmark the restore drill: ``python scripts/bench_restore.py [--scale medium] [--jobs 2] [--json FILE]``.

Seeds a throw-away database at the given scale (medium by default: about 2.8 million rows; full is
about 15.5 million), runs ``schema.drill.restore`` on it (pg_dump -Fc, pg_restore -j N, the proof),
prints the timings, rows/s and MB/s, and an extrapolation of the restore time to the production
sizes the scaling page plans for (linear in bytes at the measured MB/s, one server, -j N: a lower
bound on a bigger machine only as far as its disks and cores scale). Exit 1 when the proof fails.

On a shared machine run it at small scale only (``--scale small``); medium and full take minutes to
hours and load the server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from rich.console import Console

from schema import bench_json, database, drill, machine, migrations
from schema.seed import scales, volume

# Production sizes to extrapolate to (bytes): the seed's "8-hour restore for TB+ databases" and
# the 100 TB the scaling page plans a Citus cluster for (per-node restores run in parallel there).
PRODUCTION_SIZES: dict[str, int] = {"100 GB": 100 * 10**9, "1 TB": 10**12, "10 TB": 10 * 10**12, "100 TB": 100 * 10**12}
RESTORE_WINDOW_HOURS = 8.0


def extrapolate(report: drill.DrillReport) -> list[str]:
    """Restore hours at each production size, linear at the measured restore MB/s."""
    rate = report.restore_mb_per_second * 1e6  # bytes per second
    lines = [f"extrapolated restore time at {report.restore_mb_per_second:.1f} MB/s (pg_restore -j {report.jobs}, linear in bytes):"]
    for label, size in PRODUCTION_SIZES.items():
        hours = size / rate / 3600 if rate > 0 else float("inf")
        verdict = "within" if hours <= RESTORE_WINDOW_HOURS else "OVER"
        lines.append(f"  {label:>7}: {hours:10.1f} h  ({verdict} the {RESTORE_WINDOW_HOURS:.0f}-hour window)")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", choices=sorted(scales.SCALES))
    parser.add_argument("--jobs", type=int, default=drill.DEFAULT_JOBS)
    parser.add_argument("--seed", type=int, default=7)
    bench_json.add_argument(parser, "restore")
    args = parser.parse_args(argv)
    server = database.resolve().url
    console = Console(stderr=True)
    with migrations.temporary_database(server, "wb_bench_restore", revision="head") as url:
        eng = database.engine(url)
        try:
            with eng.connect() as conn:
                info = machine.describe(conn)
                seeded = volume.generate(conn, scales.get(args.scale), args.seed, dt.datetime.now(dt.UTC).date(), console=console)
        finally:
            eng.dispose()
        report = drill.restore(url, jobs=args.jobs)
    print(f"scale {args.scale}: seeded {seeded.rows} rows in {seeded.seconds:.1f} s")
    print(machine.markdown(info))
    for line in report.lines():
        print(line)
    for line in extrapolate(report):
        print(line)
    if args.json and report.ok:  # a failed proof is not a result to chart
        bench_json.write(
            args.json,
            title="Restore drill: seconds of each phase (pg_dump -Fc, pg_restore, the proof)",
            unit="s",
            scale="linear",
            groups=[
                bench_json.Group(
                    f"{args.scale} scale: {report.rows:,} rows, {report.database_bytes / 1e6:.1f} MB",
                    {
                        "pg_dump -Fc": report.dump_seconds,
                        f"pg_restore -j {report.jobs}": report.restore_seconds,
                        "verify": report.verify_seconds,
                    },
                )
            ],
            notes=f"One run on a shared machine (the copy proven equal: rows and checksum per table, constraints, schema dump); "
            f"restore {report.restore_mb_per_second:.1f} MB/s.",
            machine=info,
        )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

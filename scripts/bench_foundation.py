"""Foundation benchmark: no-op install, embedded cold start, upgrade head + downgrade base.

Prints one line per measurement (median of several runs) and the machine it ran on. A baseline
from the same run is given where a ratio means something: a cold start is compared with a
warm connect, so a noisy machine shows up in both numbers.

    .venv/bin/python scripts/bench_foundation.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

from schema import database, migrations

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def make_install() -> None:
    subprocess.run(["make", "-s", "install"], cwd=ROOT, check=True, capture_output=True)


def cold_start() -> None:
    database.stop_embedded()
    subprocess.run([str(ROOT / ".venv/bin/schema"), "db", "start"], cwd=ROOT, check=True, capture_output=True)


def warm_start() -> None:
    subprocess.run([str(ROOT / ".venv/bin/schema"), "db", "start"], cwd=ROOT, check=True, capture_output=True)


def up_down() -> None:
    server = database.resolve().url
    name = f"bench_updown_{os.getpid()}"
    url = database.create_database(server, name)
    try:
        migrations.upgrade("head", url=url)
        migrations.downgrade("base", url=url)
    finally:
        database.drop_database(server, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if os.environ.get(database.ENV_VAR):
        raise SystemExit("run this benchmark against the embedded server (unset DATABASE_URL): it stops and starts it")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"make install (nothing changed): {timed(make_install, args.runs):.2f} s")
    warm = timed(warm_start, args.runs)
    cold = timed(cold_start, args.runs)
    print(f"embedded start, cold (server stopped): {cold:.2f} s; warm (already running): {warm:.2f} s; cold/warm {cold / warm:.1f}x")
    print(f"upgrade head + downgrade base on an empty database: {timed(up_down, args.runs):.2f} s")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Benchmark the volume generator against a restore of what it generates:
``python scripts/bench_seed.py [--scale medium] [--scale full] [--markdown FILE]``.

Per scale, in one run: the generator fills a scratch database, then ``pg_dump -Fc`` and
``pg_restore -j 2`` copy it into a new one (proven equal by the restore drill); prints the times and
the ratio generator / restore. The same as ``schema seed bench-restore``; the measurement lives in
schema.seed.bench (``schema seed bench`` is the generator next to a plain COPY).
"""

import sys

from schema.seed.cli import app

if __name__ == "__main__":
    sys.exit(app(["bench-restore", *sys.argv[1:]]))

#!/usr/bin/env python
"""The seed's "performance test script": proves every index is used by its query pattern and pays off.

Same as ``schema perf`` (all options pass through), for operators who look in scripts/:
    .venv/bin/python scripts/perf_check.py --json perf.json --markdown perf.md
Run it on a database seeded with ``schema seed volume --scale full`` (a scratch one: it drops
each index inside a transaction it rolls back, which locks the table meanwhile).
"""

import sys

from schema.cli import app

if __name__ == "__main__":
    app(["perf", *sys.argv[1:]])

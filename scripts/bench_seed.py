#!/usr/bin/env python
"""Benchmark the volume generator against COPY: ``python scripts/bench_seed.py [--rows N] [--markdown FILE]``.

The same as ``schema seed bench``; the measurement lives in schema.seed.bench.
"""

import sys

from schema.seed.cli import app

if __name__ == "__main__":
    sys.exit(app(["bench", *sys.argv[1:]]))

#!/usr/bin/env python
"""Load the initial CA/TX/NY rate tables and discount rules: ``python scripts/seed_rate_tables.py [--dry-run]``.

The same as ``schema seed rates``; the data and the loader live in schema.seed.rates.
"""

import sys

from schema.seed.cli import app

if __name__ == "__main__":
    sys.exit(app(["rates", *sys.argv[1:]]))

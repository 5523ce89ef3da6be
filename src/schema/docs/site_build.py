"""Build the handbook into any folder: what the tests (strict build, browser) and CI use.

The site is always built from a copy of docs/ with its generated pages freshly regenerated, so a
build checks the generator's output even when the committed pages are stale (the drift test
reports that separately, with the command that fixes it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

from schema import database
from schema.docs import generate


def regenerated_copy(pages: dict[str, str], dest: Path) -> Path:
    """docs/ copied to ``dest`` (hand-written pages and assets) with ``pages`` written over it."""
    shutil.copytree(generate.default_docs_dir(), dest)
    generate.write(pages, dest)
    return dest


def build_site(docs_dir: Path, site_dir: Path, strict: bool = True) -> Path:
    """``mkdocs build [--strict]`` of the project's mkdocs.yml with another docs and site folder."""
    config = load_config(
        config_file=str(database.project_root() / "mkdocs.yml"),
        docs_dir=str(docs_dir),
        site_dir=str(site_dir),
        strict=strict,
    )
    build(config)
    return site_dir

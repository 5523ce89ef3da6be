"""mkdocs hooks (mkdocs.yml ``hooks:``): the generated navigation, and mermaid.js and svg-pan-zoom served locally.

The navigation lists tables, so it is generated with the pages (docs/.nav.yml) instead of typed
into mkdocs.yml. mermaid.min.js comes from the npm package pinned in package-lock.json
(``make install`` runs ``npm ci``) and is served as a file of the site, so the handbook renders
its diagrams offline and never asks a CDN. Both are required: a missing one stops the build
with the command that makes it, rather than a site without navigation or diagrams.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

NAV_FILE = ".nav.yml"
MERMAID_SOURCE = Path("node_modules", "mermaid", "dist", "mermaid.min.js")
MERMAID_URI = "assets/javascripts/mermaid.min.js"
# Pan and zoom of the diagrams (docs/assets/javascripts/diagrams.js), pinned in package-lock.json.
PAN_ZOOM_SOURCE = Path("node_modules", "svg-pan-zoom", "dist", "svg-pan-zoom.min.js")
PAN_ZOOM_URI = "assets/javascripts/svg-pan-zoom.min.js"
VENDORED = ((MERMAID_SOURCE, MERMAID_URI), (PAN_ZOOM_SOURCE, PAN_ZOOM_URI))


def _project_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    nav_path = Path(config.docs_dir, NAV_FILE)
    if not nav_path.is_file():
        raise PluginError(f"{nav_path} is missing: run `schema docs` (make docs) to generate the handbook's pages and navigation")
    config.nav = yaml.safe_load(nav_path.read_text(encoding="utf-8"))
    listed = [str(s) for s in config.extra_javascript]
    for _source, uri in VENDORED:
        if uri not in listed:
            raise PluginError(f"mkdocs.yml must list {uri} in extra_javascript: the diagrams need it, and nothing may come from a CDN")
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for relative, uri in VENDORED:
        source = _project_root(config) / relative
        if not source.is_file():
            raise PluginError(f"{source} is missing: run `make install` (npm ci installs the packages pinned in package-lock.json)")
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    return files

"""mkdocs hooks (mkdocs.yml ``hooks:``): the generated navigation, mermaid.js and svg-pan-zoom served
locally, and a search index that finds rows.

The navigation lists tables, so it is generated with the pages (docs/.nav.yml) instead of typed
into mkdocs.yml. mermaid.min.js comes from the npm package pinned in package-lock.json
(``make install`` runs ``npm ci``) and is served as a file of the site, so the handbook renders
its diagrams offline and never asks a CDN. Both are required: a missing one stops the build
with the command that makes it, rather than a site without navigation or diagrams.

Search (mkdocs-material's plugin) indexes a page by heading sections, and would index a diagram's
Mermaid source as text. So diagrams are marked ``data-search-exclude``, and every table row whose
first cell carries an anchor (a column, constraint, index, trigger, policy, report pattern) becomes
an entry of its own, titled by that cell: a search for ``quote_number`` or a constraint's name
lands on the row that defines it, ranked by the page's ``search: boost``.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

NAV_FILE = ".nav.yml"
MERMAID_SOURCE = Path("node_modules", "mermaid", "dist", "mermaid.min.js")
MERMAID_URI = "assets/javascripts/mermaid.min.js"
# Pan and zoom of the diagrams (docs/assets/javascripts/diagrams.js), pinned in package-lock.json.
PAN_ZOOM_SOURCE = Path("node_modules", "svg-pan-zoom", "dist", "svg-pan-zoom.min.js")
PAN_ZOOM_URI = "assets/javascripts/svg-pan-zoom.min.js"
VENDORED = ((MERMAID_SOURCE, MERMAID_URI), (PAN_ZOOM_SOURCE, PAN_ZOOM_URI))
SEARCH_INDEX = Path("search", "search_index.json")
# A diagram, as superfences writes it (and any pre-rendered SVG): its text is drawing, not prose.
DIAGRAM_TAG = re.compile(r"<(pre|div) class=\"[^\"]*\b(mermaid|handbook-diagram)\b[^\"]*\"|<svg\b")


@dataclass(frozen=True)
class RowEntry:
    """A search entry for one anchored table row."""

    location: str
    title: str
    text: str
    boost: float | None


class _Rows(HTMLParser):
    """Table rows whose first cell holds an element with an id: (id, first cell text, rest text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, str, str]] = []
        self._cells: list[list[str]] | None = None
        self._anchor: str | None = None
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._cells, self._anchor = [], None
        elif tag == "td" and self._cells is not None:
            self._cells.append([])
            self._in_cell = True
        elif self._in_cell and self._cells is not None and len(self._cells) == 1 and self._anchor is None:
            self._anchor = dict(attrs).get("id")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False
        elif tag == "tr" and self._cells:
            if self._anchor:
                texts = [" ".join("".join(c).split()) for c in self._cells]
                self.rows.append((self._anchor, texts[0], " · ".join(t for t in texts[1:] if t)))
            self._cells = None

    def handle_data(self, data: str) -> None:
        if self._in_cell and self._cells:
            self._cells[-1].append(data)


_row_entries: list[RowEntry] = []
# A row of a boosted (table) page names one thing; it ranks above a page whose title merely starts
# with the name (a search for quote_number: the quotes row, not the quote_number_counters page).
# Rows of other pages (reports, reference) keep the default weight.
ROW_BOOST = 5.0
# mkdocs-material's search worker sets lunr's tokenizer separator from mkdocs.yml, but lunr's
# query lexer copied the default separator (white space and hyphens) when it loaded: the index
# keeps QUO-003 whole while the query splits it into QUO and 003, which never match. The worker
# is pinned with mkdocs-material; the query lexer is given the configured separator too.
WORKER_GLOB = "assets/javascripts/workers/search.*.min.js"
WORKER_SETS_SEPARATOR = "lunr.tokenizer.separator=new RegExp(e.separator)"
WORKER_SETS_BOTH = "lunr.tokenizer.separator=lunr.QueryLexer.termSeparator=new RegExp(e.separator)"


def _project_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    nav_path = Path(config.docs_dir, NAV_FILE)
    if not nav_path.is_file():
        raise PluginError(f"{nav_path} is missing: run `schema docs` (make docs) to generate the handbook's pages and navigation")
    config.nav = yaml.safe_load(nav_path.read_text(encoding="utf-8"))
    _row_entries.clear()
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


# The measured reports (schema perf, bench, rehearse write them) are wide tables like the generated
# pages: they get the same width, without the right-hand table of contents.
WIDE_FOLDERS = ("reports/",)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page.file.src_uri.startswith(WIDE_FOLDERS):
        hide = page.meta.setdefault("hide", [])
        if "toc" not in hide:
            hide.append("toc")
    return markdown


def _exclude_diagrams(content: str) -> str:
    return DIAGRAM_TAG.sub(lambda m: m.group(0) + " data-search-exclude", content)


def on_page_content(html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Keep diagrams out of the search index; note the page's anchored rows for it."""
    parser = _Rows()
    parser.feed(html_text)
    search = page.meta.get("search") or {}
    boost = search.get("boost") if isinstance(search, dict) else None
    _row_entries.extend(
        RowEntry(f"{page.url}#{anchor}", html.escape(title), html.escape(text), boost * ROW_BOOST if boost else 1.0)
        for anchor, title, text in parser.rows
    )
    return _exclude_diagrams(html_text)


@event_priority(-100)  # after the search plugin has written its index
def on_post_build(config: MkDocsConfig) -> None:
    path = Path(config.site_dir) / SEARCH_INDEX
    if not path.is_file():
        raise PluginError(f"{path} is missing: mkdocs.yml must keep the search plugin (the row entries are added to its index)")
    index = json.loads(path.read_text(encoding="utf-8"))
    for entry in _row_entries:
        doc: dict[str, object] = {"location": entry.location, "title": entry.title, "text": entry.text}
        if entry.boost is not None:
            doc["boost"] = entry.boost
        index["docs"].append(doc)
    path.write_text(json.dumps(index, separators=(",", ":")), encoding="utf-8")
    _query_lexer_uses_separator(Path(config.site_dir))


def _query_lexer_uses_separator(site_dir: Path) -> None:
    workers = sorted(site_dir.glob(WORKER_GLOB))
    if len(workers) != 1:
        raise PluginError(f"expected one mkdocs-material search worker ({WORKER_GLOB}) in {site_dir}, found {len(workers)}")
    source = workers[0].read_text(encoding="utf-8")
    if WORKER_SETS_BOTH in source:
        return
    if source.count(WORKER_SETS_SEPARATOR) != 1:
        raise PluginError(
            f"{workers[0].name} no longer contains {WORKER_SETS_SEPARATOR!r}: mkdocs-material changed its search worker; "
            "check whether rule ids (QUO-003) are still searched whole and update the hook"
        )
    workers[0].write_text(source.replace(WORKER_SETS_SEPARATOR, WORKER_SETS_BOTH), encoding="utf-8")

"""The built handbook in a real browser: Debian's headless Chromium, driven by Playwright.

The site is built from freshly regenerated pages into a temporary folder and served on
127.0.0.1 by Python's http.server; every request to another host is refused and recorded, so
the test also proves the handbook works offline. mkdocs-material renders each diagram into a
*closed* shadow root; an init script opens it so the test can read the SVG (the drawing is the
same either way).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, sync_playwright

from schema.docs import generate, site_build

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
OPEN_SHADOW_ROOTS = (
    "const attach = Element.prototype.attachShadow;"
    "Element.prototype.attachShadow = function (init) { return attach.call(this, { ...init, mode: 'open' }); };"
)
ENTITY_ID = re.compile(r"-entity-(.+)-\d+$")
RENDER_TIMEOUT_MS = 60_000


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture(scope="module")
def site_url(head_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with head_engine.connect() as conn:
        pages = generate.render(generate.handbook(conn))
    tmp = tmp_path_factory.mktemp("browser")
    site = site_build.build_site(site_build.regenerated_copy(pages, tmp / "docs"), tmp / "site")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visit:
    """A page plus everything that went wrong while it loaded."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.external: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(OPEN_SHADOW_ROOTS)
        page.route(re.compile(r"^(?!" + re.escape(base) + ")"), self._refuse)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)

    def _refuse(self, route) -> None:
        self.external.append(route.request.url)
        route.abort()


@pytest.fixture
def visit(browser: Browser, site_url: str) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        yield Visit(context.new_page(), site_url)
    finally:
        context.close()


def rendered_entities(page: Page) -> list[str]:
    page.wait_for_selector("div.mermaid svg g.node", timeout=RENDER_TIMEOUT_MS)
    ids = page.eval_on_selector_all("div.mermaid >> nth=0 >> svg g.node", "nodes => nodes.map(n => n.id)")
    return [m.group(1) for i in ids if (m := ENTITY_ID.search(i))]


def page_text(page: Page) -> str:
    """Visible text including the diagrams' shadow roots (where mermaid writes its errors)."""
    return page.evaluate(
        "() => document.body.innerText + [...document.querySelectorAll('div.mermaid')]"
        ".map(d => d.shadowRoot ? d.shadowRoot.textContent : '').join(' ')"
    )


def test_database_schema_erd_renders_one_entity_per_table(visit: Visit, site_url: str, head_catalog) -> None:
    visit.page.goto(urljoin(site_url, "database_schema/"))
    entities = rendered_entities(visit.page)
    assert sorted(entities) == sorted(head_catalog.tables)
    assert "Syntax error" not in page_text(visit.page)
    assert not visit.errors, visit.errors
    assert not visit.external, f"the handbook asked other hosts: {visit.external}"


def test_table_page_links_resolve(visit: Visit, site_url: str, head_catalog, head_engine: sa.Engine) -> None:
    with head_engine.connect() as conn:
        hb = generate.handbook(conn)
    # The table with the most relations has the most links to check.
    table = max(sorted(head_catalog.tables), key=lambda t: len(head_catalog.table(t).foreign_keys) + len(head_catalog.referenced_by(t)))
    url = urljoin(site_url, hb.table_page(table).removesuffix(".md") + "/")
    visit.page.goto(url)
    assert set(rendered_entities(visit.page)) >= {table}
    hrefs = visit.page.eval_on_selector_all("article a[href]", "links => links.map(a => a.href)")
    internal = sorted({h for h in hrefs if h.startswith(site_url)})
    assert internal, "a table page links to its domain, rules and neighbours"
    ids_by_page: dict[str, set[str]] = {}
    broken = []
    for href in internal:
        target, fragment = urldefrag(href)
        if target not in ids_by_page:
            response = visit.page.request.get(target)
            if response.status != 200:
                broken.append(f"{href}: HTTP {response.status}")
                continue
            ids_by_page[target] = set(re.findall(r'\bid="([^"]+)"', response.text()))
        if fragment and fragment not in ids_by_page[target]:
            broken.append(f"{href}: no element with id {fragment!r} on {urlparse(target).path}")
    assert not broken, "\n".join(broken)
    assert "Syntax error" not in page_text(visit.page)
    assert not visit.errors, visit.errors
    assert not visit.external, f"the handbook asked other hosts: {visit.external}"

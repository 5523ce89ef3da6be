"""The built handbook served for the browser tests: one build, one server and one Chromium per
session, shared by tests/test_handbook_browser.py and tests/test_handbook_diagrams.py (the
fixtures are registered in tests/conftest.py).

The site is built from freshly regenerated pages into a temporary folder and served on
127.0.0.1 by Python's http.server; every request to another host is refused and recorded, so
the tests also prove the handbook works offline.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, Route, sync_playwright

from schema.docs import generate, site_build

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
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


@pytest.fixture(scope="session")
def site_dir(head_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with head_engine.connect() as conn:
        pages = generate.render(generate.handbook(conn))
    tmp = tmp_path_factory.mktemp("browser")
    return site_build.build_site(site_build.regenerated_copy(pages, tmp / "docs"), tmp / "site")


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    site = site_dir
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
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

    def _refuse(self, route: Route) -> None:
        self.external.append(route.request.url)
        route.abort()


@pytest.fixture
def visit(browser: Browser, site_url: str) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        yield Visit(context.new_page(), site_url)
    finally:
        context.close()

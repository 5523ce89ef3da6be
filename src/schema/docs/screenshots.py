"""``make screenshots``: the handbook as a reader sees it, at 1400 px and on a 390 px phone.

The site is built from freshly regenerated pages (as the browser test builds it), served on
127.0.0.1, and photographed by Debian's headless Chromium through Playwright; every request to
another host is refused, as in the test. The PNGs go to docs/assets/screenshots/ (the README
shows two of them); run it again after a layout change.
"""

from __future__ import annotations

import functools
import re
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

from playwright.sync_api import Route, sync_playwright

from schema import database
from schema.docs import generate, site_build

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
RENDER_TIMEOUT_MS = 60_000
# mkdocs-material draws each diagram into a closed shadow root; opened, the photographer can wait
# until the SVG is there (the drawing is the same either way).
OPEN_SHADOW_ROOTS = (
    "const attach = Element.prototype.attachShadow;"
    "Element.prototype.attachShadow = function (init) { return attach.call(this, { ...init, mode: 'open' }); };"
)


class Shot(NamedTuple):
    name: str
    path: str  # relative to the site root


class Viewport(NamedTuple):
    width: int
    height: int


SHOTS: tuple[Shot, ...] = (
    Shot("home", ""),
    Shot("database-schema", "database_schema/"),
    Shot("quotes-domain", "quotes/"),
    Shot("quotes-table", "quotes/quotes/"),
    Shot("privileges", "reference/privileges/"),
    Shot("query-patterns", "reports/performance/"),
)
VIEWPORTS: tuple[Viewport, ...] = (Viewport(1400, 1000), Viewport(390, 844))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        """The server's request log would bury the list of files written."""


def default_out_dir() -> Path:
    return database.project_root() / "docs" / "assets" / "screenshots"


def take(site_dir: Path, out_dir: Path) -> list[Path]:
    """Photograph every page of ``SHOTS`` at every viewport; returns the files written."""
    if not CHROMIUM.is_file():
        raise FileNotFoundError(f"{CHROMIUM} is missing: apt-get install -y chromium (the Makefile's /usr/bin/chromium target)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    external: list[str] = []

    def refuse(route: Route) -> None:
        external.append(route.request.url)
        route.abort()

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for viewport in VIEWPORTS:
                context = browser.new_context(viewport={"width": viewport.width, "height": viewport.height}, is_mobile=viewport.width < 600)
                page = context.new_page()
                page.add_init_script(OPEN_SHADOW_ROOTS)
                page.route(re.compile(r"^(?!" + re.escape(base) + ")"), refuse)
                for shot in SHOTS:
                    page.goto(base + shot.path)
                    if page.locator("div.mermaid, pre.mermaid").count():
                        page.wait_for_selector("div.mermaid svg", timeout=RENDER_TIMEOUT_MS, state="attached")
                    target = out_dir / f"{shot.name}-{viewport.width}.png"
                    page.screenshot(path=str(target))
                    written.append(target)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if external:
        raise RuntimeError(f"the handbook asked other hosts while being photographed: {sorted(set(external))}")
    return written


def main() -> int:
    with database.connect(database.resolve().url) as conn:
        pages = generate.render(generate.handbook(conn))
    with tempfile.TemporaryDirectory() as tmp:
        site = site_build.build_site(site_build.regenerated_copy(pages, Path(tmp) / "docs"), Path(tmp) / "site")
        for path in take(site, default_out_dir()):
            print(path.relative_to(database.project_root()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

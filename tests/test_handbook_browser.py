"""The built handbook in a real browser: Debian's headless Chromium, driven by Playwright.

The site is built from freshly regenerated pages into a temporary folder and served on
127.0.0.1 by Python's http.server; every request to another host is refused and recorded, so
the test also proves the handbook works offline. mkdocs-material renders each diagram into a
*closed* shadow root; an init script opens it so the test can read the SVG (the drawing is the
same either way).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from schema.docs import generate
from tests.handbook_site import ENTITY_ID, OPEN_SHADOW_ROOTS, RENDER_TIMEOUT_MS, Visit


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


# --- layout: nothing wider than its column at 1400 px, no sideways page at 390 px (issue 22) -----

WIDE = 1400
PHONE = 390
# Every element that is wider than the box it sits in, or reaches past the article's right edge.
OVERFLOWING = """(selector) => {
  const article = document.querySelector('article').getBoundingClientRect();
  return [...document.querySelectorAll(selector)].flatMap(el => {
    const box = el.getBoundingClientRect();
    const wide = el.scrollWidth > el.clientWidth + 1 || box.right > article.right + 1;
    return wide ? [`${el.tagName.toLowerCase()} ${el.scrollWidth}px in ${el.clientWidth}px (right edge ${Math.round(box.right)} of ${Math.round(article.right)})`] : [];
  });
}"""


def site_pages(site_dir: Path) -> list[str]:
    """Every page of the built site, as a path relative to its root ('' is the home page)."""
    pages = [p.parent.relative_to(site_dir).as_posix() for p in sorted(site_dir.rglob("index.html"))]
    return sorted("" if p == "." else p + "/" for p in pages if p != "search")


def _overflow(page: Page, site_url: str, path: str, selector: str) -> list[str]:
    page.goto(urljoin(site_url, path))
    if selector != "article table" and page.locator("div.mermaid, pre.mermaid").count():
        page.wait_for_selector("div.mermaid svg", timeout=RENDER_TIMEOUT_MS)
    return [f"/{path}: {problem}" for problem in page.evaluate(OVERFLOWING, selector)]


def test_no_table_is_wider_than_its_column_at_1400px(browser: Browser, site_url: str, site_dir: Path) -> None:
    context = browser.new_context(viewport={"width": WIDE, "height": 900})
    page = context.new_page()
    problems = [p for path in site_pages(site_dir) for p in _overflow(page, site_url, path, "article table")]
    page.goto(urljoin(site_url, "quotes/quotes/"))
    assert not page.locator(".md-sidebar--secondary").is_visible(), "a table page must not give its width to a right-hand TOC"
    context.close()
    assert not problems, "tables wider than their column at 1400 px:\n" + "\n".join(problems)


def test_no_diagram_is_wider_than_its_column_at_1400px(browser: Browser, site_url: str, site_dir: Path) -> None:
    context = browser.new_context(viewport={"width": WIDE, "height": 900})
    page = context.new_page()
    page.add_init_script(OPEN_SHADOW_ROOTS)
    problems = [p for path in site_pages(site_dir) for p in _overflow(page, site_url, path, "article .mermaid")]
    context.close()
    assert not problems, "diagrams wider than their column at 1400 px:\n" + "\n".join(problems)


def test_phone_width_scrolls_inside_tables_never_the_page(browser: Browser, site_url: str, site_dir: Path) -> None:
    context = browser.new_context(viewport={"width": PHONE, "height": 844}, is_mobile=True)
    page = context.new_page()
    sideways = []
    for path in site_pages(site_dir):
        page.goto(urljoin(site_url, path))
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            sideways.append(f"/{path}: page {width[0]}px wide in a {width[1]}px window")
    page.goto(urljoin(site_url, "quotes/quotes/"))
    # Each table is its own horizontal scroller on a phone (what it cannot wrap scrolls inside it).
    scrollers = page.evaluate(
        "() => [...document.querySelectorAll('article table')].filter(t => getComputedStyle(t).overflowX === 'auto').length"
    )
    page_tables = page.locator("article table").count()
    context.close()
    assert page_tables > 0
    assert not sideways, "pages that scroll sideways at 390 px:\n" + "\n".join(sideways)
    assert scrollers == page_tables, "on a phone every table of the quotes page must scroll inside itself"


# --- search lands on the row that defines a name (issue 22) ---------------------------------------


def search_results(page: Page, site_url: str, query: str) -> list[str]:
    """The links of the search results for ``query``, typed into the search box, best first."""
    page.goto(site_url)
    page.click("input.md-search__input", force=True)
    page.keyboard.type(query)
    # The results render as the query is typed: wait for those of the whole query (each link's
    # highlight parameter h names the terms it matched), not of a prefix such as "quote" of "quotes",
    # which ranks other pages first.
    page.wait_for_function(
        "(query) => { const hs = [...document.querySelectorAll('.md-search-result__item a.md-search-result__link')]"
        ".map(a => (new URL(a.href).searchParams.get('h') || '').toLowerCase()).filter(h => h);"
        " return hs.length > 0 && hs.every(h => h === query.toLowerCase()); }",
        arg=query,
        timeout=RENDER_TIMEOUT_MS,
    )
    return page.eval_on_selector_all(".md-search-result__item a.md-search-result__link", "links => links.map(a => a.href)")


@pytest.mark.parametrize(
    ("query", "page_path", "anchor"),
    [
        ("quote_number", "quotes/quotes/", "column-quote_number"),
        ("QUO-003", "reference/rules/", "quo-003"),
        ("ck_quotes_expires_after_created", "quotes/quotes/", "ck_quotes_expires_after_created"),
        # A table's name finds its table page before the reports and reference pages that mention it
        # often (no row of the page is named quotes: the page itself is what is looked for).
        ("quotes", "quotes/quotes/", None),
    ],
)
def test_first_search_result_is_the_defining_page_and_row(
    visit: Visit, site_url: str, query: str, page_path: str, anchor: str | None
) -> None:
    results = search_results(visit.page, site_url, query)
    assert len(results) >= 2, results
    first_page, first_row = (urlparse(r) for r in results[:2])
    assert first_page.path == "/" + page_path, f"first result for {query!r}: {results[:3]}"
    if anchor is not None:
        assert (first_row.path, first_row.fragment) == ("/" + page_path, anchor), f"first row for {query!r}: {results[:3]}"
        visit.page.goto(results[1])
        assert visit.page.locator(f"[id='{anchor}']").count() == 1, f"{results[1]} has no element with id {anchor}"
    assert not visit.errors, visit.errors
    assert not visit.external, f"the handbook asked other hosts: {visit.external}"

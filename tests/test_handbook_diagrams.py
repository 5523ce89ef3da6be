"""The handbook's diagrams and charts in a real browser (Debian's headless Chromium, Playwright).

The site, the server that refuses other hosts, and the browser are those of
tests/test_handbook_browser.py. What is proved here is what a reader does with a diagram: it
fits its box, the page's own table is in view, every box is a link and clicking one opens the
table's page, the domains have their colours, pan and zoom move the drawing, the lifecycle state
diagrams render, and the report charts load with their alt text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from schema.docs import erd, generate
from schema.docs.pages import page_url
from schema.docs.site import Handbook
from tests.handbook_site import RENDER_TIMEOUT_MS, Visit

DIAGRAM = "div.mermaid.handbook-diagram[data-rendered=true]"
ENTITY_LINKS = (
    "(box) => [...box.querySelectorAll('g.node.handbook-entity-link[role=link]')].map(g => "
    "({table: g.getAttribute('aria-label').replace('table ', ''), href: g.getAttribute('data-href'), "
    "fill: getComputedStyle(g.querySelector('rect, path')).fill}))"
)
GEOMETRY = (
    "(box) => { const s = box.querySelector('svg').getBoundingClientRect(); const b = box.getBoundingClientRect();"
    " const c = box.closest('article, .md-content__inner') || box.parentElement;"
    " return {svg: [s.left, s.right, s.width], box: [b.left, b.top, b.right, b.bottom, b.width], column: c.getBoundingClientRect().width}; }"
)


@pytest.fixture(scope="module")
def hb(head_engine: sa.Engine) -> Handbook:
    with head_engine.connect() as conn:
        return generate.handbook(conn)


@pytest.fixture
def visit(browser: Browser, site_url: str) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield Visit(context.new_page(), site_url)
    finally:
        context.close()


def diagrams(page: Page) -> list:
    page.wait_for_selector(DIAGRAM, timeout=RENDER_TIMEOUT_MS)
    return page.query_selector_all(DIAGRAM)


def assert_clean(visit: Visit) -> None:
    assert not visit.errors, visit.errors
    assert not visit.external, f"the handbook asked other hosts: {visit.external}"
    assert not visit.page.query_selector_all(".handbook-diagram-error"), "a diagram failed to render"


def test_whole_schema_erd_fits_links_and_colours_by_domain(visit: Visit, site_url: str, hb: Handbook) -> None:
    visit.page.goto(urljoin(site_url, "database_schema/"))
    box = diagrams(visit.page)[0]
    links = box.evaluate(ENTITY_LINKS)
    assert sorted(link["table"] for link in links) == sorted(hb.catalog.tables)
    for link in links:
        assert link["href"] == urljoin(site_url, page_url(hb.table_page(link["table"]))), link
        assert visit.page.request.get(link["href"]).status == 200, f"{link['href']} does not exist"
    # One colour per domain, the same within a domain.
    fills: dict[str, set[str]] = {}
    for link in links:
        fills.setdefault(hb.domain_of[link["table"]], set()).add(link["fill"])
    assert all(len(f) == 1 for f in fills.values()), fills
    assert len({next(iter(f)) for f in fills.values()}) == len(fills), f"two domains share a colour: {fills}"
    geometry = box.evaluate(GEOMETRY)
    assert geometry["svg"][2] <= geometry["box"][4] + 1, f"the diagram is wider than its box: {geometry}"
    assert geometry["box"][4] <= geometry["column"] + 1, f"the box is wider than the content column: {geometry}"
    # Key columns only: every column a box shows is a primary or unique key column, or one end of a foreign key.
    source = generate.render(hb)["database_schema.md"].split("```mermaid", 1)[1].split("```", 1)[0]
    keys = {(t.name, col) for t in hb.catalog.tables.values() for c in t.constraints if c.kind in ("p", "u", "f") for col in c.columns}
    keys |= {(c.referred_table, col) for c in hb.catalog.constraints if c.kind == "f" for col in c.referred_columns}
    shown = {
        (table, line.split()[1])
        for table, body in re.findall(r"^\t(\w+)\{\n(.*?)\n\}", source, re.DOTALL | re.MULTILINE)
        for line in body.splitlines()
    }
    assert shown, "the whole-schema diagram shows no columns at all"
    assert shown <= keys, f"columns that are no key: {sorted(shown - keys)}"
    assert_clean(visit)


def test_clicking_a_box_opens_the_table_page(visit: Visit, site_url: str, hb: Handbook) -> None:
    visit.page.goto(urljoin(site_url, "database_schema/"))
    box = diagrams(visit.page)[0]
    target = "quotes" if "quotes" in hb.catalog.tables else sorted(hb.catalog.tables)[0]
    node = box.query_selector(f"g.node.handbook-entity-link[aria-label='table {target}']")
    assert node is not None, f"no box for {target}"
    node.scroll_into_view_if_needed()
    with visit.page.expect_navigation():
        node.click()
    assert visit.page.url == urljoin(site_url, page_url(hb.table_page(target)))
    assert visit.page.locator("h1").first.inner_text().strip().rstrip("¶") == target
    assert_clean(visit)


def test_table_page_keeps_its_table_in_view(visit: Visit, site_url: str, hb: Handbook) -> None:
    # The table with the most neighbours has the largest diagram to get lost in.
    cat = hb.catalog
    table = max(sorted(cat.tables), key=lambda t: len(erd.neighbours(cat, t)))
    visit.page.goto(urljoin(site_url, page_url(hb.table_page(table))))
    box = diagrams(visit.page)[-1]
    in_view = box.evaluate(
        "(box, table) => { const a = box.querySelector(`g.node.handbook-entity-link[aria-label='table ${table}']`);"
        " const r = a.getBoundingClientRect(); const b = box.getBoundingClientRect();"
        " return {node: [r.left, r.top, r.right, r.bottom], box: [b.left, b.top, b.right, b.bottom]}; }",
        table,
    )
    node, frame = in_view["node"], in_view["box"]
    assert frame[0] - 1 <= node[0] and node[2] <= frame[2] + 1 and frame[1] - 1 <= node[1] and node[3] <= frame[3] + 1, (
        f"{table}'s own box is not inside the diagram's box: {in_view}"
    )
    geometry = box.evaluate(GEOMETRY)
    assert geometry["box"][4] <= geometry["column"] + 1, geometry
    assert_clean(visit)


def test_pan_and_zoom_move_the_drawing(visit: Visit, site_url: str) -> None:
    visit.page.goto(urljoin(site_url, "database_schema/"))
    box = diagrams(visit.page)[0]
    zoom = box.evaluate("(box) => box.handbookPanZoom.getZoom()")
    zoom_in = box.query_selector("#svg-pan-zoom-zoom-in")
    assert zoom_in is not None, "the diagram has no zoom buttons"
    zoom_in.click()
    assert box.evaluate("(box) => box.handbookPanZoom.getZoom()") > zoom
    before = box.evaluate("(box) => box.handbookPanZoom.getPan()")
    frame = box.bounding_box()
    assert frame is not None
    x, y = frame["x"] + 20, frame["y"] + frame["height"] / 2
    visit.page.mouse.move(x, y)
    visit.page.mouse.down()
    visit.page.mouse.move(x + 120, y + 40, steps=8)
    visit.page.mouse.up()
    after = box.evaluate("(box) => box.handbookPanZoom.getPan()")
    assert after != before, "dragging did not pan the diagram"
    assert visit.page.url == urljoin(site_url, "database_schema/"), "a drag must not follow the box under the pointer"
    assert_clean(visit)


def test_lifecycle_state_diagrams_render(visit: Visit, site_url: str, hb: Handbook) -> None:
    assert hb.lifecycles, "the schema has no lifecycle table; this test proves nothing without one"
    name = sorted(hb.lifecycles)[0]
    domain = hb.domain(hb.domain_of[name])
    visit.page.goto(urljoin(site_url, page_url(domain.page)))
    boxes = diagrams(visit.page)
    states = {to for _f, to, _r in hb.lifecycles[name]}
    texts = [b.inner_text() for b in boxes]
    assert any(states <= set(t.split()) or all(s in t for s in states) for t in texts), (
        f"no diagram on {domain.page} shows the states of {name}: {sorted(states)}"
    )
    assert_clean(visit)


@pytest.mark.parametrize(
    ("path", "alt_says"),
    [
        ("reports/performance/", ("log scale", "without")),
        ("reports/benchmarks/", ("Bar chart", "rows/s")),
        ("reports/partitions/", ("monthly partition", "not counted in a seeded database")),
    ],
)
def test_report_charts_load_with_alt_text(visit: Visit, site_url: str, path: str, alt_says: tuple[str, str]) -> None:
    visit.page.goto(urljoin(site_url, path))
    visit.page.wait_for_selector("img.handbook-chart", timeout=RENDER_TIMEOUT_MS)
    visit.page.wait_for_function("() => [...document.querySelectorAll('img.handbook-chart')].every(img => img.complete)")
    charts = visit.page.eval_on_selector_all(
        "img.handbook-chart",
        "imgs => imgs.map(img => ({src: img.getAttribute('src'), natural: img.naturalWidth, width: img.getBoundingClientRect().width,"
        " alt: img.alt, column: img.closest('article, .md-content__inner').getBoundingClientRect().width}))",
    )
    assert charts, f"/{path} shows no chart"
    for facts in charts:
        assert facts["natural"] > 0, f"the chart did not load: {facts}"
        assert facts["width"] <= facts["column"] + 1, f"the chart is wider than the column: {facts}"
    assert any(all(words in facts["alt"] for words in alt_says) for facts in charts), charts
    assert_clean(visit)

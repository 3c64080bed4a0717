"""The pages in a real browser (Debian's Chromium, headless, driven by Playwright) on a real ``cnc-graph serve``.

Every page kind in fr, ar and en passes axe-core with no serious or critical violation, fits a phone's width
without scrolling sideways, and leaves a screenshot at desktop and phone widths in ``var/screenshots/`` (CI keeps
them). The walks: search from the home page, switch to Arabic and back keeping the page and its query, open a
result; the keyboard reaches the content first; an error page in the layout; no request leaves the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import DESKTOP, PHONE, axe, chromium, screenshot
from tests.conftest import run_cli
from tests.servers import live_server

pytestmark = pytest.mark.browser

PAGE_KINDS = {
    "home": "/",
    "frameworks": "/frameworks",
    "search": "/qualifications?q=technicien",
    "qualification": "/id/qualification/OFPPT-TS-TDI",
    "framework": "/frameworks/cnc",
    "level": "/frameworks/cnc/levels/6",
    "compare-levels": "/compare/levels?from=cnc&to=eqf",
    "compare-qualifications": "/compare/qualifications?a=OFPPT-TS-TDI&b=BTS-DSI",
    "sparql": "/sparql",
    "data": "/dumps",
    "ontology": "/id/ontology",
    "error": "/no/such/page",
}
LANGUAGES = ["fr", "ar", "en"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server on the shipped graph."""
    store = tmp_path_factory.mktemp("pages") / "store"
    built = run_cli("build", "--store", str(store))
    assert built.returncode == 0, built.stderr
    with live_server(store) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any, site: str) -> Iterator[Any]:
    """A fresh page (its own cookies) that records every request it makes outside the site.

    ``outside`` lists the requests that left (or tried to leave and failed on the network); ``blocked`` those
    the page's content security policy stopped in the browser, which never left.
    """
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    opened.outside = []  # type: ignore[attr-defined]
    opened.blocked = []  # type: ignore[attr-defined]

    def sent(request: Any) -> None:
        if not request.url.startswith(site) and not request.url.startswith(("data:", "blob:")):
            opened.outside.append(request.url)

    def failed(request: Any) -> None:
        if request.url in opened.outside and "csp" in (request.failure or "").lower():
            opened.outside.remove(request.url)
            opened.blocked.append(request.url)

    opened.on("request", sent)
    opened.on("requestfailed", failed)
    yield opened
    context.close()


def _url(site: str, path: str, lang: str) -> str:
    return f"{site}{path}{'&' if '?' in path else '?'}lang={lang}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", list(PAGE_KINDS))
def test_every_page_kind_is_accessible_and_fits_a_phone(page: Any, site: str, kind: str, lang: str) -> None:
    response = page.goto(_url(site, PAGE_KINDS[kind], lang))
    assert response.status == (404 if kind == "error" else 200)
    assert page.get_attribute("html", "lang") == lang
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    screenshot(page, f"{kind}-{lang}-desktop")
    assert axe(page) == []
    page.set_viewport_size(PHONE)
    page.reload()
    sideways = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"{kind} ({lang}) is {sideways} px wider than a phone"
    screenshot(page, f"{kind}-{lang}-phone")
    assert axe(page) == []
    assert page.outside == []


def test_search_from_home_then_switch_language_keeping_the_page(page: Any, site: str) -> None:
    page.goto(site + "/?lang=fr")
    page.get_by_label("Chercher dans le registre").first.fill("technicien")
    page.keyboard.press("Enter")
    page.wait_for_url("**/qualifications?q=technicien")
    assert "certification(s)" in page.locator("[role=status]").inner_text()
    results = page.locator("ol.hits > li")
    assert results.count() > 1

    page.get_by_role("link", name="العربية").click()
    page.wait_for_load_state()
    parts = urlsplit(page.url)
    assert parts.path == "/qualifications" and parse_qs(parts.query) == {"q": ["technicien"], "lang": ["ar"]}
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.locator("ol.hits > li").count() == results.count()
    assert "شهادة" in page.locator("[role=status]").inner_text()

    page.locator("ol.hits a.title").first.click()  # the language is kept without lang= in the link
    page.wait_for_load_state()
    assert "/id/qualification/" in page.url and "lang=" not in page.url
    assert page.get_attribute("html", "lang") == "ar"

    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en" and "/id/qualification/" in page.url
    page.get_by_role("link", name="Register", exact=True).click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.outside == []


def test_the_keyboard_reaches_the_content_first(page: Any, site: str) -> None:
    page.goto(site + "/frameworks?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#main"
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('main') !== null")
    assert focused, "after the skip link, Tab should land inside the content"


def test_a_missing_page_is_an_error_page_with_a_way_home(page: Any, site: str) -> None:
    response = page.goto(site + "/id/qualification/NOPE-0?lang=fr")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page introuvable"
    page.get_by_role("link", name="Retour à l'accueil").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/"


def test_the_screenshots_are_there(page: Any, site: str) -> None:
    page.goto(site + "/?lang=ar")
    path = screenshot(page, "walk-home-ar")
    assert path.stat().st_size > 10_000 and Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_search_facet_next_page_and_a_qualification(page: Any, site: str) -> None:
    page.goto(site + "/?lang=en")
    page.get_by_label("Search the register").first.fill("technicien")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/qualifications?q=technicien")
    facet = page.locator("#facet-cnc + ul a", has_text="Level 5")
    count = int(facet.locator("xpath=following-sibling::span[@class='count']").inner_text())
    facet.click()
    page.wait_for_url("**cnc=5**")
    assert page.locator("[role=status]").inner_text().startswith(f"{count} qualification(s)")
    first_page = page.locator("ol.hits a.title").all_inner_texts()
    assert count > 20 and len(first_page) == 20
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**page=2**")
    second_page = page.locator("ol.hits a.title").all_inner_texts()
    assert len(second_page) == count - 20 and not set(second_page) & set(first_page)
    assert all("CNC 5" in badges for badges in page.locator("ol.hits ul.badges").all_inner_texts())
    page.locator("ol.hits a.title").first.click()
    page.wait_for_load_state()
    assert "/id/qualification/" in page.url and page.get_attribute("html", "lang") == "en"
    assert page.outside == []


def test_from_a_qualification_to_its_eqf_level_and_the_evidence(page: Any, site: str) -> None:
    page.goto(site + "/qualifications/OFPPT-TS-TDI?lang=en")
    row = page.locator("table.levels tr", has_text="European Qualifications Framework")
    assert "close" in row.inner_text()
    row.get_by_role("link", name="Mapping record cnc-eqf/5").click()
    page.wait_for_load_state()
    assert page.url.endswith("/id/mapping/cnc-eqf/5")
    assert "closeMatch" in page.content() and page.get_attribute("html", "lang") == "en"
    page.go_back()
    page.locator("table.levels tr", has_text="European Qualifications Framework").get_by_role(
        "link", name="Level 5"
    ).click()
    page.wait_for_load_state()
    assert page.url.endswith("/id/framework/eqf/level/5")
    assert page.locator("article.match").count() >= 4  # the EQF level's page shows its matches
    assert page.outside == []


def test_compare_levels_cnc_eqf_shows_eight_lines_that_lead_to_the_evidence(page: Any, site: str) -> None:
    page.goto(site + "/?lang=en")
    page.get_by_role("link", name="Compare", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("svg line.map").count() == 8
    line = page.locator("svg line.map").nth(3)
    box = line.bounding_box()
    assert box is not None and box["width"] > 100  # drawn across, between the two ladders
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # on the line, as a person would
    page.wait_for_url("**/id/mapping/cnc-eqf/*")


def test_compare_two_qualifications_picking_the_second(page: Any, site: str) -> None:
    page.goto(site + "/qualifications/OFPPT-TS-TDI?lang=fr")
    page.locator("#comparable").locator("xpath=..").get_by_role("link", name="comparer").first.click()
    page.wait_for_load_state()
    assert "/compare/qualifications?a=OFPPT-TS-TDI&b=" in page.url
    first_b = page.url.rsplit("=", 1)[-1]
    page.select_option("#b", index=1)
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    assert page.url.rsplit("=", 1)[-1] != first_b
    assert page.locator("table.compare th[scope=col] a").count() == 2
    assert page.outside == []


# What axe finds in the vendored viewers' own markup (not ours to change; see api/static/vendor/README.md):
# Swagger UI nests its operation buttons and has low-contrast labels; ReDoc's example selects have no name.
# Our layout around them passes; a new kind of violation inside them fails the test.
VIEWER_VIOLATIONS = {"/docs": {"color-contrast", "nested-interactive"}, "/redoc": {"color-contrast", "select-name"}}


def test_the_api_documentation_renders_offline(page: Any, site: str) -> None:
    page.goto(site + "/docs?lang=ar")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() > 20  # every operation of /openapi.json
    assert page.locator(".swagger-ui .opblock-summary-path", has_text="/api/qualifications").count() >= 1
    screenshot(page, "docs-ar-desktop")
    assert axe(page, outside="#api-docs") == []
    assert {v["id"] for v in axe(page, within="#api-docs")} <= VIEWER_VIOLATIONS["/docs"]
    page.goto(site + "/redoc?lang=en")
    page.locator("#api-docs [data-section-id^='operation/']").first.wait_for()
    assert page.locator("#api-docs [data-section-id^='operation/']").count() > 20
    assert axe(page, outside="#api-docs") == []
    assert {v["id"] for v in axe(page, within="#api-docs")} <= VIEWER_VIOLATIONS["/redoc"]
    screenshot(page, "redoc-en-desktop")
    # ReDoc's bundle asks for its own logo on cdn.redoc.ly: the policy stops it in the browser, nothing leaves.
    assert page.outside == []
    assert set(page.blocked) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}


def test_run_an_example_in_the_sparql_editor_and_follow_a_result(page: Any, site: str) -> None:
    page.goto(site + "/sparql?lang=en")
    editor = page.locator("#editor")
    editor.locator(".yasqe_queryButton").wait_for()
    assert page.locator("form.plain").is_hidden()  # the editor takes the plain form's place
    page.locator("button[data-example='04-cnc-eqf-mappings']").click()
    assert "PREFIX cnc: <" in page.evaluate("() => document.querySelector('#editor .CodeMirror').CodeMirror.getValue()")
    editor.locator(".yasqe_queryButton").click()
    rows = editor.locator(".yasr table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 8  # one mapping record per CNC level
    assert page.locator("#truncated-note").is_hidden()
    assert axe(page) == []
    screenshot(page, "sparql-editor-en-desktop")
    level = editor.locator(".yasr table a[href^='/id/framework/cnc/level/']").first
    editor.get_by_label("Ellipse").uncheck()  # whole cells: a click on a cut cell only opens it up
    with page.expect_navigation():  # our IRIs in the results open their page on this server
        level.click()
    assert "/id/framework/cnc/level/" in page.url and page.locator("h1").inner_text()
    assert page.outside == []


def test_the_sparql_editor_says_when_a_result_was_cut(page: Any, site: str) -> None:
    page.goto(site + "/sparql?lang=fr&query=" + "SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
    note = page.locator("#truncated-note")
    note.wait_for(state="visible")  # the query given in the address runs in the editor; the graph passes the cap
    assert "10000" in note.inner_text() and page.locator("#server-results").is_hidden()
    page.locator("button[data-example='06-counts']").click()
    page.locator("#editor .yasqe_queryButton").click()
    note.wait_for(state="hidden")
    assert page.outside == []

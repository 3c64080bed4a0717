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
    """A fresh page (its own cookies) that records every request it makes outside the site."""
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    opened.outside = []  # type: ignore[attr-defined]
    opened.on("request", lambda r: None if r.url.startswith(site) else opened.outside.append(r.url))
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
    row.get_by_role("link", name="mapping cnc-eqf/5").click()
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

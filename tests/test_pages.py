"""The web pages over HTTP: the layout in fr, ar and en, the language switch and the kept language, HTML error
pages for browsers (problem+json stays for API clients), HEAD wherever GET answers, local assets only, and card
text with markup, quotes and direction marks shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.i18n import catalogue
from api.rendering import STATIC
from cnc_graph.build import build
from cnc_graph.iris import DCT
from cnc_graph.settings import Settings
from cnc_graph.sparql.examples import examples
from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import BASE

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PAGES = ["/", "/frameworks", "/qualifications", "/qualifications?q=technicien", "/sparql", "/dumps"]
PAGES += ["/id/qualification/OFPPT-TS-TDI", "/id/framework/cnc/level/5", "/qualifications/ING-ENSAM-GM"]
PAGES += ["/frameworks/cnc", "/frameworks/eqf/levels/6", "/id/framework/acqf", "/qualifications?q=technicien&cnc=5"]
PAGES += ["/compare/levels?from=cnc&to=acqf", "/compare/qualifications?a=OFPPT-TS-TDI&b=BTS-DSI"]
PAGES += ["/docs", "/redoc", "/id/ontology", "/id/organisation/cnc-graph"]
HOSTILE = "<script>alert('x')</script> \"quoted\" \u202eevil\u202c & <b>bold</b>"
HOSTILE_CODE = "OFPPT-TS-TDI"


class Parsed(HTMLParser):
    """The attributes of the page's tags, by tag name, and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, list[dict[str, str | None]]] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.setdefault(tag, []).append(dict(attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(html)
    return parsed


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = Settings(store="memory")
    store = OxigraphStore(None, settings.base_iri)
    build(store, settings)
    # A card whose title holds markup, quotes and direction marks (as an applicant could type them).
    subject = ox.NamedNode(f"{BASE}qualification/{HOSTILE_CODE}")
    graph = next(g for g in store.graphs() if "inventory" in g)
    store.add(graph, [ox.Triple(subject, ox.NamedNode(DCT + "title"), ox.Literal(HOSTILE, language="en"))])
    with TestClient(create_app(settings, store)) as c:
        yield c


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("lang", "direction"), [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")])
def test_every_page_is_in_the_layout_in_each_language(client: TestClient, path: str, lang: str, direction: str) -> None:
    response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}", headers=BROWSER)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.tags["html"] == [{"lang": lang, "dir": direction}]
    assert any(link.get("href") == "/static/cnc.css" for link in page.tags["link"])
    navs = {nav.get("class"): nav for nav in page.tags["nav"]}
    assert {"main", "languages"} <= set(navs)
    assert len(page.tags["main"]) == 1 and len(page.tags["h1"]) == 1
    current = [a for a in page.tags["a"] if a.get("aria-current") == "true" and a.get("hreflang")]
    assert [a["hreflang"] for a in current] == [lang]


def test_the_interface_speaks_the_asked_language(client: TestClient) -> None:
    words = {"fr": "Registre", "ar": "السجل", "en": "Register"}
    for lang, word in words.items():
        text = "".join(parse(client.get("/", params={"lang": lang}, headers=BROWSER).text).text)
        assert word in text
        assert all(other not in text for code, other in words.items() if code != lang and other != word)


def test_the_language_switch_keeps_the_page_and_its_query(client: TestClient) -> None:
    response = client.get(
        "/qualifications", params={"q": "technicien", "level": "cnc:5", "lang": "fr"}, headers=BROWSER
    )
    switch = {a["hreflang"]: a["href"] for a in parse(response.text).tags["a"] if a.get("hreflang")}
    assert set(switch) == {"fr", "ar", "en"}
    for code, href in switch.items():
        assert href is not None
        parts = urlsplit(href)
        assert parts.path == "/qualifications"
        assert sorted(parse_qsl(parts.query)) == sorted([("q", "technicien"), ("level", "cnc:5"), ("lang", code)])


def test_the_chosen_language_is_kept_for_the_next_pages(client: TestClient) -> None:
    client.cookies.clear()
    chosen = client.get("/frameworks", params={"lang": "ar"}, headers=BROWSER)
    assert "cnc_lang=ar" in chosen.headers["set-cookie"] and "SameSite=Lax" in chosen.headers["set-cookie"]
    later = client.get("/qualifications", headers=BROWSER | {"accept-language": "en"})
    assert parse(later.text).tags["html"] == [{"lang": "ar", "dir": "rtl"}]
    assert "Cookie" in later.headers["vary"]
    asked = client.get("/qualifications", params={"lang": "en"}, headers=BROWSER)
    assert parse(asked.text).tags["html"][0]["lang"] == "en"
    client.cookies.clear()


def test_an_api_answer_sets_no_language_cookie(client: TestClient) -> None:
    response = client.get("/api/frameworks", params={"lang": "ar"})
    assert response.status_code == 200 and "set-cookie" not in response.headers


def test_accept_language_picks_the_page_language(client: TestClient) -> None:
    client.cookies.clear()
    page = client.get("/", headers=BROWSER | {"accept-language": "ar-MA,ar;q=0.9,fr;q=0.5"})
    assert parse(page.text).tags["html"] == [{"lang": "ar", "dir": "rtl"}]
    assert page.headers["content-language"] == "ar"


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/no/such/page", 404, "Page not found"),
        ("/id/qualification/NOPE-0", 404, "Page not found"),
        ("/api/qualifications?level=cnc:99", 400, "Bad request"),
        ("/qualifications?page=0", 400, "Bad request"),
    ],
)
def test_a_browser_gets_an_error_page_in_the_layout(client: TestClient, path: str, status: int, heading: str) -> None:
    url = path + ("&" if "?" in path else "?") + "lang=en"
    response = client.get(url, headers=BROWSER)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.tags["html"] == [{"lang": "en", "dir": "ltr"}]
    assert heading in "".join(page.text)
    assert "What is wrong" in "".join(page.text)
    api = client.get(url)
    assert api.status_code == status and api.headers["content-type"] == "application/problem+json"
    assert api.json()["status"] == status


def test_an_error_page_says_what_was_wrong(client: TestClient) -> None:
    response = client.get("/api/qualifications", params={"level": "cnc:99", "lang": "fr"}, headers=BROWSER)
    text = "".join(parse(response.text).text)
    assert "Requête incorrecte" in text and "cnc:99" in text


def test_an_unexpected_error_is_a_500_page_without_internals(client: TestClient) -> None:
    app = create_app(Settings(store="memory"), OxigraphStore(None, BASE))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as broken:
        page = broken.get("/boom", params={"lang": "ar"}, headers=BROWSER)
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert "secret internal detail" not in page.text and "خطأ داخلي في الخادم" in page.text
        api = broken.get("/boom")
        assert api.status_code == 500 and api.headers["content-type"] == "application/problem+json"
        assert "secret" not in api.text


def _get_routes(client: TestClient) -> list[str]:
    """Every documented GET route without path parameters, from the application's own OpenAPI document."""
    spec = client.get("/openapi.json").json()
    return [path for path, methods in spec["paths"].items() if "get" in methods and "{" not in path]


def test_head_answers_wherever_get_does(client: TestClient) -> None:
    paths = _get_routes(client) + ["/id/framework/cnc", "/api/qualifications/OFPPT-TS-TDI", "/static/cnc.css"]
    assert len(paths) >= 10
    for path in paths:
        get = client.get(path, headers=BROWSER)
        head = client.head(path, headers=BROWSER)
        assert head.status_code == get.status_code, path
        assert head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"], path


def test_every_asset_of_a_page_is_served_here(client: TestClient) -> None:
    for path in PAGES:
        page = parse(client.get(path, headers=BROWSER).text)
        assets = [t.get("src") for t in page.tags.get("script", []) if t.get("src")]
        assets += [t.get("href") for t in page.tags.get("link", []) if t.get("rel") == "stylesheet"]
        assets += [t.get("src") for t in page.tags.get("img", [])]
        for asset in assets:
            assert asset is not None and asset.startswith("/static/"), (path, asset)
            assert client.get(asset).status_code == 200, asset
        assert not re.search(
            r"""(src|href)=["']?(https?:)?//""", client.get(path, headers=BROWSER).text.split("</head>")[0]
        )


@pytest.mark.parametrize(
    ("path", "bundle"), [("/docs", "swagger-ui/swagger-ui-bundle.js"), ("/redoc", "redoc/redoc.standalone.js")]
)
def test_the_api_docs_are_served_from_here(client: TestClient, path: str, bundle: str) -> None:
    page = parse(client.get(path + "?lang=ar", headers=BROWSER).text)
    scripts = [t["src"] for t in page.tags["script"] if t.get("src")]
    assert f"/static/vendor/{bundle}" in scripts and "/static/docs.js" in scripts
    viewer = next(d for d in page.tags["div"] if d.get("id") == "api-docs")
    assert viewer["data-spec"] == "/openapi.json" and (viewer["lang"], viewer["dir"]) == ("en", "ltr")
    assert any(a.get("href") == "/openapi.json" for a in page.tags["a"])  # readable without JavaScript
    folder = STATIC / "vendor" / bundle.split("/")[0]
    assert (folder / "LICENSE").stat().st_size > 500 and (folder / "package.json").exists()
    assert client.get("/openapi.json").json()["info"]["title"] == "CNC Graph"


def test_the_sparql_page_offers_each_example_in_its_language_and_as_a_file(client: TestClient) -> None:
    page = client.get("/sparql?lang=ar", headers=BROWSER).text
    for example in examples():
        assert unescape(example.title("ar")[0]) in unescape(page)
        query_file = client.get(f"/sparql/examples/{example.key}.rq")
        assert query_file.headers["content-type"].startswith("application/sparql-query")
        assert query_file.text.splitlines()[1] == f"BASE <{BASE}>"
        assert all(f"PREFIX {p}: <" in query_file.text for p in example.prefixes())
        assert client.get("/sparql", params={"query": query_file.text}).status_code == 200
    assert client.get("/sparql/examples/nothing.rq", headers=BROWSER).status_code == 404
    assert 'src="/static/vendor/yasgui/yasgui.min.js"' in page and "/static/vendor/yasgui/yasgui.min.css" in page


def test_the_data_page_describes_every_dump_with_its_files(client: TestClient) -> None:
    html = client.get("/dumps?lang=en", headers=BROWSER).text
    page = parse(html)
    catalogue = ox.Store()
    catalogue.load(client.get("/dumps", headers={"accept": "text/turtle"}).content, format=ox.RdfFormat.TURTLE)
    counts = {
        row["d"].value: int(row["n"].value)
        for row in catalogue.query(
            "SELECT ?d ?n WHERE { ?s <http://rdfs.org/ns/void#dataDump> ?d ; <http://rdfs.org/ns/void#triples> ?n }"
        )
    }
    files = [a["href"] for a in page.tags["a"] if "download" in a]
    # every distribution of the DCAT description (its IRI under the base), and only those, linked on this server
    assert all(d.startswith(f"{BASE}dumps/") for d in counts)
    assert sorted(files) == sorted("/" + d.removeprefix(BASE) for d in counts)
    for href in files[:6]:
        download = client.get(href)
        assert download.status_code == 200
        size = len(download.content)
        shown = f"{size} bytes" if size < 1000 else f"{size / 1000:.1f} kB" if size < 1e6 else f"{size / 1e6:.1f} MB"
        assert shown in html, (href, shown)
    text = " ".join(page.text)
    assert "CC BY 4.0" in text and "Framework: National Qualifications Framework (Morocco)" in text
    assert "Inventory: Vocational training" in text and "Inventory: organisations (awarding bodies, providers)" in text
    licences = [a["href"] for a in page.tags["a"] if a.get("rel") == "license"]
    assert licences and licences[0].startswith("https://creativecommons.org/licenses/by/4.0")
    assert page.tags["time"][0]["datetime"][:4].isdigit()  # the last build, as a date in words beside it
    french = client.get("/dumps?lang=fr", headers=BROWSER).text
    assert " ko" in french and "Dernière modification" in french


def test_the_home_page_counts_lead_to_as_many_qualifications(client: TestClient) -> None:
    page = parse(client.get("/?lang=en", headers=BROWSER).text)
    cells = [a for a in page.tags["a"] if a["href"].startswith("/qualifications?") and "cnc=" in a["href"]]
    assert len(cells) >= 10
    text = "".join(page.text)
    home = client.get("/?lang=en").text
    for link in cells:
        listed = client.get(link["href"] + "&lang=en", headers=BROWSER).text
        number = re.search(r"(\d+) qualification\(s\)", listed)
        assert number is not None, link["href"]
        shown = re.search(re.escape(link["href"].replace("&", "&amp;")) + r'">(\d+)</a>', home)
        assert shown is not None and shown.group(1) == number.group(1), link["href"]
    total = re.search(r"(\d+) registered qualifications", text)
    register = re.search(r"(\d+) qualification\(s\)", client.get("/qualifications?lang=en", headers=BROWSER).text)
    assert total and register and total.group(1) == register.group(1)


def test_the_home_page_says_what_the_cnc_is_with_its_sources(client: TestClient) -> None:
    for lang, phrase in [("fr", "huit niveaux"), ("ar", "ثمانية مستويات"), ("en", "eight levels")]:
        html = client.get(f"/?lang={lang}", headers=BROWSER).text
        page = parse(html)
        assert phrase in "".join(page.text)
        sources = [a for a in page.tags["a"] if a.get("hreflang") and a["href"].startswith("https://")]
        assert {urlsplit(a["href"]).hostname for a in sources} >= {"acqf.africa", "openspace.etf.europa.eu"}
        assert "Un Cadre National des Certifications (CNC) est un outil" in unescape(html)  # the published definition
    definition = client.get("/?lang=en", headers=BROWSER).text.split('class="definition"')[1].split("</blockquote>")[0]
    assert "<bdi lang='fr'>" in definition and "class='fallback'" in definition  # French only, and marked so
    for start in ["/qualifications", "/compare/levels?from=cnc&amp;to=eqf", "/sparql", "/docs"]:
        assert f'href="{start}"' in client.get("/?lang=en", headers=BROWSER).text


def test_the_ontology_page_has_a_section_for_every_term(client: TestClient) -> None:
    ontology = ox.Store()
    ontology.load(path=str(Path(__file__).resolve().parent.parent / "ontology" / "cnc.ttl"))
    names = {
        row["t"].value.rsplit("#", 1)[1]
        for row in ontology.query("SELECT ?t WHERE { ?t <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> ?o }")
    }
    assert len(names) > 60
    page = parse(client.get("/id/ontology?lang=fr", headers=BROWSER).text)
    sections = {s["id"] for s in page.tags["section"] if s.get("class") == "term"}
    assert sections == names  # /id/ontology#Qualification lands on the term
    html = client.get("/id/ontology?lang=fr", headers=BROWSER).text
    qualification = html.split('id="Qualification"')[1].split("</section>")[0]
    assert "Certification" in qualification and "Sous-classe de" in qualification
    assert 'href="http://data.europa.eu/snb/model/elm/Qualification"' in qualification  # alignment, linked
    assert 'href="#awardingBody"' in qualification  # its properties, linked within the page
    level = html.split('id="level"')[1].split("</section>")[0]
    assert 'href="#Qualification"' in level and 'href="#Level"' in level  # domain and range
    turtle = client.get("/id/ontology", headers={"accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")  # the RDF is still there for machines


def test_the_mapping_author_is_described_and_linked_from_the_evidence(client: TestClient) -> None:
    author = client.get("/id/organisation/cnc-graph?lang=en", headers=BROWSER)
    assert author.status_code == 200 and "open-source project" in author.text
    level = client.get("/frameworks/cnc/levels/5?lang=en", headers=BROWSER).text
    assert "Mapping author" in level and 'href="/id/organisation/cnc-graph"' in level
    assert client.get("/id/organisation/cnc-graph", headers={"accept": "text/turtle"}).status_code == 200


def test_a_qualification_downloads_as_elm_from_its_page(client: TestClient) -> None:
    page = parse(client.get("/qualifications/OFPPT-TS-TDI?lang=fr", headers=BROWSER).text)
    elm_links = [a["href"] for a in page.tags["a"] if "/elm?" in a.get("href", "")]
    api = "/api/qualifications/OFPPT-TS-TDI/elm"
    assert elm_links == [f"{api}?format=ttl", f"{api}?format=jsonld"]
    turtle = client.get(elm_links[0])
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    graph = ox.Store()
    graph.load(turtle.content, format=ox.RdfFormat.TURTLE)
    qualifications = [
        row["q"].value
        for row in graph.query("SELECT ?q WHERE { ?q a <http://data.europa.eu/snb/model/elm/Qualification> }")
    ]
    assert qualifications == [f"{BASE}qualification/OFPPT-TS-TDI"]  # this one, not the register
    nqf = "ASK { ?q <http://data.europa.eu/snb/model/elm/NQFLevel> <" + BASE + "framework/cnc/level/5> }"
    assert bool(graph.query(nqf))  # its CNC level, as ELM's NQF level
    jsonld = client.get(elm_links[1])
    assert jsonld.headers["content-type"].startswith("application/ld+json") and "OFPPT-TS-TDI" in jsonld.text
    missing = client.get("/api/qualifications/NO-SUCH-CODE/elm")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_pages_forbid_loading_from_elsewhere(client: TestClient) -> None:
    for path in ["/", "/docs", "/sparql", "/no/such/page"]:
        headers = client.get(path, headers=BROWSER).headers
        policy = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
        assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'", path
        assert "script-src" not in policy  # scripts fall back to 'self': no inline script, nothing from elsewhere
        assert headers["x-content-type-options"] == "nosniff"
    api = client.get("/api/frameworks").headers
    assert "content-security-policy" not in api and api["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path", [f"/qualifications?q={HOSTILE_CODE}&lang=en", f"/id/qualification/{HOSTILE_CODE}?lang=en"]
)
def test_card_text_with_markup_is_shown_as_text(client: TestClient, path: str) -> None:
    html = client.get(path, headers=BROWSER).text
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&#34;quoted&#34;" in html or "&quot;quoted&quot;" in html
    shown = "".join(parse(html).text)
    assert HOSTILE in shown  # the text itself, direction marks included, is kept as typed


# --- the register's search page ------------------------------------------------------------------


def _hits(html: str) -> list[str]:
    return re.findall(r'<a class="title" href="/id/qualification/([A-Z0-9-]+)"', html)


def _facet_links(html: str, facet: str) -> dict[str, tuple[str, int]]:
    """The links of one facet: label → (href, count)."""
    section = html.split(f'id="facet-{facet}"', 1)[1].split("</section>", 1)[0]
    found = re.findall(r'<a href="([^"]+)"[^>]*><bdi[^>]*>([^<]+)</bdi>.*?<span class="count">(\d+)</span>', section)
    return {label: (href.replace("&amp;", "&"), int(count)) for href, label, count in found}


def test_the_register_pages_through_every_qualification(client: TestClient) -> None:
    first = client.get("/qualifications?lang=en", headers=BROWSER).text
    total = int(re.search(r"(\d+) qualification\(s\)", first).group(1))  # type: ignore[union-attr]
    assert total > 150
    seen: list[str] = []
    href: str | None = "/qualifications?lang=en"
    while href:
        html = client.get(href, headers=BROWSER).text
        seen += _hits(html)
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        href = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == total == len(set(seen))
    assert seen == sorted(seen)  # by code unless asked otherwise
    last_page = -(-total // 20)
    assert f'aria-label="Page {last_page}"' in first and 'rel="prev"' not in first


def test_a_facet_narrows_the_search_to_its_count(client: TestClient) -> None:
    html = client.get("/qualifications?q=technicien&lang=en", headers=BROWSER).text
    levels = _facet_links(html, "cnc")
    assert set(levels) >= {"Level 4", "Level 5"}
    href, count = levels["Level 5"]
    assert parse_qsl(urlsplit(href).query) == [("q", "technicien"), ("cnc", "5")]
    narrowed = client.get(href + "&lang=en", headers=BROWSER).text
    assert f"{count} qualification(s)" in narrowed
    assert _facet_links(narrowed, "cnc") == {"Level 5": ("/qualifications?q=technicien", count)}  # a click undoes it
    bodies = _facet_links(narrowed, "body")
    assert sum(c for _, c in bodies.values()) == count
    body_href = next(iter(bodies.values()))[0]
    assert "body=" in body_href and "cnc=5" in body_href


def test_results_show_their_levels_in_three_frameworks_and_the_sub_sector_label(client: TestClient) -> None:
    html = client.get("/qualifications?q=OFPPT-TS-TDI&lang=ar", headers=BROWSER).text
    assert _hits(html) == ["OFPPT-TS-TDI"]
    hit = html.split('<ol class="hits"', 1)[1].split("</ol>", 1)[0]
    assert "CNC 5</bdi>" in hit and "≈ EQF 5</bdi>" in hit and "≈ ACQF 6</bdi>" in hit
    assert "التكوين المهني" in hit and "vocational-training" not in hit
    assert "≈" in "".join(parse(html).text) and "2021" in html  # the note saying what ≈ means


@pytest.mark.parametrize("sort", ["title", "level"])
def test_the_sort_is_kept_across_pages(client: TestClient, sort: str) -> None:
    html = client.get(f"/qualifications?sort={sort}&lang=fr", headers=BROWSER).text
    assert f'<option value="{sort}" selected>' in html
    following = re.search(r'<a href="([^"]+)" rel="next">', html).group(1)  # type: ignore[union-attr]
    assert f"sort={sort}" in following and "page=2" in following


def test_bad_register_parameters_are_a_400_page(client: TestClient) -> None:
    for query in ("sort=random", "cnc=12", "subsector=army", "field=x"):
        response = client.get(f"/qualifications?{query}&lang=en", headers=BROWSER)
        assert response.status_code == 400, query
        assert "Bad request" in response.text


def test_a_query_with_markup_is_reflected_as_text(client: TestClient) -> None:
    html = client.get(
        "/qualifications", params={"q": '"><script>alert(1)</script>', "lang": "en"}, headers=BROWSER
    ).text
    assert "<script>alert(1)" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    for link in parse(html).tags["a"]:
        assert "<" not in (link.get("href") or "")


# --- a qualification's page --------------------------------------------------------------------


def _row(html: str, framework: str) -> str:
    table = html.split('<table class="levels">', 1)[1].split("</table>", 1)[0]
    return next(row for row in table.split("<tr")[1:] if framework in row)


@pytest.mark.parametrize("path", ["/qualifications/ING-ENSAM-GM", "/id/qualification/ING-ENSAM-GM"])
def test_a_qualification_page_shows_its_levels_everywhere_with_the_evidence(client: TestClient, path: str) -> None:
    html = client.get(path + "?lang=en", headers=BROWSER).text
    own = _row(html, "National Qualifications Framework (Morocco)")
    assert 'href="/id/framework/cnc/level/7"' in own and "level given by the card" in own
    eqf = _row(html, "European Qualifications Framework")
    assert 'href="/id/framework/eqf/level/7"' in eqf and "close" in eqf and "skos:closeMatch" in eqf
    record = re.search(r'href="(/id/mapping/cnc-eqf/\d+)"', eqf).group(1)  # type: ignore[union-attr]
    evidence = client.get(record + "?lang=en", headers=BROWSER)
    assert evidence.status_code == 200 and "confidence" in evidence.text.lower()
    confidence = re.search(r"(\d+) %", eqf).group(1)  # type: ignore[union-attr]
    data = client.get("/api/compare/levels", params={"level": "cnc:7", "to": "eqf"}).json()
    assert round(data["matches"][0]["confidence"] * 100) == int(confidence)
    derived = _row(html, "professional qualifications (France)")
    assert "derived along the path" in derived and derived.count("/id/mapping/") == 2


@pytest.mark.parametrize(
    ("lang", "duration", "date"),
    [("fr", "5 ans", "7 juin 2004"), ("en", "5 years", "7 June 2004"), ("ar", "5 سنوات", "7 يونيو 2004")],
)
def test_a_qualification_page_words_its_values_in_the_language(
    client: TestClient, lang: str, duration: str, date: str
) -> None:
    html = client.get(f"/qualifications/ING-ENSAM-GM?lang={lang}", headers=BROWSER).text
    shown = " ".join(parse(html).text)
    assert duration in shown and date in shown
    assert "P5Y" not in shown and "2004-06-07" not in shown
    assert {"fr": "Fès-Meknès", "en": "Fez-Meknes", "ar": "فاس - مكناس"}[lang] in shown  # the region by its label
    assert "higher-education" not in shown  # the sub-sector by its label, not its key


def test_a_qualification_page_links_esco_sources_and_downloads(client: TestClient) -> None:
    html = client.get("/qualifications/OFPPT-TS-TDI?lang=fr", headers=BROWSER).text
    links = {a.get("href"): a for a in parse(html).tags["a"]}
    esco = [h for h in links if h and h.startswith("http://data.europa.eu/esco/")]
    assert any("/skill/" in h for h in esco) and any("/occupation/" in h for h in esco)
    assert all(links[h].get("rel") == "external" for h in esco)
    assert "https://acqf.africa/resources/nqf-inventory/countries/morocco" in links
    for fmt, media in (("jsonld", "application/ld+json"), ("ttl", "text/turtle")):
        href = f"/api/qualifications/OFPPT-TS-TDI?format={fmt}"
        assert href in links
        assert client.get(href).headers["content-type"].startswith(media)
    comparable = html.split('id="comparable"', 1)[1].split("</section>", 1)[0]
    assert comparable.count("/id/qualification/") == 5 and "même niveau CNC" in comparable


def test_an_unknown_qualification_page_is_a_404_page(client: TestClient) -> None:
    response = client.get("/qualifications/NOPE-1?lang=en", headers=BROWSER)
    assert response.status_code == 404 and "Page not found" in response.text
    assert client.get("/qualifications/not a code", headers=BROWSER).status_code in (400, 404)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_interface_text_of_another_language_leaks_into_a_page(client: TestClient, path: str, lang: str) -> None:
    html = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}", headers=BROWSER).text
    # Data shown in French for want of a translation is marked as such (lang='fr', with its badge): not a leak.
    html = re.sub(r"<bdi lang='fr'>.*?</bdi>", "", html, flags=re.S)
    said = set(catalogue(lang).values())
    for key, french in catalogue("fr").items():
        if len(french) >= 20 and " " in french and french not in said and "{" not in french:  # phrases, not words
            assert escape(french, quote=False) not in html, (key, french)


# --- frameworks and levels ---------------------------------------------------------------------------


def test_a_level_page_shows_its_descriptors_and_the_missing_ones_with_why(client: TestClient) -> None:
    html = client.get("/frameworks/cnc/levels/8?lang=en", headers=BROWSER).text
    own = html.split('id="descriptors"', 1)[1].split("</section>", 1)[0]
    assert "Ability to work with peers" in own  # the Communication descriptor, from the ACQF inventory
    assert "adapted to unpredictab<" in own, "the cut-off cell is shown as published, not completed"
    assert own.count("text not available") == 0  # all six cells of level 8 were retrieved
    html = client.get("/frameworks/cnc/levels/7?lang=en", headers=BROWSER).text
    own = html.split('id="descriptors"', 1)[1].split("</section>", 1)[0]
    assert own.count("text not available") == 6  # levels 1 to 7: no text retrieved
    assert 'href="/frameworks/cnc#missing"' in own
    framework = client.get("/frameworks/cnc?lang=en", headers=BROWSER).text
    missing = framework.split('id="missing"', 1)[1].split("</section>", 1)[0]
    assert "levels 1 to 7" in missing and "https://acqf.africa/resources/nqf-inventory/countries/morocco" in framework


def test_a_level_page_shows_every_match_with_its_evidence_and_both_descriptors(client: TestClient) -> None:
    html = client.get("/frameworks/cnc/levels/6?lang=en", headers=BROWSER).text
    data = client.get("/api/compare/levels", params={"level": "cnc:6", "to": "eqf"}).json()["matches"][0]
    articles = html.split('<article class="match"')[1:]
    eqf = next(a for a in articles if "European Qualifications Framework" in a)
    assert f'href="/frameworks/eqf/levels/{data["level"]["notation"]}"' in eqf
    assert f"{round(data['confidence'] * 100)} %" in eqf and "skos:closeMatch" in eqf
    assert 'href="/id/mapping/cnc-eqf/6"' in eqf and "Proposal (CNC Graph" in eqf
    assert all(s in eqf for s in data["source"])
    side = eqf.split('<div class="side-by-side">', 1)[1]
    assert side.count("<section>") == 2 and "advanced knowledge" in side  # EQF 6's knowledge descriptor
    frameworks = {a.split("</h3>", 1)[0] for a in articles}
    assert len(frameworks) == len(articles) >= 4  # one match per other framework


@pytest.mark.parametrize("path", ["/frameworks/nope", "/frameworks/cnc/levels/99", "/id/framework/cnc/level/99"])
def test_an_unknown_framework_or_level_is_a_404_page(client: TestClient, path: str) -> None:
    response = client.get(path + "?lang=fr", headers=BROWSER)
    assert response.status_code == 404 and "Page introuvable" in response.text


def test_the_frameworks_page_links_every_level_page(client: TestClient) -> None:
    html = client.get("/frameworks?lang=en", headers=BROWSER).text
    hrefs = set(re.findall(r'href="(/frameworks/[a-z0-9-]+/levels/[^"]+)"', html))
    assert len(hrefs) >= 8 + 8 + 10
    for href in sorted(hrefs)[:12]:
        assert client.get(href, headers=BROWSER).status_code == 200, href


# --- comparisons -----------------------------------------------------------------------------------


def test_compare_levels_cnc_eqf_draws_eight_lines_each_linked_to_its_evidence(client: TestClient) -> None:
    html = client.get("/compare/levels?from=cnc&to=eqf&lang=en", headers=BROWSER).text
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    lines = re.findall(
        r'<a href="([^"]+)" aria-label="([^"]+)">\s*<line class="hit"[^>]*>\s*<line class="map (\w+)', svg
    )
    assert len(lines) == 8
    assert {href for href, _, _ in lines} == {f"/id/mapping/cnc-eqf/{n}" for n in range(1, 9)}
    assert all(relation == "closeMatch" for _, _, relation in lines)
    assert any(label == "Level 5 to Level 5: close, confidence 70 %" for _, label, _ in lines)
    assert 'role="group" aria-labelledby="svg-title"' in html and '<title id="svg-title">' in svg and "<desc" in svg
    table = html.split('id="table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 8 + 1  # the header row and one per mapping
    for href, _, _ in lines[:2]:
        assert client.get(href, headers=BROWSER).status_code == 200


def test_compare_levels_marks_derived_mappings_and_links_the_path(client: TestClient) -> None:
    html = client.get("/compare/levels?from=cnc&to=fr-nqf&lang=en", headers=BROWSER).text
    assert html.count('class="map closeMatch derived"') == 8
    assert '<bdi dir="ltr">cnc-eqf/5 → fr-nqf-eqf/5</bdi>' in html  # the path of records, through the EQF
    assert 'href="/frameworks/cnc/levels/5#matches"' in html  # where the derived match is explained


def test_compare_levels_in_arabic_starts_from_the_right(client: TestClient) -> None:
    html = client.get("/compare/levels?from=cnc&to=eqf&lang=ar", headers=BROWSER).text
    first = re.search(r'<line class="map[^"]*" x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"', html)
    assert first is not None and float(first.group(1)) > float(first.group(2))


@pytest.mark.parametrize("query", ["from=cnc&to=cnc", "from=nope&to=eqf", "from=cnc&to=NOPE!"])
def test_compare_levels_refuses_bad_frameworks(client: TestClient, query: str) -> None:
    response = client.get(f"/compare/levels?{query}&lang=en", headers=BROWSER)
    assert response.status_code == 400 and "Bad request" in response.text


def test_compare_qualifications_side_by_side(client: TestClient) -> None:
    html = client.get("/compare/qualifications?a=OFPPT-TS-TDI&b=BTS-DSI&lang=en", headers=BROWSER).text
    data = client.get("/api/compare/qualifications", params={"a": "OFPPT-TS-TDI", "b": "BTS-DSI"}).json()
    assert 'href="/qualifications/OFPPT-TS-TDI"' in html and 'href="/qualifications/BTS-DSI"' in html
    shared = data["skills"]["shared"]
    assert shared and all(s["id"] in html for s in shared)
    assert f"{len(shared)} shared out of" in html
    assert "2 years" in html and "same level (CNC)" in html
    picker = html.split('<select id="b" name="b">', 1)[1].split("</select>", 1)[0]
    assert picker.count("<option") == 10 and '<option value="BTS-DSI" selected>' in picker


def test_compare_qualifications_without_a_second_lists_the_comparable_ones(client: TestClient) -> None:
    html = client.get("/compare/qualifications?a=OFPPT-TS-TDI&lang=fr", headers=BROWSER).text
    assert html.count("/compare/qualifications?a=OFPPT-TS-TDI&amp;b=") == 10
    assert client.get("/compare/qualifications?a=NOPE-1&lang=fr", headers=BROWSER).status_code == 404

"""The HTTP API against a live server: frameworks, search, one qualification, comparisons, linked data, dumps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from tests.conftest import BASE, run_cli
from tests.servers import live_server

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("api") / "store"
    assert run_cli("build", "--store", str(store)).returncode == 0
    with live_server(store) as url:
        yield url


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


def test_frameworks_list(client: httpx.Client) -> None:
    data = client.get("/api/frameworks", params={"lang": "en"}).json()
    by_key = {f["key"]: f for f in data}
    assert by_key["cnc"]["levels"] == 8 and by_key["eqf"]["levels"] == 8 and by_key["acqf"]["levels"] == 10
    assert set(by_key["cnc"]) >= {"id", "key", "label", "levels"}


def test_cnc_levels_show_six_descriptor_domains_each(client: httpx.Client) -> None:
    data = client.get("/api/frameworks/cnc/levels", params={"lang": "en"}).json()
    assert [lv["notation"] for lv in data["levels"]] == [str(i) for i in range(1, 9)]
    for level in data["levels"]:
        assert {d["domain"] for d in level["descriptors"]} == {
            "communication",
            "knowledge",
            "skills",
            "complexity",
            "autonomy-responsibility",
            "adaptability",
        }
    eqf6 = client.get("/api/frameworks/eqf/levels/6", params={"lang": "en"}).json()
    assert all(d["available"] and d["text"] for d in eqf6["descriptors"])


@pytest.mark.parametrize("path", ["/api/frameworks/nowhere/levels", "/api/frameworks/cnc/levels/9"])
def test_unknown_framework_or_level_is_404_problem(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 404 and body["title"] and body["detail"]


def test_search_ignores_accents_and_case(client: httpx.Client) -> None:
    plain = client.get("/api/qualifications", params={"q": "DEVELOPPEMENT"}).json()
    accented = client.get("/api/qualifications", params={"q": "développement"}).json()
    assert plain["total"] == accented["total"] > 0
    item = plain["items"][0]
    assert set(item) >= {"id", "code", "title", "level", "subsector", "awarding_body"}
    assert item["level"]["cnc"]


def test_search_matches_arabic_titles(client: httpx.Client) -> None:
    data = client.get("/api/qualifications", params={"q": "بكالوريا", "lang": "ar"}).json()
    assert data["total"] > 0
    assert any(i["title_lang"] == "ar" for i in data["items"])


def test_search_filters_by_level_in_any_framework(client: httpx.Client) -> None:
    cnc5 = client.get("/api/qualifications", params={"level": "cnc:5", "size": 100}).json()
    assert cnc5["total"] > 0 and all(i["level"]["cnc"] == "5" for i in cnc5["items"])
    plain5 = client.get("/api/qualifications", params={"level": "5", "size": 100}).json()
    assert plain5["total"] == cnc5["total"]
    eqf = client.get("/api/qualifications", params={"level": "eqf:5", "size": 100}).json()
    assert all(i["level"]["eqf"] == "5" for i in eqf["items"])


def test_search_pages(client: httpx.Client) -> None:
    first = client.get("/api/qualifications", params={"size": 10, "page": 1}).json()
    second = client.get("/api/qualifications", params={"size": 10, "page": 2}).json()
    assert first["total"] >= 150 and len(first["items"]) == 10
    assert {i["code"] for i in first["items"]}.isdisjoint({i["code"] for i in second["items"]})


@pytest.mark.parametrize(
    "params",
    [{"level": "cnc:9"}, {"level": "nine"}, {"subsector": "army"}, {"field": "x1"}, {"size": "1000"}, {"lang": "de"}],
)
def test_bad_search_parameters_are_400_problems(client: httpx.Client, params: dict[str, str]) -> None:
    response = client.get("/api/qualifications", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


def test_language_fallback_is_visible(client: httpx.Client) -> None:
    data = client.get("/api/qualifications", params={"q": "OFPPT-TS-TDI", "lang": "en"}).json()
    item = data["items"][0]
    assert item["title_lang"] == "fr"  # no English title in the source: French shown, and said so


def test_accept_language_picks_the_language(client: httpx.Client) -> None:
    data = client.get("/api/frameworks", headers={"Accept-Language": "ar, fr;q=0.5"}).json()
    cnc = next(f for f in data if f["key"] == "cnc")
    assert cnc["label_lang"] == "ar"


def test_one_qualification_defaults_to_jsonld_with_the_context(client: httpx.Client, server: str) -> None:
    response = client.get("/api/qualifications/OFPPT-TS-TDI")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.json()["@context"] == f"{BASE}context.jsonld", "the context's stable IRI, not this server's address"


def test_a_qualification_in_json_ld_is_one_node_with_its_parts_nested(client: httpx.Client) -> None:
    document = client.get("/api/qualifications/OFPPT-TS-TDI").json()
    assert "@graph" not in document and document["id"] == f"{BASE}qualification/OFPPT-TS-TDI"
    opportunity = document["hasLearningOpportunity"]
    assert opportunity["id"].endswith("/opportunity/1") and opportunity["providedBy"]["prefLabel"]
    assert opportunity["leadsTo"] == document["id"], "the qualification itself is not repeated inside"
    assert document["level"]["notation"] == "5"


def test_one_qualification_in_turtle_and_html(client: httpx.Client) -> None:
    turtle = client.get("/api/qualifications/OFPPT-TS-TDI", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE))
    assert any(q.predicate.value.endswith("#code") and q.object.value == "OFPPT-TS-TDI" for q in triples)
    page = client.get("/api/qualifications/OFPPT-TS-TDI", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html") and "OFPPT-TS-TDI" in page.text


def test_unknown_qualification_is_404_and_bad_code_400(client: httpx.Client) -> None:
    assert client.get("/api/qualifications/NO-SUCH-CODE").status_code == 404
    assert client.get("/api/qualifications/bad code!").status_code == 400


def test_not_acceptable(client: httpx.Client) -> None:
    response = client.get("/api/qualifications/OFPPT-TS-TDI", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_compare_levels_endpoint(client: httpx.Client) -> None:
    data = client.get("/api/compare/levels", params={"level": "cnc:6", "to": "eqf"}).json()
    assert data["to"] == "eqf" and data["level"]["notation"] == "6"
    match = data["matches"][0]
    assert set(match) >= {"level", "relation", "confidence", "justification", "source", "path"}
    assert set(match["level"]) >= {"id", "framework", "notation"}
    derived = client.get("/api/compare/levels", params={"level": "cnc:6", "to": "fr-nqf"}).json()
    assert len(derived["matches"][0]["path"]) == 2
    for params in ({"level": "cnc:9", "to": "eqf"}, {"level": "cnc:6", "to": "mars"}):
        bad = client.get("/api/compare/levels", params=params)
        assert bad.status_code == 400 and bad.headers["content-type"].startswith(PROBLEM)


def test_compare_qualifications_and_comparable(client: httpx.Client) -> None:
    data = client.get("/api/compare/qualifications", params={"a": "OFPPT-TS-TDI", "b": "BTS-DSI"}).json()
    assert data["skills"]["jaccard"] is not None and data["level"]["match"] == "same"
    ranked = client.get("/api/qualifications/OFPPT-TS-TDI/comparable", params={"limit": 3}).json()
    assert len(ranked["items"]) == 3 and ranked["items"][0]["reason"]
    assert client.get("/api/compare/qualifications", params={"a": "NOPE", "b": "BTS-DSI"}).status_code == 404


def test_iris_dereference(client: httpx.Client) -> None:
    html_page = client.get("/id/framework/cnc/level/6", headers={"Accept": "text/html"})
    assert html_page.status_code == 200 and "level/6" in html_page.text
    turtle = client.get("/id/framework/cnc/level/6", headers={"Accept": "text/turtle"})
    triples = list(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE))
    assert any(t.predicate.value.endswith("#notation") and t.object.value == "6" for t in triples)
    nt = client.get("/id/qualification/BTS-DSI", params={"format": "nt"})
    assert nt.headers["content-type"].startswith("application/n-triples")
    assert client.get("/id/nothing/here").status_code == 404


def test_every_jsonld_response_expands_to_the_turtle_graph(client: httpx.Client, server: str) -> None:
    from pyld import jsonld

    context = client.get("/context.jsonld").json()

    def loader(url: str, options: dict[str, object] | None = None) -> dict[str, object]:
        assert url == f"{BASE}context.jsonld"
        return {"contextUrl": None, "documentUrl": url, "document": context}

    codes = []
    page = 1
    while True:
        data = client.get("/api/qualifications", params={"size": 100, "page": page}).json()
        codes += [i["code"] for i in data["items"]]
        if page * 100 >= data["total"]:
            break
        page += 1
    assert len(codes) >= 150
    for code in codes:
        doc = client.get(f"/api/qualifications/{code}").json()
        nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": loader})
        from_jsonld = ox.Dataset(ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS))
        turtle = client.get(f"/api/qualifications/{code}", headers={"Accept": "text/turtle"}).content
        from_turtle = ox.Dataset(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
        from_jsonld.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        from_turtle.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        assert set(map(str, from_jsonld)) == set(map(str, from_turtle)), code


def test_dumps_are_described_and_streamed(client: httpx.Client, tmp_path: Path) -> None:
    catalog = client.get("/dumps", headers={"Accept": "text/turtle"})
    assert catalog.status_code == 200
    triples = list(ox.parse(catalog.content, format=ox.RdfFormat.TURTLE))
    void = "http://rdfs.org/ns/void#"
    counts = {t.subject.value: int(t.object.value) for t in triples if t.predicate.value == void + "triples"}
    framework = next(iri for iri in counts if iri.endswith("graph/framework/cnc"))
    dump = client.get("/dumps/graph-framework-cnc.nt")
    assert dump.status_code == 200
    assert len(list(ox.parse(dump.content, format=ox.RdfFormat.N_TRIPLES))) == counts[framework]
    whole = client.get("/dumps/cnc-graph.jsonld")
    assert whole.status_code == 200 and json.loads(whole.content)
    assert client.get("/dumps/not-a-dump.nt").status_code == 404
    html_list = client.get("/dumps", headers={"Accept": "text/html"})
    assert "cnc-graph.nt" in html_list.text
    assert any(t.predicate.value == "http://purl.org/dc/terms/license" for t in triples)


def test_home_and_search_pages(client: httpx.Client) -> None:
    home = client.get("/", params={"lang": "ar"})
    assert home.status_code == 200 and 'dir="rtl"' in home.text
    search = client.get("/qualifications", params={"q": "master", "lang": "en"})
    assert search.status_code == 200 and "qualification(s)" in search.text


def test_openapi_documents_every_endpoint(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/frameworks",
        "/api/qualifications",
        "/api/qualifications/{code}",
        "/api/compare/levels",
        "/api/compare/qualifications",
        "/context.jsonld",
        "/dumps",
        "/id/{path}",
    ):
        assert path in spec["paths"], path


def test_a_forged_host_changes_no_identifier_in_any_document(client: httpx.Client) -> None:
    forged = {"Host": "evil.example"}
    qualification = client.get("/api/qualifications/OFPPT-TS-TDI", headers=forged).json()
    assert qualification["@context"] == f"{BASE}context.jsonld"
    catalogue = client.get("/dumps", headers=forged | {"Accept": "text/turtle"}).text
    feed = client.get("/changes", headers=forged).text
    for document in (catalogue, feed, client.get("/dumps", headers=forged).text):
        assert "evil.example" not in document
    assert f"<{BASE}sparql>" in catalogue and f"<{BASE}dumps/cnc-graph.nt>" in catalogue
    assert f'href="{BASE}changes"' in feed


def test_the_services_own_iris_lead_to_them_on_this_server(client: httpx.Client) -> None:
    for path, target in (
        ("context.jsonld", "/context.jsonld"),
        ("dumps/cnc-graph.nt", "/dumps/cnc-graph.nt"),
        ("sparql", "/sparql"),
    ):
        answer = client.get(f"/id/{path}", follow_redirects=False)
        assert answer.status_code == 308 and answer.headers["location"] == target
    context = client.get("/id/context.jsonld", follow_redirects=True)
    assert context.status_code == 200 and "@context" in context.json()


def test_search_results_as_json_ld_expand_to_the_qualifications_found(client: httpx.Client) -> None:
    from pyld import jsonld

    plain = client.get("/api/qualifications", params={"q": "technicien", "size": 5}).json()
    answer = client.get(
        "/api/qualifications", params={"q": "technicien", "size": 5}, headers={"Accept": "application/ld+json"}
    )
    assert answer.headers["content-type"].startswith("application/ld+json")
    context = client.get("/context.jsonld").json()

    def loader(url: str, options: dict[str, object] | None = None) -> dict[str, object]:
        assert url == f"{BASE}context.jsonld"
        return {"contextUrl": None, "documentUrl": url, "document": context}

    expanded = jsonld.expand(answer.json(), {"documentLoader": loader})
    [collection] = expanded
    assert collection["http://www.w3.org/ns/hydra/core#totalItems"][0]["@value"] == plain["total"]
    members = collection["http://www.w3.org/ns/hydra/core#member"]
    assert [m["@id"] for m in members] == [i["id"] for i in plain["items"]]
    first = members[0]
    assert first["https://w3id.org/cnc-ma/ontology#code"][0]["@value"] == plain["items"][0]["code"]
    assert first["https://w3id.org/cnc-ma/ontology#level"][0]["@id"].startswith(f"{BASE}framework/cnc/level/")
    same = client.get("/api/qualifications", params={"q": "technicien", "size": 5, "format": "jsonld"}).json()
    assert same == answer.json()

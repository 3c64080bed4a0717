"""What the API keeps between requests (rendered cards, search results) never outlives a write to the public graphs."""

from __future__ import annotations

from collections import defaultdict
from html import escape

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore

TITLE = "http://purl.org/dc/terms/title"


@pytest.fixture()
def store(built_store: OxigraphStore) -> OxigraphStore:
    """A writable copy of the built store."""
    copy = OxigraphStore(None, built_store.base_iri)
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in built_store.quads():
        graphs[quad.graph_name.value].append(ox.Triple(quad.subject, quad.predicate, quad.object))
    with copy.transaction() as tx:
        for graph, triples in graphs.items():
            tx.replace_graph(graph, triples)
    return copy


def retitle(store: OxigraphStore, code: str, title: str) -> None:
    """Give the qualification ``code`` a new French title, in the graph that holds it."""
    subject = ox.NamedNode(f"{store.base_iri}qualification/{code}")
    for quad in store.quads():
        if quad.subject == subject and quad.predicate.value == TITLE:
            graph = quad.graph_name.value
            break
    else:
        raise AssertionError(f"no title for {code}")
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads(graph)
        if not (q.subject == subject and q.predicate.value == TITLE and q.object.language == "fr")  # type: ignore[union-attr]
    ]
    triples.append(ox.Triple(subject, ox.NamedNode(TITLE), ox.Literal(title, language="fr")))
    store.replace_graph(graph, triples)


def test_a_card_read_again_after_a_write_shows_the_write(store: OxigraphStore, settings: Settings) -> None:
    client = TestClient(create_app(settings, store))
    code = client.get("/api/qualifications", params={"size": 1}).json()["items"][0]["code"]
    paths = [f"/api/qualifications/{code}", f"/id/qualification/{code}"]
    for accept in ("application/ld+json", "text/turtle", "text/html"):
        for path in paths:
            first = client.get(path, headers={"Accept": accept})
            assert first.status_code == 200 and "Titre renouvelé" not in first.text
            assert client.get(path, headers={"Accept": accept}).content == first.content  # kept, same document
    retitle(store, code, "Titre renouvelé")
    for accept in ("application/ld+json", "text/turtle", "text/html"):
        for path in paths:
            assert "Titre renouvelé" in client.get(path, headers={"Accept": accept}).text, (path, accept)
    found = client.get("/api/qualifications", params={"q": "titre renouvele"}).json()
    assert [i["code"] for i in found["items"]] == [code]


def test_the_html_card_keeps_its_own_title_on_each_route(store: OxigraphStore, settings: Settings) -> None:
    client = TestClient(create_app(settings, store))
    item = client.get("/api/qualifications", params={"size": 1, "lang": "fr"}).json()["items"][0]
    html = {"Accept": "text/html"}
    by_id = client.get(f"/id/qualification/{item['code']}", headers=html).text
    by_code = client.get(f"/api/qualifications/{item['code']}", params={"lang": "fr"}, headers=html).text
    # Both routes now show the qualification's page, titled by the qualification (not by the IRI's path).
    assert f"<title>{escape(item['title'])}" in by_id
    assert f"<title>{escape(item['title'])}" in by_code
    assert "<title>qualification/" not in by_id


def test_every_kept_page_shows_a_public_write_and_each_url_and_language_is_its_own(
    store: OxigraphStore, settings: Settings
) -> None:
    client = TestClient(create_app(settings, store))
    code = client.get("/api/qualifications", params={"size": 1, "sort": "code"}).json()["items"][0]["code"]
    pages = [
        (f"/qualifications/{code}", {}),
        ("/qualifications", {"q": code}),
        ("/qualifications", {"sort": "title"}),
        ("/compare/qualifications", {"a": code}),
        ("/", {}),
    ]
    for path, query in pages:
        for lang in ("fr", "en"):
            first = client.get(path, params=query | {"lang": lang})
            assert first.status_code == 200 and "Titre renouvelé" not in first.text, (path, first.text[:300])
            assert first.headers["content-language"] == lang
            again = client.get(path, params=query | {"lang": lang})
            assert again.content == first.content and again.headers["vary"] == first.headers["vary"]
    # Each query is its own page: the search for the code lists it alone, the whole register sorted does not.
    one = client.get("/qualifications", params={"q": code, "lang": "fr"}).text
    every = client.get("/qualifications", params={"sort": "title", "lang": "fr"}).text
    assert one != every and "?q=" in one and "sort=title" in every
    retitle(store, code, "Titre renouvelé")
    for path, query in pages[:2]:
        assert "Titre renouvelé" in client.get(path, params=query | {"lang": "fr"}).text, path


def test_a_page_that_is_refused_is_not_kept_in_place_of_the_page(store: OxigraphStore, settings: Settings) -> None:
    client = TestClient(create_app(settings, store))
    html = {"Accept": "text/html"}
    refused = client.get("/compare/levels", params={"from": "cnc", "to": "nowhere"}, headers=html)
    assert refused.status_code == 400 and "nowhere" in refused.text
    again = client.get("/compare/levels", params={"from": "cnc", "to": "nowhere"}, headers=html)
    assert again.status_code == 400
    assert client.get("/qualifications/NO-SUCH-CODE", headers=html).status_code == 404
    assert client.get("/compare/levels", params={"from": "cnc", "to": "eqf"}, headers=html).status_code == 200

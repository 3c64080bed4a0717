"""The W3C SPARQL 1.1 Protocol tests (``/work/shared/reference/w3c-sparql11-protocol/manifest.ttl``), one test each.

Every test reads its HTTP exchange from the manifest itself (path, method, headers, body and its character
encoding), sends it to a live uvicorn server running ``api.routes.sparql``, and checks the manifest's expectations.
The manifest's ``/sparql/`` path prefix becomes our ``/sparql``.

- Query tests: as the manifest says. ``data1.nt`` … ``data3.nt`` are loaded into public named graphs under the
  manifest's own graph IRIs (``http://kasei.us/2009/09/sparql/data/dataN.rdf``): outside our base IRI, so public.
  With a protocol dataset the endpoint follows plain SPARQL semantics among the public graphs, so the
  expectations hold unchanged; our union default graph applies only to requests that name no dataset.
- Update tests: the endpoint is read-only, so where the manifest expects 2xx for an update we expect a 4xx
  refusal instead, the store unchanged (every graph, private ones included, with the same triple count), and
  the manifest's follow-up ASK (which checks the update's effect) answering ``false``.
- Negative tests: the 4xx the manifest asks for, and the exact status our endpoint promises.

Each test runs against both runners: worker processes on an on-disk store and threads on a memory store.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
import uvicorn
from fastapi import FastAPI
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from api.app import create_app
from cnc_graph.settings import Settings
from cnc_graph.sparql.runner import InlineQueryRunner, QueryRunner, make_query_runner
from cnc_graph.sparql.workers import ProcessQueryRunner
from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import BASE
from tests.conftest import REFERENCE as SHARED
from tests.servers import free_port

REFERENCE = SHARED / "w3c-sparql11-protocol"
MANIFEST = REFERENCE / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
ENTRY = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"
PRIVATE = BASE + "graph/private/protocol-secret"
SECRET = "http://kasei.us/2009/09/sparql/data/secret.rdf"

BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = ("application/rdf+xml", "text/turtle", "application/n-triples")


# --- the manifest ---------------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One HTTP request of a manifest entry and what the manifest expects back."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    boolean: bool | None
    format: str | None


def _one(graph: Graph, subject: Node, predicate: URIRef) -> Node | None:
    return next(iter(graph.objects(subject, predicate)), None)


@pytest.fixture(scope="module")
def manifest() -> Graph:
    """The W3C manifest, parsed."""
    graph = Graph()
    graph.parse(MANIFEST, format="turtle", publicID=ENTRY.rstrip("#"))
    return graph


def entry_names(manifest: Graph) -> list[str]:
    """Return the names of the manifest's entries, in order."""
    head = _one(manifest, URIRef(ENTRY.rstrip("#")), MF.entries)
    return [str(node).removeprefix(ENTRY) for node in Collection(manifest, head)]  # type: ignore[arg-type]


def exchanges(manifest: Graph, name: str) -> list[Exchange]:
    """Return the HTTP exchanges of the manifest entry ``name``."""
    action = _one(manifest, URIRef(ENTRY + name), MF.action)
    out = []
    for request in Collection(manifest, _one(manifest, action, HT.requests)):  # type: ignore[arg-type]
        headers = {}
        for header in Collection(manifest, _one(manifest, request, HT.headers) or RDF.nil):  # type: ignore[arg-type]
            headers[str(_one(manifest, header, HT.fieldName))] = str(_one(manifest, header, HT.fieldValue))
        body_node = _one(manifest, request, HT.body)
        body = None
        if body_node is not None:
            encoding = str(_one(manifest, body_node, CNT.characterEncoding) or "UTF-8")
            body = str(_one(manifest, body_node, CNT.chars)).encode(encoding)
        response = _one(manifest, request, HT.resp)
        statuses = {str(s).rsplit("#", 1)[-1] for s in manifest.objects(response, MF.expectedStatus)}
        boolean = _one(manifest, response, MF.expectedBoolean)
        fmt = _one(manifest, response, MF.expectedFormat)
        path = str(_one(manifest, request, HT.absolutePath))
        out.append(
            Exchange(
                method=str(_one(manifest, request, HT.methodName)),
                path=re.sub(r"^/sparql/", "/sparql", path),
                headers=headers,
                body=body,
                statuses=statuses,
                boolean=None if boolean is None else bool(boolean.toPython()),  # type: ignore[union-attr]
                format=None if fmt is None else str(fmt),
            )
        )
    return out


def graph_data(manifest: Graph) -> dict[str, Path]:
    """Return every ``ut:graphData`` of the manifest: graph IRI (its label) → data file."""
    found = {}
    for data in manifest.objects(None, UT.graphData):
        found[str(_one(manifest, data, RDFS_LABEL))] = REFERENCE / Path(str(_one(manifest, data, UT.graph))).name
    return found


# --- the live endpoint ----------------------------------------------------------------------------------


@dataclass
class Endpoint:
    """A live server: its URL, the store behind it, and the runner it uses."""

    url: str
    store: OxigraphStore
    runner: QueryRunner


def serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Start uvicorn on a free port of 127.0.0.1 in a thread; return it once it accepts connections."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="uvicorn-sparql-protocol", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module", params=["process", "inline"])
def endpoint(
    request: pytest.FixtureRequest, manifest: Graph, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Endpoint]:
    """A live endpoint over the manifest's data (and one private graph), with each runner in turn."""
    path = tmp_path_factory.mktemp("protocol-store") / "store" if request.param == "process" else None
    store = OxigraphStore(path, BASE)
    for graph, data in graph_data(manifest).items():
        store.replace_graph(graph, [q.triple for q in ox.parse(path=str(data), format=ox.RdfFormat.N_TRIPLES)])
    secret = ox.Triple(
        ox.NamedNode(SECRET), ox.NamedNode(str(RDF.type)), ox.NamedNode("http://xmlns.com/foaf/0.1/Document")
    )
    store.replace_graph(PRIVATE, [secret])
    settings = Settings(store=f"oxigraph:{path}" if path else "memory", query_timeout_s=10)
    runner = make_query_runner(store, settings)
    assert isinstance(runner, ProcessQueryRunner if path else InlineQueryRunner)
    server, thread, url = serve(create_app(settings, store, runner=runner))
    try:
        yield Endpoint(url, store, runner)
    finally:
        server.should_exit = True
        thread.join(10)
        runner.close()
        store.close()


def send(endpoint: Endpoint, exchange: Exchange) -> requests.Response:
    """Send one manifest exchange as written (no Content-Type unless the manifest gives one)."""
    return requests.request(
        exchange.method, endpoint.url + exchange.path, headers=exchange.headers, data=exchange.body, timeout=20
    )


def status_class(status: int) -> str:
    """Return the manifest's name for the class of ``status``, e.g. ``StatusCode2xx``."""
    return f"StatusCode{status // 100}xx"


def boolean_of(response: requests.Response) -> bool:
    """Return the boolean of an ASK result in SPARQL JSON or XML."""
    media = response.headers["content-type"].split(";")[0]
    if media == "application/sparql-results+json":
        return bool(json.loads(response.content)["boolean"])
    match = re.search(r"<boolean>\s*(true|false)\s*</boolean>", response.text)
    assert match, response.text
    return match.group(1) == "true"


def check_as_written(endpoint: Endpoint, manifest: Graph, name: str) -> list[requests.Response]:
    """Run the entry's exchanges and check status class, result format and boolean as the manifest says."""
    responses = []
    for exchange in exchanges(manifest, name):
        response = send(endpoint, exchange)
        assert status_class(response.status_code) in exchange.statuses, (name, response.status_code, response.text)
        media = response.headers.get("content-type", "").split(";")[0]
        if exchange.format == "boolean":
            assert media in BOOLEAN_TYPES, media
        elif exchange.format == "tabular":
            assert media in TABULAR_TYPES, media
        elif exchange.format == "RDF":
            assert media in RDF_TYPES, media
        if exchange.boolean is not None:
            assert boolean_of(response) is exchange.boolean, (name, response.text)
        responses.append(response)
    return responses


def check_refused(endpoint: Endpoint, manifest: Graph, name: str, status: int) -> None:
    """Run an update entry: the update is refused with ``status`` and nothing changes; a follow-up ASK says false."""
    before = endpoint.store.graphs()
    first, *rest = exchanges(manifest, name)
    response = send(endpoint, first)
    assert response.status_code == status, (name, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    if status == 400:
        assert "read-only" in response.json()["detail"]
    assert endpoint.store.graphs() == before
    for follow_up in rest:
        answer = send(endpoint, follow_up)
        assert answer.status_code == 200, answer.text
        assert boolean_of(answer) is False  # the update's effect is absent
    assert endpoint.store.graphs() == before


def check_negative(endpoint: Endpoint, manifest: Graph, name: str, status: int) -> requests.Response:
    """Run a negative entry: the manifest's 4xx, and precisely ``status``, as problem+json."""
    (exchange,) = exchanges(manifest, name)
    before = endpoint.store.graphs()
    response = send(endpoint, exchange)
    assert exchange.statuses == {"StatusCode4xx"}
    assert status_class(response.status_code) in exchange.statuses
    assert response.status_code == status, (name, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert endpoint.store.graphs() == before
    return response


# --- one test per manifest entry, in the manifest's order -----------------------------------------------


def test_query_post_form(endpoint: Endpoint, manifest: Graph) -> None:
    """query via URL-encoded POST (the dataset parameter in the URL, the query in the body)."""
    check_as_written(endpoint, manifest, "query_post_form")


def test_query_dataset_default_graphs_get(endpoint: Endpoint, manifest: Graph) -> None:
    """GET query with protocol-specified default graph."""
    check_as_written(endpoint, manifest, "query_dataset_default_graphs_get")


def test_query_dataset_default_graphs_post(endpoint: Endpoint, manifest: Graph) -> None:
    """POST query with protocol-specified default graphs."""
    check_as_written(endpoint, manifest, "query_dataset_default_graphs_post")


def test_query_dataset_named_graphs_post(endpoint: Endpoint, manifest: Graph) -> None:
    """POST query with protocol-specified named graphs."""
    check_as_written(endpoint, manifest, "query_dataset_named_graphs_post")


def test_query_dataset_named_graphs_get(endpoint: Endpoint, manifest: Graph) -> None:
    """GET query with protocol-specified named graphs."""
    check_as_written(endpoint, manifest, "query_dataset_named_graphs_get")


def test_query_dataset_full(endpoint: Endpoint, manifest: Graph) -> None:
    """query with protocol-specified dataset (both named and default graphs)."""
    check_as_written(endpoint, manifest, "query_dataset_full")


def test_query_multiple_dataset(endpoint: Endpoint, manifest: Graph) -> None:
    """query specifying dataset in both query string and protocol; the protocol-specified dataset is used."""
    check_as_written(endpoint, manifest, "query_multiple_dataset")


def test_query_get(endpoint: Endpoint, manifest: Graph) -> None:
    """query via GET."""
    check_as_written(endpoint, manifest, "query_get")


def test_query_content_type_select(endpoint: Endpoint, manifest: Graph) -> None:
    """query appropriate content type (expect one of: XML, JSON, CSV, TSV); JSON by default."""
    (response,) = check_as_written(endpoint, manifest, "query_content_type_select")
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert response.json()["results"]["bindings"] == [
        {"value": {"type": "literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
    ]


def test_query_content_type_ask(endpoint: Endpoint, manifest: Graph) -> None:
    """query appropriate content type (expect one of: XML, JSON)."""
    check_as_written(endpoint, manifest, "query_content_type_ask")


def test_query_content_type_describe(endpoint: Endpoint, manifest: Graph) -> None:
    """query appropriate content type (expect one of: RDF/XML, Turtle, N-Triples, RDFa); Turtle by default."""
    (response,) = check_as_written(endpoint, manifest, "query_content_type_describe")
    assert response.headers["content-type"].startswith("text/turtle")


def test_query_content_type_construct(endpoint: Endpoint, manifest: Graph) -> None:
    """query appropriate content type (expect one of: RDF/XML, Turtle, N-Triples, RDFa)."""
    (response,) = check_as_written(endpoint, manifest, "query_content_type_construct")
    graph = Graph().parse(data=response.content, format="turtle")
    assert len(graph) == 1  # <s> <p> 1, the relative IRIs resolved against the base IRI


def test_update_dataset_default_graph(endpoint: Endpoint, manifest: Graph) -> None:
    """update with protocol-specified default graph: refused, nothing cleared or inserted."""
    check_refused(endpoint, manifest, "update_dataset_default_graph", 400)


def test_update_dataset_default_graphs(endpoint: Endpoint, manifest: Graph) -> None:
    """update with protocol-specified default graphs: refused, nothing dropped or inserted."""
    check_refused(endpoint, manifest, "update_dataset_default_graphs", 400)


def test_update_dataset_named_graphs(endpoint: Endpoint, manifest: Graph) -> None:
    """update with protocol-specified named graphs: refused, nothing dropped or inserted."""
    check_refused(endpoint, manifest, "update_dataset_named_graphs", 400)


def test_update_dataset_full(endpoint: Endpoint, manifest: Graph) -> None:
    """update with protocol-specified dataset (both named and default graphs): refused."""
    check_refused(endpoint, manifest, "update_dataset_full", 400)


def test_update_post_form(endpoint: Endpoint, manifest: Graph) -> None:
    """update via URL-encoded POST (update=CLEAR+ALL): refused, every graph still there."""
    check_refused(endpoint, manifest, "update_post_form", 400)


def test_update_post_direct(endpoint: Endpoint, manifest: Graph) -> None:
    """update via POST directly (application/sparql-update): refused."""
    check_refused(endpoint, manifest, "update_post_direct", 400)


def test_update_base_uri(endpoint: Endpoint, manifest: Graph) -> None:
    """test for service-defined BASE URI, an update: refused, so the follow-up ASK finds nothing."""
    check_refused(endpoint, manifest, "update_base_uri", 400)


def test_query_post_direct(endpoint: Endpoint, manifest: Graph) -> None:
    """query via POST directly (application/sparql-query)."""
    check_as_written(endpoint, manifest, "query_post_direct")


def test_bad_query_method(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke query operation with a method other than GET or POST: 405 with Allow."""
    response = check_negative(endpoint, manifest, "bad_query_method", 405)
    assert response.headers["allow"] == "GET, POST, OPTIONS"


def test_bad_multiple_queries(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke query operation with more than one query string: 400."""
    response = check_negative(endpoint, manifest, "bad_multiple_queries", 400)
    assert "2 queries" in response.json()["detail"]


def test_bad_query_wrong_media_type(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke query operation with a POST with media type that's not url-encoded or application/sparql-query."""
    check_negative(endpoint, manifest, "bad_query_wrong_media_type", 415)


def test_bad_query_missing_form_type(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke query operation with url-encoded body, but without application/x-www-form-urlencoded media type."""
    check_negative(endpoint, manifest, "bad_query_missing_form_type", 415)


def test_bad_query_missing_direct_type(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke query operation with SPARQL body, but without application/sparql-query media type."""
    check_negative(endpoint, manifest, "bad_query_missing_direct_type", 415)


def test_bad_query_non_utf8(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke query operation with direct POST, but with a non-UTF8 encoding (UTF-16): 400."""
    response = check_negative(endpoint, manifest, "bad_query_non_utf8", 400)
    assert "UTF-8" in response.json()["detail"]
    # The same bytes without the charset parameter are not UTF-8 either.
    bare = requests.post(
        endpoint.url + "/sparql",
        data="ASK {}".encode("utf-16"),
        headers={"content-type": "application/sparql-query"},
        timeout=20,
    )
    assert bare.status_code == 400
    assert "not valid UTF-8" in bare.json()["detail"]


def test_bad_query_syntax(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke query operation with invalid query syntax: 400 carrying the parser's message."""
    response = check_negative(endpoint, manifest, "bad_query_syntax", 400)
    assert "SPARQL syntax error" in response.json()["detail"]
    assert "1:6" in response.json()["detail"]  # the parser's position


def test_bad_update_get(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke update operation with GET: refused as read-only."""
    response = check_negative(endpoint, manifest, "bad_update_get", 400)
    assert "read-only" in response.json()["detail"]


def test_bad_multiple_updates(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke update operation with more than one update string: refused as read-only."""
    check_negative(endpoint, manifest, "bad_multiple_updates", 400)


def test_bad_update_wrong_media_type(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke update operation with a POST with media type that's not url-encoded or application/sparql-update."""
    check_negative(endpoint, manifest, "bad_update_wrong_media_type", 415)


def test_bad_update_missing_form_type(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke update operation with url-encoded body, but without application/x-www-form-urlencoded media type."""
    check_negative(endpoint, manifest, "bad_update_missing_form_type", 415)


def test_bad_update_non_utf8(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke update operation with direct POST, but with a non-UTF8 encoding: refused as read-only."""
    check_negative(endpoint, manifest, "bad_update_non_utf8", 400)


def test_bad_update_syntax(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke update operation with invalid update syntax: refused as read-only."""
    check_negative(endpoint, manifest, "bad_update_syntax", 400)


def test_bad_update_dataset_conflict(endpoint: Endpoint, manifest: Graph) -> None:
    """invoke update with both using-named-graph-uri and a WITH clause: refused as read-only."""
    check_negative(endpoint, manifest, "bad_update_dataset_conflict", 400)


# --- beyond the manifest: the same exchanges, our own guarantees ---------------------------------------


def test_every_manifest_entry_has_its_test(manifest: Graph) -> None:
    """Each of the manifest's 34 entries is mapped to a test of the same name."""
    names = entry_names(manifest)
    assert len(names) == 34
    missing = [name for name in names if f"test_{name}" not in globals()]
    assert missing == []


def test_update_text_sent_as_a_query_is_refused(endpoint: Endpoint) -> None:
    """An update smuggled in as ``query=`` is refused as read-only, never parsed as a query error."""
    before = endpoint.store.graphs()
    for text in ("CLEAR ALL", "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }", "DROP ALL"):
        response = requests.get(endpoint.url + "/sparql", params={"query": text}, timeout=20)
        assert response.status_code == 400
        assert response.json()["detail"] == "this endpoint is read-only: SPARQL Update is not accepted"
    assert endpoint.store.graphs() == before


def test_union_default_graph_without_protocol_dataset(endpoint: Endpoint) -> None:
    """With no dataset named, the default graph is the union of the public graphs (the private one left out)."""
    query = "SELECT ?doc WHERE { ?doc a <http://xmlns.com/foaf/0.1/Document> } ORDER BY ?doc"
    response = requests.get(endpoint.url + "/sparql", params={"query": query}, timeout=20)
    docs = [row["doc"]["value"] for row in response.json()["results"]["bindings"]]
    assert docs == [f"http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 2, 3)]


def test_protocol_dataset_naming_a_private_graph_reads_nothing(endpoint: Endpoint) -> None:
    """A private graph named as default or named graph is treated as a graph that does not exist."""
    ask = f"ASK {{ <{SECRET}> ?p ?o }}"
    graph_ask = f"ASK {{ GRAPH ?g {{ <{SECRET}> ?p ?o }} }}"
    for params in (
        {"query": ask, "default-graph-uri": PRIVATE},
        {"query": graph_ask, "named-graph-uri": PRIVATE},
        {"query": f"ASK FROM <{PRIVATE}> {{ <{SECRET}> ?p ?o }}"},
        {"query": f"ASK FROM NAMED <{PRIVATE}> {{ GRAPH ?g {{ <{SECRET}> ?p ?o }} }}"},
    ):
        response = requests.get(endpoint.url + "/sparql", params=params, timeout=20)
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is False, params

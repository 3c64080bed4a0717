"""The /sparql endpoint with real clients over HTTP: SPARQLWrapper and rdflib's SPARQLStore, every result format,
runaway queries, the result cap, private graphs, body size, CORS and the HTML page.

The endpoint runs in a live uvicorn server on 127.0.0.1 over an on-disk store (worker processes); the
private-graph tests also run it over a memory store and over a real Oxigraph server (threads), whose dataset
goes through the query text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
import requests
import uvicorn
from fastapi import FastAPI
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from api.app import create_app
from api.routes.sparql import TRUNCATED_HEADER
from cnc_graph.errors import InputError, QueryTimeout
from cnc_graph.settings import Settings
from cnc_graph.sparql.evaluate import only_public_graphs
from cnc_graph.sparql.examples import examples
from cnc_graph.sparql.runner import InlineQueryRunner, QueryRunner, make_query_runner
from cnc_graph.sparql.workers import ProcessQueryRunner
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.protocol import GraphStore
from cnc_graph.store.remote import SparqlEndpointStore
from tests import servers
from tests.conftest import BASE

TIMEOUT_S = 2.0
RESULT_LIMIT = 1000
MAX_BODY = 4096
BIG_SIZE = 3000
PUBLIC = BASE + "graph/framework/test"
BIG = BASE + "graph/big"
PRIVATE = BASE + "graph/private/accounts"
STAGING = BASE + "graph/staging/framework/test"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COMMENT = 'first line\nsecond line, with "quotes"\tand a tab'

FRAMEWORK_TTL = """
@prefix cnc: <https://w3id.org/cnc-ma/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<framework/t> a cnc:Framework ; skos:notation "t" ; skos:prefLabel "Cadre de test"@fr .
<framework/t/level/1> a cnc:Level ; skos:inScheme <framework/t> ; skos:notation "1" ; cnc:levelNumber 1 ;
    skos:prefLabel "Niveau 1"@fr , "المستوى 1"@ar , "Level 1"@en ;
    rdfs:comment "first line\\nsecond line, with \\"quotes\\"\\tand a tab" ;
    cnc:hasDescriptor [ cnc:descriptorText "knows basic facts"@en ] .
<framework/t/level/2> a cnc:Level ; skos:inScheme <framework/t> ; skos:notation "2" ; cnc:levelNumber 2 ;
    skos:prefLabel "Niveau 2"@fr , "المستوى 2"@ar , "Level 2"@en .
"""
SELECT_LEVELS = """SELECT ?level ?number ?label
WHERE { ?level a cnc:Level ; cnc:levelNumber ?number ; skos:prefLabel ?label }
ORDER BY ?number ?label"""
EXPECTED_LEVELS = [
    (f"{BASE}framework/t/level/{n}", str(n), label, lang)
    for n in (1, 2)
    for label, lang in sorted([(f"Level {n}", "en"), (f"Niveau {n}", "fr"), (f"المستوى {n}", "ar")])
]
CONSTRUCT_LEVEL = "CONSTRUCT { ?level ?p ?o } WHERE { ?level a cnc:Level ; cnc:levelNumber 2 ; ?p ?o }"


def store_graphs() -> dict[str, list[ox.Triple]]:
    """Return the graphs of the test store: a framework, 3000 numbered items, and a private and a staging graph."""
    framework = [q.triple for q in ox.parse(FRAMEWORK_TTL, format=ox.RdfFormat.TURTLE, base_iri=BASE)]
    value = ox.NamedNode("http://example.org/value")
    big = [ox.Triple(ox.NamedNode(f"{BASE}item/{i}"), value, ox.Literal(str(i), datatype=ox.NamedNode(XSD_INTEGER)))
           for i in range(BIG_SIZE)]  # fmt: skip
    secret = ox.Triple(ox.NamedNode(BASE + "account/1"), ox.NamedNode("http://xmlns.com/foaf/0.1/mbox"),
                       ox.Literal("secret@example.org"))  # fmt: skip
    staged = ox.Triple(ox.NamedNode(BASE + "framework/t"), ox.NamedNode("http://example.org/draft"),
                       ox.Literal("staged secret"))  # fmt: skip
    return {PUBLIC: framework, BIG: big, PRIVATE: [secret], STAGING: [staged]}


def fill(store: GraphStore) -> None:
    """Load the test graphs into ``store``."""
    for graph, triples in store_graphs().items():
        store.replace_graph(graph, triples)


# --- the live endpoint ----------------------------------------------------------------------------------


@dataclass
class Endpoint:
    """A live server: the SPARQL URL, the store behind it, and its runner."""

    url: str
    store: GraphStore
    runner: QueryRunner

    def get(self, query: str, **kwargs: object) -> requests.Response:
        """Send ``query`` by GET with extra ``params``/``headers``."""
        params = {"query": query} | dict(kwargs.pop("params", {}) or {})  # type: ignore[call-overload]
        return requests.get(self.url, params=params, timeout=20, **kwargs)  # type: ignore[arg-type]


@dataclass
class _Served:
    server: uvicorn.Server
    thread: threading.Thread
    url: str


def serve(app: FastAPI) -> _Served:
    """Start uvicorn on a free port of 127.0.0.1 in a thread; return once it accepts connections."""
    port = servers.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="uvicorn-sparql", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return _Served(server, thread, f"http://127.0.0.1:{port}/sparql")


def stop(served: _Served) -> None:
    """Stop a server started by ``serve``."""
    served.server.should_exit = True
    served.thread.join(10)


def settings_for(selector: str) -> Settings:
    """Return the test settings: 2 s timeout, 1000 results, 4 KB bodies."""
    return Settings(store=selector, query_timeout_s=TIMEOUT_S, result_limit=RESULT_LIMIT, max_body_bytes=MAX_BODY)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """The endpoint over an on-disk store, with worker processes (the production set-up)."""
    path = tmp_path_factory.mktemp("endpoint") / "store"
    store = OxigraphStore(path, BASE)
    fill(store)
    runner = make_query_runner(store, settings_for(f"oxigraph:{path}"))
    assert isinstance(runner, ProcessQueryRunner)
    served = serve(create_app(settings_for(f"oxigraph:{path}"), store, runner=runner))
    try:
        yield Endpoint(served.url, store, runner)
    finally:
        stop(served)
        runner.close()
        store.close()


@pytest.fixture(scope="module")
def memory_endpoint() -> Iterator[Endpoint]:
    """The endpoint over a memory store (threads)."""
    store = OxigraphStore(None, BASE)
    fill(store)
    runner = make_query_runner(store, settings_for("memory"))
    assert isinstance(runner, InlineQueryRunner)
    served = serve(create_app(settings_for("memory"), store, runner=runner))
    yield Endpoint(served.url, store, runner)
    stop(served)


@pytest.fixture(scope="module")
def remote_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """The endpoint over a real Oxigraph server (threads; the dataset travels in the query text)."""
    failure = None
    try:
        with servers.oxigraph_server(tmp_path_factory.mktemp("oxigraph-server")) as running:
            store = SparqlEndpointStore(running.selector, BASE, timeout_s=10, retries=1, backoff_s=0.05)
            fill(store)
            runner = make_query_runner(store, settings_for(running.selector))
            assert isinstance(runner, InlineQueryRunner)
            served = serve(create_app(settings_for(running.selector), store, runner=runner))
            yield Endpoint(served.url, store, runner)
            stop(served)
            store.close()
    except servers.ServerUnavailable as exc:
        failure = str(exc)
    if failure:
        pytest.fail(f"cannot start the Oxigraph server: {failure}", pytrace=False)


@pytest.fixture(params=["process", "memory", "remote"])
def any_endpoint(request: pytest.FixtureRequest) -> Endpoint:
    """The endpoint over each kind of store."""
    name = {"process": "live", "memory": "memory_endpoint", "remote": "remote_endpoint"}[request.param]
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def wrapper(endpoint: Endpoint, query: str, fmt: str, only_conneg: bool = True) -> SPARQLWrapper:
    """Return a SPARQLWrapper client for ``query`` asking for ``fmt``."""
    client = SPARQLWrapper(endpoint.url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setOnlyConneg(only_conneg)
    client.setTimeout(20)
    return client


# --- SELECT, ASK and CONSTRUCT in every format, through SPARQLWrapper --------------------------------


def _levels_from_json(document: dict) -> list[tuple[str, str, str, str]]:  # type: ignore[type-arg]
    rows = document["results"]["bindings"]
    assert all(row["number"]["datatype"] == XSD_INTEGER for row in rows)
    return [(r["level"]["value"], r["number"]["value"], r["label"]["value"], r["label"]["xml:lang"]) for r in rows]


def _levels_from_xml(document: Document) -> list[tuple[str, str, str, str]]:
    rows = []
    for result in document.getElementsByTagName("result"):
        cells = {b.getAttribute("name"): b for b in result.getElementsByTagName("binding")}
        label = cells["label"].getElementsByTagName("literal")[0]
        rows.append(
            (
                cells["level"].getElementsByTagName("uri")[0].firstChild.data,  # type: ignore[union-attr]
                cells["number"].getElementsByTagName("literal")[0].firstChild.data,  # type: ignore[union-attr]
                label.firstChild.data,  # type: ignore[union-attr]
                label.getAttribute("xml:lang"),
            )
        )
    return rows


def test_sparqlwrapper_select_in_json_xml_csv_and_tsv(live: Endpoint) -> None:
    """SELECT answers are the same rows in SPARQL JSON, XML, CSV and TSV."""
    assert _levels_from_json(wrapper(live, SELECT_LEVELS, JSON).query().convert()) == EXPECTED_LEVELS
    assert _levels_from_xml(wrapper(live, SELECT_LEVELS, XML).query().convert()) == EXPECTED_LEVELS

    answer = wrapper(live, SELECT_LEVELS, CSV).query()
    assert answer.response.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(answer.convert().decode("utf-8"))))
    assert table[0] == ["level", "number", "label"]
    assert [tuple(row) for row in table[1:]] == [(iri, n, label) for iri, n, label, _ in EXPECTED_LEVELS]

    answer = wrapper(live, SELECT_LEVELS, TSV).query()
    assert answer.response.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    lines = answer.convert().decode("utf-8").splitlines()
    assert lines[0] == "?level\t?number\t?label"
    expected = [f'<{iri}>\t"{n}"^^<{XSD_INTEGER}>\t"{label}"@{lang}' for iri, n, label, lang in EXPECTED_LEVELS]
    assert lines[1:] == expected


def test_sparqlwrapper_ask_in_json_and_xml(live: Endpoint) -> None:
    """ASK answers true and false in SPARQL JSON and XML."""
    yes = "ASK { ?l a cnc:Level ; skos:prefLabel 'Niveau 1'@fr }"
    no = "ASK { ?l a cnc:Level ; skos:prefLabel 'Niveau 9'@fr }"
    assert wrapper(live, yes, JSON).query().convert()["boolean"] is True
    assert wrapper(live, no, JSON).query().convert()["boolean"] is False
    xml = wrapper(live, yes, XML).query().convert()
    assert xml.getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[union-attr]


def expected_level_graph() -> Graph:
    """Return what CONSTRUCT_LEVEL must give: every triple about level 2."""
    level = ox.NamedNode(BASE + "framework/t/level/2")
    triples = [t for t in store_graphs()[PUBLIC] if t.subject == level]
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


@pytest.mark.parametrize(
    ("fmt", "accept", "media", "parser"),
    [
        (TURTLE, None, "text/turtle", "turtle"),
        (N3, "application/n-triples", "application/n-triples", "nt"),
        (JSONLD, None, "application/ld+json", "json-ld"),
        (RDFXML, None, "application/rdf+xml", "xml"),
    ],
)
def test_sparqlwrapper_construct_in_every_rdf_format(
    live: Endpoint, fmt: str, accept: str | None, media: str, parser: str
) -> None:
    """CONSTRUCT answers the same graph in Turtle, N-Triples, JSON-LD and RDF/XML."""
    client = wrapper(live, CONSTRUCT_LEVEL, fmt)
    if accept:
        client.addCustomHttpHeader("Accept", accept)
    answer = client.query()
    assert answer.response.headers["content-type"].split(";")[0] == media
    graph = Graph().parse(data=answer.response.read(), format=parser)
    assert len(graph) == 7
    assert isomorphic(graph, expected_level_graph())


def test_sparqlwrapper_format_parameters_are_understood(live: Endpoint) -> None:
    """SPARQLWrapper's own format=/output= parameters (no onlyConneg) pick the same formats."""
    document = wrapper(live, SELECT_LEVELS, JSON, only_conneg=False).query().convert()
    assert _levels_from_json(document) == EXPECTED_LEVELS
    graph = wrapper(live, CONSTRUCT_LEVEL, RDFXML, only_conneg=False).query().convert()
    assert isomorphic(Graph() + graph, expected_level_graph())
    graph = wrapper(live, CONSTRUCT_LEVEL, JSONLD, only_conneg=False).query().convert()
    assert isomorphic(Graph() + graph, expected_level_graph())
    tsv = wrapper(live, SELECT_LEVELS, TSV, only_conneg=False).query().convert().decode("utf-8")
    assert tsv.splitlines()[0] == "?level\t?number\t?label"


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize("fmt", ["xml", "json", "csv", "tsv"])
def test_rdflib_sparqlstore_select(live: Endpoint, method: str, fmt: str) -> None:
    """rdflib's SPARQLStore reads SELECT rows in every results format, by GET, direct POST and form POST."""
    graph = Graph(store=SPARQLStore(live.url, returnFormat=fmt, method=method))
    rows = list(graph.query(SELECT_LEVELS))
    assert [(str(r.level), str(r.number), str(r.label)) for r in rows] == [e[:3] for e in EXPECTED_LEVELS]
    if fmt != "csv":  # CSV has no language tags
        assert [r.label.language for r in rows] == [e[3] for e in EXPECTED_LEVELS]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_rdflib_sparqlstore_ask_and_construct(live: Endpoint, fmt: str) -> None:
    """rdflib's SPARQLStore gets ASK answers, and CONSTRUCT graphs as RDF/XML."""
    graph = Graph(store=SPARQLStore(live.url, returnFormat=fmt))
    assert graph.query("ASK { ?l a cnc:Level }").askAnswer is True
    assert graph.query("ASK { ?l a cnc:Nothing }").askAnswer is False
    constructed = Graph(store=SPARQLStore(live.url, returnFormat="xml")).query(CONSTRUCT_LEVEL).graph
    assert isomorphic(Graph() + constructed, expected_level_graph())


# --- result formats in detail ---------------------------------------------------------------------------


def test_json_results_carry_language_datatype_and_blank_nodes(live: Endpoint) -> None:
    """SPARQL JSON follows the W3C format: xml:lang, datatype (none for xsd:string), bnode, unbound left out."""
    query = """SELECT ?d ?text ?comment ?none WHERE {
      <framework/t/level/1> cnc:hasDescriptor ?d ; rdfs:comment ?comment . ?d cnc:descriptorText ?text }"""
    response = live.get(query)
    assert response.headers["content-type"] == "application/sparql-results+json"
    document = response.json()
    assert document["head"]["vars"] == ["d", "text", "comment", "none"]
    (row,) = document["results"]["bindings"]
    assert row["d"]["type"] == "bnode"
    assert row["text"] == {"type": "literal", "value": "knows basic facts", "xml:lang": "en"}
    assert row["comment"] == {"type": "literal", "value": COMMENT}
    assert "none" not in row


def test_csv_and_tsv_escape_newlines_quotes_and_tabs(live: Endpoint) -> None:
    """A literal with a newline, quotes, a comma and a tab survives CSV (quoted) and TSV (escaped) intact."""
    query = "SELECT ?comment WHERE { <framework/t/level/1> rdfs:comment ?comment }"
    text = live.get(query, params={"format": "csv"}).content.decode("utf-8")
    assert text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text))) == [["comment"], [COMMENT]]
    tsv = live.get(query, params={"format": "tsv"}).text
    assert tsv == '?comment\n"first line\\nsecond line, with \\"quotes\\"\\tand a tab"\n'


def test_format_parameter_overrides_accept(live: Endpoint) -> None:
    """format= wins over Accept; an unknown format is a 400."""
    json_accept = {"accept": "application/sparql-results+json"}
    response = live.get(SELECT_LEVELS, params={"format": "xml"}, headers=json_accept)
    assert response.headers["content-type"] == "application/sparql-results+xml"
    response = live.get(CONSTRUCT_LEVEL, params={"format": "nt"}, headers={"accept": "text/turtle"})
    assert response.headers["content-type"] == "application/n-triples"
    response = live.get(SELECT_LEVELS, params={"format": "yaml"})
    assert response.status_code == 400
    assert "unknown format" in response.json()["detail"]


def test_an_accept_header_allowing_no_result_format_is_406(live: Endpoint) -> None:
    """A SELECT asked as Turtle, or a CONSTRUCT asked as CSV, is 406 and says what is available."""
    response = live.get(SELECT_LEVELS, headers={"accept": "text/turtle"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.json()["detail"]
    response = live.get(CONSTRUCT_LEVEL, headers={"accept": "text/csv, image/png;q=0.5"})
    assert response.status_code == 406
    assert live.get(SELECT_LEVELS, headers={"accept": "application/*"}).status_code == 200
    assert live.get(CONSTRUCT_LEVEL, headers={"accept": "*/*"}).headers["content-type"].startswith("text/turtle")


# --- runaway queries ------------------------------------------------------------------------------------


def test_runaway_query_is_stopped_and_the_server_keeps_answering(live: Endpoint) -> None:
    """A four-way cross join over 3000 triples gets a 503 naming the limit within timeout + 1 s; meanwhile and
    afterwards other queries are answered at once."""
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        runaway = pool.submit(live.get, RUNAWAY)
        time.sleep(0.3)
        during = time.monotonic()
        answer = live.get("ASK { ?l a cnc:Level }")
        during = time.monotonic() - during
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert during < 1.0, f"a query during the runaway took {during:.2f} s"
        response = runaway.result(timeout=TIMEOUT_S + 10)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["detail"] == (
        f"the query ran longer than {TIMEOUT_S:g} s and was stopped; add LIMIT or narrow the pattern"
    )
    assert problem["timeout_s"] == TIMEOUT_S
    assert elapsed < TIMEOUT_S + 1.0, f"the timeout answer came after {elapsed:.2f} s"
    after = time.monotonic()
    response = live.get("SELECT (COUNT(*) AS ?n) WHERE { ?s a cnc:Level }")
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "2"
    assert time.monotonic() - after < 1.0
    print(f"\nrunaway answered 503 after {elapsed:.2f} s; a query during it took {during:.3f} s")


def test_inline_runner_times_out_and_leaves_the_thread_to_finish() -> None:
    """On a memory store the timed-out query's thread cannot be killed: the caller gets QueryTimeout on time,
    other queries still run, and the thread ends by itself."""
    store = OxigraphStore(None, BASE)
    store.replace_graph(BIG, store_graphs()[BIG][:220])
    runner = InlineQueryRunner(store, timeout_s=0.3, result_limit=RESULT_LIMIT)
    bounded = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 10 million rows: about a second
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="longer than 0.3 s"):
        runner.run(bounded, [])
    assert time.monotonic() - started < 1.3
    assert runner.run("ASK { ?s ?p ?o }", []).body == b'{"head":{},"boolean":true}'
    leftovers = [thread for thread in threading.enumerate() if thread.name == "cnc-sparql-query"]
    assert leftovers, "the timed-out query's thread should still be running"
    for thread in leftovers:
        thread.join(30)
        assert not thread.is_alive()


# --- the cap --------------------------------------------------------------------------------------------


def test_results_are_capped_and_say_so(live: Endpoint) -> None:
    """SELECT rows and CONSTRUCT triples stop at result_limit, with X-CNC-Results-Truncated: true."""
    response = live.get("SELECT ?s ?v WHERE { ?s <http://example.org/value> ?v }")
    assert response.headers[TRUNCATED_HEADER] == "true"
    assert len(response.json()["results"]["bindings"]) == RESULT_LIMIT
    response = live.get("CONSTRUCT WHERE { ?s <http://example.org/value> ?v }", params={"format": "nt"})
    assert response.headers[TRUNCATED_HEADER] == "true"
    assert len(response.text.splitlines()) == RESULT_LIMIT
    response = live.get("SELECT ?s WHERE { ?s <http://example.org/value> ?v } LIMIT 1000")
    assert TRUNCATED_HEADER not in response.headers
    response = live.get("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/value> ?v }")
    assert response.json()["results"]["bindings"][0]["n"]["value"] == str(BIG_SIZE)


# --- private graphs -------------------------------------------------------------------------------------

PRIVATE_PROBES = [
    ("default dataset", "SELECT * WHERE { ?s ?p 'secret@example.org' }", {}),
    ("default dataset, staged", "SELECT * WHERE { ?s ?p 'staged secret' }", {}),
    ("GRAPH ?g", "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), '/graph/private/')) }", {}),
    ("GRAPH ?g, staged", "SELECT ?g WHERE { GRAPH ?g { ?s ?p 'staged secret' } }", {}),
    ("GRAPH <private>", f"SELECT * WHERE {{ GRAPH <{PRIVATE}> {{ ?s ?p ?o }} }}", {}),
    ("named-graph-uri", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": PRIVATE}),
    ("named-graph-uri, staged", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": STAGING}),
    ("default-graph-uri", "SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": PRIVATE}),
    ("FROM", f"SELECT * FROM <{PRIVATE}> WHERE {{ ?s ?p ?o }}", {}),
    ("FROM, relative", "SELECT * FROM <graph/private/accounts> WHERE { ?s ?p ?o }", {}),
    ("FROM NAMED", f"SELECT * FROM NAMED <{PRIVATE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
    (
        "FROM public + FROM NAMED private",
        f"SELECT * FROM <{PUBLIC}> FROM NAMED <{PRIVATE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        {},
    ),  # noqa: E501
    (
        "public and private named",
        "SELECT ?s WHERE { GRAPH ?g { ?s ?p 'secret@example.org' } }",
        {"named-graph-uri": [PUBLIC, PRIVATE]},
    ),  # fmt: skip
]


@pytest.mark.parametrize(("what", "query", "params"), PRIVATE_PROBES, ids=[p[0] for p in PRIVATE_PROBES])
def test_private_graphs_are_never_readable(any_endpoint: Endpoint, what: str, query: str, params: dict) -> None:  # type: ignore[type-arg]
    """No query shape and no protocol dataset reads a private or staging graph."""
    response = any_endpoint.get(query, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == [], what
    described = any_endpoint.get(f"DESCRIBE <{BASE}account/1>", params={"format": "nt"})
    assert described.text.strip() == ""


def test_protocol_dataset_selects_among_public_graphs(any_endpoint: Endpoint) -> None:
    """default-graph-uri and FROM narrow the dataset to the named public graphs."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    big = any_endpoint.get(count, params={"default-graph-uri": BIG}).json()
    assert big["results"]["bindings"][0]["n"]["value"] == str(BIG_SIZE)
    framework = any_endpoint.get(f"SELECT (COUNT(*) AS ?n) FROM <{PUBLIC}> WHERE {{ ?s ?p ?o }}").json()
    assert framework["results"]["bindings"][0]["n"]["value"] == str(len(store_graphs()[PUBLIC]))
    both = any_endpoint.get(count).json()["results"]["bindings"][0]["n"]["value"]
    assert int(both) == BIG_SIZE + len(store_graphs()[PUBLIC])


def test_protocol_dataset_applies_to_every_query_form(any_endpoint: Endpoint) -> None:
    """default-graph-uri narrows ASK, both CONSTRUCT forms, DESCRIBE and a SELECT with EXISTS alike."""
    public = {"default-graph-uri": PUBLIC}
    level, item = f"<{BASE}framework/t/level/2>", f"<{BASE}item/1>"

    def lines(query: str) -> int:
        response = any_endpoint.get(query, params=public | {"format": "nt"})
        assert response.status_code == 200, response.text
        return len(response.text.splitlines())

    assert any_endpoint.get(f"ASK {{ {level} ?p ?o }}", params=public).json()["boolean"] is True
    assert any_endpoint.get(f"ASK {{ {item} ?p ?o }}", params=public).json()["boolean"] is False
    assert lines(f"CONSTRUCT {{ {level} ?p ?o }} WHERE {{ {level} ?p ?o }}") == 7
    assert lines(f"CONSTRUCT WHERE {{ {item} ?p ?o }}") == 0
    assert lines(f"DESCRIBE {level}") == 7
    assert lines(f"DESCRIBE {item}") == 0
    exists = any_endpoint.get(f"SELECT (EXISTS {{ {item} ?p ?o }} AS ?e) WHERE {{}}", params=public).json()
    assert exists["results"]["bindings"][0]["e"]["value"] == "false"


def test_endpoint_sees_committed_writes(live: Endpoint) -> None:
    """A write to the store after the workers started is visible to the next query (workers reopen)."""
    query = "ASK { <http://example.org/late> ?p ?o }"
    assert live.get(query).json()["boolean"] is False
    late = ox.Triple(ox.NamedNode("http://example.org/late"), ox.NamedNode("http://example.org/p"), ox.Literal("x"))
    assert isinstance(live.store, OxigraphStore)
    live.store.replace_graph(BASE + "graph/late", [late])
    for _ in range(3):  # every worker of the pool, whichever answers
        assert live.get(query).json()["boolean"] is True


def test_queries_during_writes_always_answer(live: Endpoint) -> None:
    """Queries sent while the store is being rewritten never fail and never go back in time; checkpoints are
    pruned as the workers move on."""
    assert isinstance(live.store, OxigraphStore) and isinstance(live.runner, ProcessQueryRunner)
    churn = BASE + "graph/churn"
    p = ox.NamedNode("http://example.org/n")
    done = threading.Event()

    def write() -> None:
        try:
            for n in range(1, 21):
                live.store.replace_graph(churn, [ox.Triple(ox.NamedNode(f"{BASE}churn/{i}"), p, ox.Literal("x"))
                                                 for i in range(n)])  # fmt: skip
                time.sleep(0.02)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    counts = []
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{churn}> {{ ?s ?p ?o }} }}"
    while not done.is_set():
        response = live.get(count)
        assert response.status_code == 200, response.text
        counts.append(int(response.json()["results"]["bindings"][0]["n"]["value"]))
    writer.join()
    final = live.get(count).json()["results"]["bindings"][0]["n"]["value"]
    assert final == "20"
    assert counts == sorted(counts) and len(counts) > 3
    snapshots = live.runner._snapshots
    assert snapshots is not None and len(list(snapshots.root.iterdir())) <= live.runner.size + 1


def test_checkpoints_hold_the_public_graphs_only(tmp_path: Path) -> None:
    """The checkpoint the workers read has no private or staging graph (so its union default graph is the
    public one); the live store keeps them."""
    store = OxigraphStore(tmp_path / "store", BASE)
    fill(store)
    runner = ProcessQueryRunner(store, timeout_s=TIMEOUT_S, result_limit=RESULT_LIMIT, workers=1)
    try:
        assert runner._snapshots is not None
        checkpoint = ox.Store.read_only(runner._snapshots.current())
        assert {g.value for g in checkpoint.named_graphs()} == {PUBLIC, BIG}  # type: ignore[union-attr]
        assert only_public_graphs(checkpoint, BASE)
        del checkpoint
        assert {PRIVATE, STAGING} <= set(store.graphs())
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        body = json.loads(runner.run(count, []).body)
        public_triples = len(store_graphs()[PUBLIC]) + BIG_SIZE
        assert body["results"]["bindings"][0]["n"]["value"] == str(public_triples)
    finally:
        runner.close()
        store.close()


def test_process_runner_removes_its_checkpoints(tmp_path: Path) -> None:
    """close() removes the runner's checkpoints; a new runner removes those left by a dead process."""
    store = OxigraphStore(tmp_path / "store", BASE)
    store.replace_graph(PUBLIC, store_graphs()[PUBLIC])
    stale = tmp_path / ".cnc-sparql-snapshots-999999999-abc"
    (stale / "generation-1-1").mkdir(parents=True)
    runner = ProcessQueryRunner(store, timeout_s=TIMEOUT_S, result_limit=RESULT_LIMIT, workers=1)
    try:
        assert not stale.exists()
        assert runner.run("ASK { ?s a cnc:Level }", []).body == b'{"head":{},"boolean":true}'
        assert runner._snapshots is not None
        root = runner._snapshots.root
        assert root.parent == tmp_path
    finally:
        runner.close()
        store.close()
    assert not root.exists()


# --- protocol edges -------------------------------------------------------------------------------------


def test_oversized_body_is_refused_with_413(live: Endpoint) -> None:
    """A body over max_body_bytes is 413, by its Content-Length and, when chunked, by what is read."""
    query = "ASK { " + " ".join(f"<http://example.org/{i}> ?p ?o ." for i in range(300)) + " }"
    assert len(query) > MAX_BODY
    response = requests.post(live.url, data=query.encode(), headers={"content-type": "application/sparql-query"})
    assert response.status_code == 413
    assert response.json()["status"] == 413

    def chunks() -> Iterator[bytes]:
        data = query.encode()
        for start in range(0, len(data), 1024):
            yield data[start : start + 1024]

    response = requests.post(live.url, data=chunks(), headers={"content-type": "application/sparql-query"})
    assert response.status_code == 413
    form = requests.post(live.url, data={"query": query}, timeout=20)
    assert form.status_code == 413
    small = requests.post(live.url, data=b"ASK {}", headers={"content-type": "application/sparql-query"})
    assert small.status_code == 200


def test_cors_allows_cross_origin_get_and_post(live: Endpoint) -> None:
    """A cross-origin GET carries Access-Control-Allow-Origin; the POST preflight is answered."""
    response = live.get("ASK {}", headers={"origin": "https://partner.example"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = requests.options(
        live.url,
        headers={
            "origin": "https://partner.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
        timeout=20,
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    plain = requests.options(live.url, timeout=20)
    assert plain.status_code == 204 and plain.headers["allow"] == "GET, POST, OPTIONS"


def test_missing_query_is_400_except_for_a_browser(live: Endpoint) -> None:
    """No query: 400 problem for a client, the query page with its examples for a browser."""
    response = requests.get(live.url, timeout=20)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = requests.get(live.url, headers={"accept": browser}, timeout=20)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<textarea id="query" name="query"' in page.text
    assert all(e.title("fr")[0] in unescape(page.text) for e in examples())  # French: no Accept-Language
    head, body = page.text.split("</head>")
    assert '<link rel="stylesheet" href="/static/cnc.css">' in head and '<script src="/static/sparql.js">' in body
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', head))  # every asset is our own
    assert len(examples()) >= 6


def test_browser_query_gets_an_html_table(live: Endpoint) -> None:
    """A query with Accept preferring HTML is rendered as a table; a bad one as the page with the error."""
    browser = {"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "accept-language": "en"}
    page = live.get(SELECT_LEVELS, headers=browser)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    header = '<th scope="col" dir="ltr">level</th><th scope="col" dir="ltr">number</th><th scope="col" dir="ltr">label'
    assert header in page.text
    assert "المستوى 1" in page.text and "6 row(s)" in page.text
    graph = live.get(CONSTRUCT_LEVEL, headers=browser)
    assert '<th scope="col" dir="ltr">subject</th>' in graph.text and "7 row(s)" in graph.text
    french = live.get(SELECT_LEVELS, headers=browser | {"accept-language": "fr"})
    assert "6 ligne(s)" in french.text
    error = live.get("SELECT * WHERE {", headers=browser)
    assert error.status_code == 400 and "SPARQL syntax error" in error.text
    assert live.get(SELECT_LEVELS, params={"format": "html"}).headers["content-type"].startswith("text/html")


def test_example_queries_all_run(live: Endpoint) -> None:
    """Every example of the query page is a valid read-only query (on this small store, results may be empty)."""
    for example in examples():  # as written (the endpoint declares the prefixes) and with its declarations
        for query in (example.query, example.declared(BASE)):
            response = live.get(query)
            assert response.status_code == 200, (example.key, response.text)


def test_service_and_updates_are_refused(live: Endpoint) -> None:
    """SERVICE would make the server fetch any URL: refused; update text and parameters are read-only errors."""
    response = live.get("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }")
    assert response.status_code == 400 and "SERVICE" in response.json()["detail"]
    response = requests.post(live.url, data={"update": "CLEAR ALL"}, timeout=20)
    assert response.status_code == 400 and "read-only" in response.json()["detail"]
    with pytest.raises(InputError, match="read-only"):
        live.runner.run("DELETE WHERE { ?s ?p ?o }", [])
    assert live.get("ASK { ?s a cnc:Level }").json()["boolean"] is True


def test_example_queries_answer_on_the_shipped_graph(built_store: OxigraphStore) -> None:
    """On the graph built from the shipped data, each example returns rows (through the memory runner)."""
    runner = InlineQueryRunner(built_store, timeout_s=20, result_limit=RESULT_LIMIT)
    for example in examples():
        title, query = example.key, example.declared(built_store.base_iri)
        output = runner.run(query, ["application/sparql-results+json", "application/n-triples"])
        if output.kind == "select":
            assert json.loads(output.body)["results"]["bindings"], title
        else:
            assert output.body.strip(), title

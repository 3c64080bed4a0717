"""The store contract on every backend: embedded pyoxigraph, a real Oxigraph server and a real Virtuoso 7.

The servers are started once per session by ``tests/servers.py``; each test starts from no graph of ours.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

from cnc_graph.errors import InputError, StoreError
from cnc_graph.iris import XSD
from cnc_graph.sparql.text import strip_dataset_clauses
from cnc_graph.store import remote as remote_store
from cnc_graph.store import virtuoso as virtuoso_quirks
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.endpoints import Endpoints, parse_endpoints
from cnc_graph.store.protocol import GraphStore, RemoteTriples
from cnc_graph.store.remote import QueryRejected, SparqlEndpointStore
from cnc_graph.store.selector import open_store, parse_selector
from tests import servers
from tests.conftest import BASE, run_cli

pytestmark = pytest.mark.servers

G = BASE + "graph/test"
OTHER = BASE + "graph/other"
PRIVATE = BASE + "graph/private/accounts"
EX = "http://example.org/"
BACKENDS = ["embedded", "oxigraph-server", "virtuoso"]
REMOTES = ["oxigraph-server", "virtuoso"]


def triple(value: str, predicate: str = "p") -> ox.Triple:
    return ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + predicate), ox.Literal(value))


def values(store: GraphStore, public_only: bool = True) -> set[str]:
    rows = store.query("SELECT ?o WHERE { ?s ?p ?o }", public_only=public_only)
    return {row["o"].value for row in rows}  # type: ignore[union-attr]


# --- servers and stores -------------------------------------------------------------------------


@contextmanager
def _started(
    start: Callable[[Path], AbstractContextManager[servers.RunningServer]], workdir: Path
) -> Iterator[servers.RunningServer]:
    failure = None
    try:
        with start(workdir) as server:
            print(f"\n{server.name} answered after {server.started_in_s:.1f} s at {server.http_url}")
            yield server
    except servers.ServerUnavailable as exc:
        failure = str(exc)
    if failure:  # outside the except block, so that pytest shows this message alone
        pytest.fail(f"cannot start the test server: {failure}", pytrace=False)


@pytest.fixture(scope="session")
def oxigraph_selector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The selector of an Oxigraph server started for this session."""
    with _started(servers.oxigraph_server, tmp_path_factory.mktemp("oxigraph")) as server:
        yield server.selector


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningServer]:
    """A Virtuoso 7 server started for this session."""
    with _started(servers.virtuoso_server, tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_selector(virtuoso: servers.RunningServer) -> str:
    """The selector of the session's Virtuoso server."""
    return virtuoso.selector


def _selector(request: pytest.FixtureRequest, backend: str) -> str:
    name = {"oxigraph-server": "oxigraph_selector", "virtuoso": "virtuoso_selector"}[backend]
    return str(request.getfixturevalue(name))


def _remote(selector: str) -> SparqlEndpointStore:
    store = SparqlEndpointStore(selector, BASE, timeout_s=10, retries=1, backoff_s=0.05)
    _drop_our_graphs(store)
    return store


def _drop_our_graphs(store: SparqlEndpointStore) -> None:
    with store.transaction() as tx:
        for graph in store.graphs():
            tx.drop_graph(graph)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """An empty store on each backend."""
    if request.param == "embedded":
        yield OxigraphStore(None, BASE)
        return
    remote = _remote(_selector(request, request.param))
    yield remote
    remote.close()


@pytest.fixture(params=REMOTES)
def remote(request: pytest.FixtureRequest) -> Iterator[SparqlEndpointStore]:
    """An empty store on each real server."""
    store = _remote(_selector(request, request.param))
    yield store
    store.close()


# --- the contract, on every backend ---------------------------------------------------------------


def test_every_backend_implements_the_protocol(store: GraphStore) -> None:
    assert isinstance(store, GraphStore)


def test_an_empty_store_answers_nothing(store: GraphStore) -> None:
    assert store.graphs() == {}
    assert not store.query("ASK { ?s ?p ?o }")
    assert not store.query("ASK { GRAPH ?g { ?s ?p ?o } }")


def test_replace_graph_replaces_exactly_that_graph(store: GraphStore) -> None:
    store.replace_graph(G, [triple("old1"), triple("old2")])
    store.replace_graph(OTHER, [triple("other")])
    store.replace_graph(G, [triple("new")])
    assert values(store) == {"new", "other"}
    assert store.graphs() == {OTHER: 1, G: 1}


def test_a_failing_load_leaves_the_previous_graph_intact(store: GraphStore) -> None:
    store.replace_graph(G, [triple("kept")])

    def broken_triples() -> Iterator[ox.Triple]:
        yield triple("half")
        raise ValueError("source broke while being read")

    with pytest.raises(ValueError):
        store.replace_graph(G, broken_triples())
    assert values(store) == {"kept"}
    assert store.graphs() == {G: 1}


def test_an_error_inside_a_transaction_applies_nothing(store: GraphStore) -> None:
    store.replace_graph(G, [triple("kept")])
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.replace_graph(G, [triple("replaced")])
        tx.replace_graph(OTHER, [triple("second")])
        raise RuntimeError("caller failed half-way")
    assert values(store) == {"kept"}
    assert store.graphs() == {G: 1}


def test_transaction_applies_several_graphs_together(store: GraphStore) -> None:
    store.replace_graph(BASE + "graph/dropped", [triple("dropped")])
    store.replace_graph(BASE + "graph/c", [triple("c0")])
    with store.transaction() as tx:
        tx.replace_graph(G, [triple("a")])
        tx.replace_graph(OTHER, [triple("b")])
        tx.add(BASE + "graph/c", [triple("c")])
        tx.drop_graph(BASE + "graph/dropped")
    assert values(store) == {"a", "b", "c", "c0"}
    assert store.graphs() == {BASE + "graph/c": 2, OTHER: 1, G: 1}


def test_every_committed_write_bumps_the_generation(store: GraphStore) -> None:
    before = store.generation  # type: ignore[attr-defined]
    store.replace_graph(G, [triple("a")])
    store.add(G, [triple("b")])
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.replace_graph(G, [triple("c")])
        raise RuntimeError("nothing committed")
    assert store.generation == before + 2  # type: ignore[attr-defined]


def test_add_keeps_what_the_graph_held(store: GraphStore) -> None:
    store.replace_graph(G, [triple("a")])
    store.add(G, [triple("b"), triple("a")])
    assert values(store) == {"a", "b"}
    assert store.graphs() == {G: 2}


def test_replacing_with_nothing_removes_the_graph(store: GraphStore) -> None:
    store.replace_graph(G, [triple("a")])
    store.replace_graph(G, [])
    assert store.graphs() == {}


def test_private_graphs_are_not_in_the_public_union(store: GraphStore) -> None:
    store.replace_graph(G, [triple("public")])
    store.add(PRIVATE, [triple("token-hash")])
    assert values(store) == {"public"}
    named = store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {row["o"].value for row in named} == {"public"}  # type: ignore[union-attr]
    explicit = store.query(f"SELECT ?o WHERE {{ GRAPH <{PRIVATE}> {{ ?s ?p ?o }} }}")
    assert list(explicit) == []  # type: ignore[call-overload]
    assert values(store, public_only=False) == {"public", "token-hash"}


def test_a_dataset_clause_cannot_reach_a_private_graph(store: GraphStore) -> None:
    store.replace_graph(G, [triple("public")])
    store.add(PRIVATE, [triple("token-hash")])
    sparql = f"""
        SELECT ?o FROM <{PRIVATE}> FROM NAMED <{PRIVATE}>
        WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"""
    assert {row["o"].value for row in store.query(sparql)} == {"public"}  # type: ignore[union-attr]
    with pytest.raises(InputError):  # Virtuoso's own way to name the dataset
        store.query(f"DEFINE input:default-graph-uri <{PRIVATE}> SELECT ?o WHERE {{ ?s ?p ?o }}")


def test_graphs_counts_the_triples_of_each_graph(store: GraphStore) -> None:
    store.replace_graph(G, [triple(str(i)) for i in range(3)])
    store.replace_graph(OTHER, [triple("x")])
    store.add(PRIVATE, [triple("secret"), triple("secret2")])
    assert store.graphs() == {OTHER: 1, PRIVATE: 2, G: 3}
    assert store.graphs(public_only=True) == {OTHER: 1, G: 3}


def test_bindings_are_values_not_query_text(store: GraphStore) -> None:
    store.replace_graph(G, [triple("a"), triple("b")])
    hostile = ox.Literal('a" } ; DROP ALL ; SELECT * { "')
    assert list(store.query("SELECT ?s WHERE { ?s ?p ?o }", bindings={"o": hostile})) == []  # type: ignore[call-overload]
    rows = store.query("SELECT ?s WHERE { ?s ?p ?o }", bindings={"o": ox.Literal("a")})
    assert [row["s"] for row in rows] == [ox.NamedNode(EX + "s")]  # type: ignore[union-attr]
    assert values(store) == {"a", "b"}


def test_updates_are_refused_by_query(store: GraphStore) -> None:
    store.replace_graph(G, [triple("kept")])
    for update in ("DROP ALL", f"DROP GRAPH <{G}>", "PREFIX ex: <http://example.org/> INSERT DATA { ex:s ex:p 1 }"):
        with pytest.raises(InputError):
            store.query(update)
    assert values(store) == {"kept"}


def test_select_gives_pyoxigraph_solutions(store: GraphStore) -> None:
    store.replace_graph(G, [triple("a")])
    result = store.query("SELECT ?s ?o WHERE { ?s ?p ?o }")
    assert isinstance(result, ox.QuerySolutions)
    assert [v.value for v in result.variables] == ["s", "o"]
    assert b'"value":"a"' in result.serialize(format=ox.QueryResultsFormat.JSON).replace(b" ", b"")


def test_ask_gives_a_pyoxigraph_boolean(store: GraphStore) -> None:
    store.replace_graph(G, [triple("a")])
    assert isinstance(store.query("ASK { ?s ?p 'a' }"), ox.QueryBoolean)
    assert bool(store.query("ASK { ?s ?p 'a' }"))
    assert not store.query("ASK { ?s ?p 'z' }")


def test_construct_gives_triples(store: GraphStore) -> None:
    store.replace_graph(G, [triple("a"), triple("b")])
    result = store.query("CONSTRUCT { ?s <http://example.org/q> ?o } WHERE { ?s ?p ?o }")
    triples = set(result)  # type: ignore[arg-type]
    assert triples == {triple("a", "q"), triple("b", "q")}
    again = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(again, ox.QueryTriples | RemoteTriples)
    assert set(ox.parse(again.serialize(format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES)) == {
        ox.Quad(t.subject, t.predicate, t.object) for t in [triple("a"), triple("b")]
    }


def test_describe_gives_triples(store: GraphStore) -> None:
    store.replace_graph(G, [triple("a")])
    assert set(store.query(f"DESCRIBE <{EX}s>")) == {triple("a")}  # type: ignore[arg-type]


def test_prefixes_and_base_are_declared_for_every_query(store: GraphStore) -> None:
    label = ox.Triple(
        ox.NamedNode(BASE + "level/6"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), ox.Literal("6")
    )
    store.replace_graph(G, [label])
    assert bool(store.query("ASK { <level/6> skos:prefLabel '6' }"))
    assert bool(store.query("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ASK { ?x skos:prefLabel '6' }"))
    assert bool(
        store.query("PREFIX s: <http://www.w3.org/2004/02/skos/core#>\n# a comment\nASK { ?x s:prefLabel '6' }")
    )


# Each on its own predicate: Virtuoso stores xsd:boolean as an integer, so "true" and 1 would be one triple.
LITERALS = [
    ox.Literal("plain"),
    ox.Literal('é "quoted"\n\ttab 😀 مرحبا'),
    ox.Literal("titre", language="fr"),
    ox.Literal("title", language="en-GB"),
    ox.Literal("عنوان", language="ar"),
    ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("1.5", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("2020-01-31", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("2020-01-31T10:00:00Z", datatype=ox.NamedNode(XSD + "dateTime")),
    ox.Literal("P2Y", datatype=ox.NamedNode(XSD + "duration")),
    ox.Literal("P1Y6M", datatype=ox.NamedNode(XSD + "duration")),
    ox.Literal("P1D", datatype=ox.NamedNode(XSD + "duration")),
    ox.Literal("PT2H30M", datatype=ox.NamedNode(XSD + "duration")),
    ox.Literal("P1Y2M3DT4H", datatype=ox.NamedNode(XSD + "duration")),
    ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("code", datatype=ox.NamedNode(EX + "Notation")),
]


def test_literals_come_back_as_they_were_written(store: GraphStore) -> None:
    subject = ox.NamedNode(EX + "qualification/génie")
    written = [ox.Triple(subject, ox.NamedNode(f"{EX}p{i}"), lit) for i, lit in enumerate(LITERALS)]
    store.replace_graph(G, written)
    rows = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert {ox.Triple(r["s"], r["p"], r["o"]) for r in rows} == set(written)  # type: ignore[index]
    assert set(store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")) == set(written)  # type: ignore[arg-type]


def test_blank_nodes_keep_their_links(store: GraphStore) -> None:
    node = ox.BlankNode()
    outcome = ox.NamedNode(EX + "outcome")
    store.replace_graph(
        G,
        [ox.Triple(ox.NamedNode(EX + "q"), outcome, node), ox.Triple(node, ox.NamedNode(EX + "text"), ox.Literal("x"))],
    )
    rows = list(store.query("SELECT ?b ?t WHERE { ?q <http://example.org/outcome> ?b . ?b ?p ?t }"))  # type: ignore[call-overload]
    assert len(rows) == 1
    assert isinstance(rows[0]["b"], ox.BlankNode)
    assert rows[0]["t"] == ox.Literal("x")
    triples = list(store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))  # type: ignore[call-overload]
    objects = {t.object for t in triples if t.predicate == outcome}
    subjects = {t.subject for t in triples if t.predicate != outcome}
    assert objects == subjects
    assert all(isinstance(b, ox.BlankNode) for b in objects)


def test_readers_never_see_a_half_replaced_graph(store: GraphStore) -> None:
    small = [triple(f"a{i}") for i in range(50)]
    large = [triple(f"b{i}") for i in range(80)]
    store.replace_graph(G, small)
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            seen.append(int(next(iter(rows))["n"].value))  # type: ignore[arg-type, index]

    reader = threading.Thread(target=read)
    reader.start()
    swaps, deadline = 0, time.monotonic() + 5
    try:
        while (swaps < 10 or len(seen) < 30) and time.monotonic() < deadline:
            store.replace_graph(G, large if swaps % 2 == 0 else small)
            swaps += 1
    finally:
        stop.set()
        reader.join(timeout=30)
    assert set(seen) <= {50, 80}
    assert len(seen) >= 10 and swaps >= 10


def test_a_bad_query_is_an_input_error(store: GraphStore) -> None:
    with pytest.raises(InputError):
        store.query("SELECT ?o WHERE { ?s ?p }")


# --- remote servers only -------------------------------------------------------------------------


def test_a_bad_query_names_the_server_and_its_message(remote: SparqlEndpointStore) -> None:
    with pytest.raises(QueryRejected) as caught:
        remote.query("SELECT ?o WHERE { ?s ?p }")
    message = str(caught.value)
    assert isinstance(caught.value, StoreError)
    assert remote.url in message
    assert "HTTP 400 Bad Request: " in message
    assert len(message.split("Bad Request: ", 1)[1]) > 5
    assert "\n" not in message


def test_a_failed_load_on_the_server_leaves_every_graph_intact(
    remote: SparqlEndpointStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote.replace_graph(G, [triple("kept")])
    remote.replace_graph(OTHER, [triple("kept too")])
    real_load = remote._load
    loads: list[str] = []

    def load_then_fail(staging: str, triples: list[ox.Triple], graph: str) -> None:
        loads.append(staging)
        if len(loads) == 2:
            raise StoreError("server refused the second load")
        real_load(staging, triples, graph)

    monkeypatch.setattr(remote, "_load", load_then_fail)
    with pytest.raises(StoreError, match="second load"), remote.transaction() as tx:
        tx.replace_graph(G, [triple("new")])
        tx.replace_graph(OTHER, [triple("new too")])
    assert values(remote) == {"kept", "kept too"}
    assert remote.graphs() == {OTHER: 1, G: 1}


def test_a_failed_swap_leaves_every_graph_intact(remote: SparqlEndpointStore, monkeypatch: pytest.MonkeyPatch) -> None:
    remote.replace_graph(G, [triple("kept")])
    real_update = remote._update

    def swap_fails(text: str, what: str, retries: int | None = None) -> None:
        if text.startswith("MOVE"):
            raise StoreError("the swap failed")
        real_update(text, what, retries)

    monkeypatch.setattr(remote, "_update", swap_fails)
    with pytest.raises(StoreError, match="swap failed"):
        remote.replace_graph(G, [triple("new"), triple("new2")])
    assert values(remote) == {"kept"}
    assert remote.graphs() == {G: 1}


def test_graphs_outside_the_base_are_neither_listed_nor_written(remote: SparqlEndpointStore) -> None:
    remote.replace_graph(G, [triple("ours")])
    assert set(remote.graphs()) == {G}
    with pytest.raises(StoreError, match="outside the base IRI"):
        remote.replace_graph("http://example.org/graph/theirs", [triple("theirs")])


def test_a_read_only_store_refuses_writes(remote: SparqlEndpointStore) -> None:
    reader = SparqlEndpointStore(remote.endpoints, BASE, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        reader.replace_graph(G, [triple("x")])
    assert remote.graphs() == {}


def test_a_large_load_is_one_graph(remote: SparqlEndpointStore) -> None:
    many = [triple(f"v{i}") for i in range(60_000)]
    started = time.monotonic()
    remote.replace_graph(G, many)
    assert remote.graphs() == {G: 60_000}
    assert time.monotonic() - started < 30


def test_virtuoso_cut_results_are_an_error(virtuoso_selector: str) -> None:
    store = _remote(virtuoso_selector)
    store.replace_graph(G, [triple(f"v{i}") for i in range(servers.VIRTUOSO_RESULT_ROWS + 1)])
    with pytest.raises(StoreError, match=r"cut the result at 10000 rows .*ResultSetMaxRows"):
        store.query("SELECT ?o WHERE { ?s ?p ?o }")
    count = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(next(iter(count))["n"].value) == servers.VIRTUOSO_RESULT_ROWS + 1  # type: ignore[arg-type, index]
    _drop_our_graphs(store)


def test_virtuoso_without_update_rights_says_what_to_grant(virtuoso: servers.RunningServer) -> None:
    store = _remote(virtuoso.selector)
    store.replace_graph(G, [triple("kept")])
    servers.virtuoso_sql(virtuoso, 'revoke SPARQL_UPDATE from "SPARQL";')
    try:
        with pytest.raises(StoreError) as caught:
            store.replace_graph(G, [triple("new")])
    finally:
        servers.virtuoso_sql(virtuoso, 'grant SPARQL_UPDATE to "SPARQL";')
    message = str(caught.value)
    assert f"{virtuoso.http_url}/sparql-graph-crud" in message
    assert "HTTP 403 Forbidden" in message and "Permission denied" in message
    assert 'grant SPARQL_UPDATE to "SPARQL"' in message
    assert values(store) == {"kept"}
    _drop_our_graphs(store)


def test_the_cli_builds_and_queries_a_remote_store(oxigraph_selector: str) -> None:
    store = _remote(oxigraph_selector)
    built = run_cli("build", "--store", oxigraph_selector)
    assert built.returncode == 0, built.stderr
    assert any(g.startswith(BASE + "graph/framework/") for g in store.graphs(public_only=True))
    result = run_cli(
        "query",
        "--store",
        oxigraph_selector,
        "--format",
        "csv",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a skos:ConceptScheme }",
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) > 0
    _drop_our_graphs(store)


# --- errors without a server ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["http://127.0.0.1:{port}", "sparql+virtuoso:http://127.0.0.1:{port}/sparql"])
def test_an_unreachable_server_is_a_store_error_naming_it(kind: str) -> None:
    port = servers.free_port()
    store = SparqlEndpointStore(kind.format(port=port), BASE, timeout_s=2, retries=2, backoff_s=0.01)
    for action in (lambda: store.query("ASK { ?s ?p ?o }"), lambda: store.replace_graph(G, [triple("x")])):
        with pytest.raises(StoreError) as caught:
            action()
        message = str(caught.value)
        assert f"SPARQL endpoint http://127.0.0.1:{port}/" in message
        assert "cannot connect (" in message and "Connection refused" in message
        assert "after 3 attempts" in message


class _FakeServer:
    """A tiny HTTP server answering every request with one status and message, after a delay."""

    def __init__(self, status: int, body: bytes, delay_s: float = 0.0) -> None:
        self.requests = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if delay_s:
                    time.sleep(delay_s)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            do_PUT = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_server(request: pytest.FixtureRequest) -> Iterator[_FakeServer]:
    """A fake endpoint: ``request.param`` is (status, body, delay_s)."""
    server = _FakeServer(*request.param)
    yield server
    server.close()


@pytest.mark.parametrize("fake_server", [(403, b"Forbidden: no update rights\nsecond line")], indirect=True)
def test_http_errors_name_the_server_and_are_not_retried(
    fake_server: _FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(remote_store.time, "sleep", sleeps.append)
    store = SparqlEndpointStore(fake_server.url, BASE, timeout_s=5, retries=3)
    with pytest.raises(StoreError) as caught:
        store.query("ASK { ?s ?p ?o }")
    expected = "listing the named graphs: HTTP 403 Forbidden: Forbidden: no update rights"
    assert str(caught.value) == f"SPARQL endpoint {fake_server.url}/query: {expected}"
    assert fake_server.requests == 1
    assert sleeps == []


@pytest.mark.parametrize("fake_server", [(200, b"{}", 1.5)], indirect=True)
def test_a_slow_server_is_a_timeout_naming_it(fake_server: _FakeServer) -> None:
    store = SparqlEndpointStore(fake_server.url, BASE, timeout_s=0.3, retries=3)
    started = time.monotonic()
    with pytest.raises(StoreError, match=rf"{fake_server.url}/query: .*no answer within 0.3 s"):
        store.query("ASK { ?s ?p ?o }")
    assert fake_server.requests == 1
    assert time.monotonic() - started < 1.5


def test_connection_failures_are_retried_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(remote_store.time, "sleep", sleeps.append)
    store = SparqlEndpointStore(f"http://127.0.0.1:{servers.free_port()}", BASE, retries=3, backoff_s=0.5)
    with pytest.raises(StoreError, match="after 4 attempts"):
        store.graphs()
    assert sleeps == [0.5, 1.0, 2.0]


# --- selectors and query text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        (
            "http://127.0.0.1:7878",
            Endpoints(
                "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store", "oxigraph"
            ),
        ),
        (
            "sparql+oxigraph:https://h/ox/",
            Endpoints("https://h/ox/query", "https://h/ox/update", "https://h/ox/store", "oxigraph"),
        ),
        (
            "sparql+virtuoso:http://h:8890/sparql",
            Endpoints("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud", "virtuoso"),
        ),
        (
            "sparql+virtuoso:http://h:8890",
            Endpoints("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud", "virtuoso"),
        ),
        (
            "sparql:http://h/ds/query;update=http://h/ds/update;store=http://h/ds/data",
            Endpoints("http://h/ds/query", "http://h/ds/update", "http://h/ds/data", "generic"),
        ),
        (
            "sparql:http://h/repositories/cnc",
            Endpoints("http://h/repositories/cnc", "http://h/repositories/cnc", None, "generic"),
        ),
    ],
)
def test_remote_selectors_name_the_endpoints(selector: str, expected: Endpoints) -> None:
    assert parse_selector(selector) == ("http", selector)
    assert parse_endpoints(selector) == expected
    store = open_store(selector, BASE)
    assert isinstance(store, SparqlEndpointStore)
    assert store.endpoints == expected


def test_an_unknown_remote_selector_says_what_is_accepted() -> None:
    with pytest.raises(StoreError, match="sparql\\+virtuoso"):
        open_store("sparql+fuseki:http://h/ds", BASE)


def test_a_generic_store_without_a_store_endpoint_cannot_write() -> None:
    store = SparqlEndpointStore("sparql:http://127.0.0.1:1/q", BASE)
    with pytest.raises(StoreError, match=";store=URL"):
        store.replace_graph(G, [triple("x")])


def test_dataset_clauses_are_stripped_but_not_from_strings_or_variables() -> None:
    sparql = 'SELECT ?from FROM <http://a/g> FROM NAMED ex:h\nWHERE { ?s ?p "FROM <x>" # FROM <y>\n }'
    stripped = strip_dataset_clauses(sparql)
    assert "http://a/g" not in stripped and "ex:h" not in stripped
    assert '"FROM <x>"' in stripped and "# FROM <y>" in stripped and "?from" in stripped
    assert len(stripped) == len(sparql)


def test_virtuoso_values_are_put_back() -> None:
    lexical = virtuoso_quirks.virtuoso_lexical
    assert lexical("24", XSD + "duration") == "P2Y"
    assert lexical("18", XSD + "duration") == "P1Y6M"
    assert lexical("6", XSD + "yearMonthDuration") == "P6M"
    assert lexical("86400.0", XSD + "duration") == "P1D"
    assert lexical("9000.5", XSD + "dayTimeDuration") == "PT2H30M0.5S"
    assert lexical("P1Y2M3DT4H", XSD + "duration") == "P1Y2M3DT4H"
    assert lexical("1", XSD + "boolean") == "true"
    assert lexical("24", XSD + "integer") == "24"

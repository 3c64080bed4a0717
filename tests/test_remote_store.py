"""What only a remote store does, on a real Oxigraph server and a real Virtuoso 7: errors naming the server and
its message, staged loads and swaps that fail cleanly, read-only stores, Virtuoso's cut results and rights,
retries on connection errors only, the selectors. The contract every backend keeps is
``tests/test_store_contract.py``; the servers are the session's (``tests/conftest.py``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from cnc_graph.errors import StoreError
from cnc_graph.iris import XSD
from cnc_graph.sparql.text import strip_dataset_clauses
from cnc_graph.store import remote as remote_store
from cnc_graph.store import virtuoso as virtuoso_quirks
from cnc_graph.store.endpoints import Endpoints, parse_endpoints
from cnc_graph.store.remote import QueryRejected, SparqlEndpointStore
from cnc_graph.store.selector import open_store, parse_selector
from tests import servers
from tests.conftest import BASE, OTHER, G, run_cli, server_selector, triple, values
from tests.servers import empty_remote_store

pytestmark = pytest.mark.servers

REMOTES = ["oxigraph-server", "virtuoso"]


@pytest.fixture(params=REMOTES)
def remote(request: pytest.FixtureRequest) -> Iterator[SparqlEndpointStore]:
    """An empty store on each real server."""
    store = empty_remote_store(server_selector(request, request.param), BASE)
    yield store
    store.close()


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
    store = empty_remote_store(virtuoso_selector, BASE)
    store.replace_graph(G, [triple(f"v{i}") for i in range(servers.VIRTUOSO_RESULT_ROWS + 1)])
    with pytest.raises(StoreError, match=r"cut the result at 10000 rows .*ResultSetMaxRows"):
        store.query("SELECT ?o WHERE { ?s ?p ?o }")
    count = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(next(iter(count))["n"].value) == servers.VIRTUOSO_RESULT_ROWS + 1  # type: ignore[arg-type, index]
    servers.drop_our_graphs(store)


def test_virtuoso_without_update_rights_says_what_to_grant(virtuoso: servers.RunningServer) -> None:
    store = empty_remote_store(virtuoso.selector, BASE)
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
    servers.drop_our_graphs(store)


def test_the_cli_builds_and_queries_a_remote_store(oxigraph_selector: str) -> None:
    store = empty_remote_store(oxigraph_selector, BASE)
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
    servers.drop_our_graphs(store)


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

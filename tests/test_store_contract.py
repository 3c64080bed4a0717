"""The store contract, one set of tests on every backend: embedded pyoxigraph, a real Oxigraph server and a
real Virtuoso 7.

Each test gets an empty store of each backend in turn. The servers are the session's (``tests/conftest.py``):
their parameters carry the ``servers`` marker, so ``make test-fast`` runs the contract on the embedded store
alone. What only a remote store does (errors naming the server, retries, Virtuoso's cut results) is in
``tests/test_remote_store.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from cnc_graph.errors import InputError
from cnc_graph.iris import XSD
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.protocol import GraphStore, RemoteTriples
from tests.conftest import BASE, EX, OTHER, PRIVATE, G, server_selector, triple, values
from tests.servers import empty_remote_store

BACKENDS = [
    "embedded",
    pytest.param("oxigraph-server", marks=pytest.mark.servers),
    pytest.param("virtuoso", marks=pytest.mark.servers),
]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """An empty store on each backend."""
    if request.param == "embedded":
        yield OxigraphStore(None, BASE)
        return
    remote = empty_remote_store(server_selector(request, request.param), BASE)
    yield remote
    remote.close()


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


def test_remove_then_add_in_one_transaction_changes_only_those_triples(store: GraphStore) -> None:
    store.replace_graph(G, [triple("a"), triple("b"), triple("c")])
    store.replace_graph(OTHER, [triple("b")])
    before = store.generation  # type: ignore[attr-defined]
    with store.transaction() as tx:
        tx.remove(G, [triple("b"), triple("not-there")])  # what the graph lacks is ignored
        tx.add(G, [triple("d")])
    assert in_graph(store, G) == {"a", "c", "d"}
    assert in_graph(store, OTHER) == {"b"}  # the same triple in another graph stays
    assert store.generation == before + 1  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.remove(G, [triple("a")])
        raise RuntimeError("nothing committed")
    assert in_graph(store, G) == {"a", "c", "d"}


def in_graph(store: GraphStore, graph: str) -> set[str]:
    """Return the object values of the named graph ``graph``."""
    rows = store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"g": ox.NamedNode(graph)})
    return {row["o"].value for row in rows}  # type: ignore[union-attr]


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

"""The embedded store: named graphs, atomic replacement, the public union, clear opening errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from cnc_graph.errors import StoreError
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.protocol import GraphStore
from cnc_graph.store.selector import open_store, parse_selector
from tests.conftest import BASE

G = BASE + "graph/test"
PRIVATE = BASE + "graph/private/accounts"


def triple(value: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal(value))


def values(store: GraphStore, public_only: bool = True) -> set[str]:
    rows = store.query("SELECT ?o WHERE { ?s ?p ?o }", public_only=public_only)
    return {row["o"].value for row in rows}  # type: ignore[union-attr]


def test_memory_store_implements_the_protocol() -> None:
    assert isinstance(OxigraphStore(None, BASE), GraphStore)


def test_replace_graph_replaces_exactly_that_graph() -> None:
    store = OxigraphStore(None, BASE)
    store.replace_graph(G, [triple("old1"), triple("old2")])
    store.replace_graph(BASE + "graph/other", [triple("other")])
    store.replace_graph(G, [triple("new")])
    assert values(store) == {"new", "other"}
    assert store.graphs() == {BASE + "graph/other": 1, G: 1}


def test_a_failing_load_leaves_the_previous_graph_intact() -> None:
    store = OxigraphStore(None, BASE)
    store.replace_graph(G, [triple("kept")])

    def broken_triples():
        yield triple("half")
        raise ValueError("source broke while being read")

    with pytest.raises(ValueError), store.transaction() as tx:
        tx.replace_graph(G, broken_triples())
    assert values(store) == {"kept"}
    assert store.graphs() == {G: 1}


def test_an_error_inside_a_transaction_applies_nothing() -> None:
    store = OxigraphStore(None, BASE)
    store.replace_graph(G, [triple("kept")])
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.replace_graph(G, [triple("replaced")])
        tx.replace_graph(BASE + "graph/second", [triple("second")])
        raise RuntimeError("caller failed half-way")
    assert values(store) == {"kept"}


def test_transaction_applies_several_graphs_together() -> None:
    store = OxigraphStore(None, BASE)
    with store.transaction() as tx:
        tx.replace_graph(G, [triple("a")])
        tx.replace_graph(BASE + "graph/b", [triple("b")])
        tx.add(BASE + "graph/c", [triple("c")])
    assert values(store) == {"a", "b", "c"}
    assert not any("staging" in g for g in store.graphs())


def test_replacing_with_nothing_removes_the_graph() -> None:
    store = OxigraphStore(None, BASE)
    store.replace_graph(G, [triple("a")])
    store.replace_graph(G, [])
    assert store.graphs() == {}


def test_private_graphs_are_not_in_the_public_union() -> None:
    store = OxigraphStore(None, BASE)
    store.replace_graph(G, [triple("public")])
    store.add(PRIVATE, [triple("token-hash")])
    assert values(store) == {"public"}
    named = store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {row["o"].value for row in named} == {"public"}  # type: ignore[union-attr]
    assert values(store, public_only=False) == {"public", "token-hash"}


def test_bindings_are_values_not_query_text() -> None:
    store = OxigraphStore(None, BASE)
    store.replace_graph(G, [triple("a"), triple("b")])
    hostile = ox.Literal('a" } ; DROP ALL ; SELECT * { "')
    rows = list(store.query("SELECT ?s WHERE { ?s ?p ?o }", bindings={"o": hostile}))
    assert rows == []
    assert values(store) == {"a", "b"}


def test_on_disk_store_keeps_data_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = open_store(f"oxigraph:{path}", BASE)
    store.replace_graph(G, [triple("durable")])
    store.close()
    reopened = open_store(str(path), BASE, read_only=True)
    assert values(reopened) == {"durable"}


def test_a_locked_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "store"
    holder = open_store(str(path), BASE)
    code = (
        "import sys\nfrom cnc_graph.store.selector import open_store\nfrom cnc_graph.errors import StoreError\n"
        f"try:\n    open_store({str(path)!r}, {BASE!r})\nexcept StoreError as e:\n    print(e); sys.exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    holder.close()
    assert result.returncode == 3
    assert "locked by another process" in result.stdout


def test_read_only_open_of_a_missing_store_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cnc-graph build"):
        open_store(str(tmp_path / "absent"), BASE, read_only=True)


def test_a_file_where_the_store_should_be_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(StoreError, match="not a directory"):
        open_store(str(path), BASE)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("oxigraph:./var/store", ("oxigraph", "./var/store")),
        ("./var/store", ("oxigraph", "./var/store")),
        ("memory", ("oxigraph", "memory")),
        ("http://127.0.0.1:7878", ("http", "http://127.0.0.1:7878")),
    ],
)
def test_store_selectors(selector: str, expected: tuple[str, str]) -> None:
    assert parse_selector(selector) == expected

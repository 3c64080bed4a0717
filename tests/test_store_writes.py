"""How the embedded store writes: by difference, straight into empty graphs, bulk into an empty store.

Whatever the path, a graph ends up holding exactly the requested triples (blank nodes kept as given,
duplicates once), a failure leaves the old content, and readers never see a half-written state.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from cnc_graph.errors import StoreError
from cnc_graph.store.embedded import INCOMPLETE_MARKER, OxigraphStore
from tests.conftest import BASE

G = BASE + "graph/test"
OTHER = BASE + "graph/other"
PRIVATE = BASE + "graph/private/accounts"
P = ox.NamedNode("http://example.org/p")


def s(n: int | str) -> ox.NamedNode:
    return ox.NamedNode(f"http://example.org/s{n}")


def lit(value: str) -> ox.Literal:
    return ox.Literal(value)


def triples(n: int, prefix: str = "v") -> list[ox.Triple]:
    return [ox.Triple(s(i), P, lit(f"{prefix}{i}")) for i in range(n)]


def content(store: OxigraphStore, graph: str) -> set[ox.Triple]:
    return {q.triple for q in store.quads(graph)}


def stores(tmp_path: Path) -> Iterator[OxigraphStore]:
    yield OxigraphStore(None, BASE)
    yield OxigraphStore(tmp_path / "store", BASE)


class FailingStore:
    """A pyoxigraph store whose ``method`` raises ``OSError`` (after doing part of its work for bulk loads)."""

    def __init__(self, inner: ox.Store, method: str) -> None:
        self.inner = inner
        self.method = method

    def __getattr__(self, name: str) -> Any:
        if name != self.method:
            return getattr(self.inner, name)

        def failing(*args: Any, **kwargs: Any) -> None:
            if name == "bulk_extend":
                quads = list(args[0])
                self.inner.bulk_extend(quads[: len(quads) // 2])  # half of it is on disk when it breaks
            raise OSError(f"injected failure in {name}")

        return failing

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self.inner)


@pytest.mark.parametrize("on_disk", [False, True])
def test_replacing_a_graph_by_difference_gives_exactly_the_new_triples(tmp_path: Path, on_disk: bool) -> None:
    store = OxigraphStore(tmp_path / "store" if on_disk else None, BASE)
    store.replace_graph(G, triples(50))
    store.replace_graph(OTHER, triples(3, "other"))
    new = triples(40) + triples(5, "added") + triples(10)  # 10 removed, 5 new, duplicates
    new[0] = ox.Triple(s(0), P, ox.Literal('tricky "quote"\n\\ _:notablank', language="fr"))
    store.replace_graph(G, new)
    assert content(store, G) == set(new)
    assert store.graphs() == {G: len(set(new)), OTHER: 3}
    assert content(store, OTHER) == set(triples(3, "other"))


def test_blank_nodes_are_kept_as_given_when_a_graph_is_replaced(tmp_path: Path) -> None:
    for store in stores(tmp_path):
        old_node, new_node = ox.BlankNode("old1"), ox.BlankNode("new1")
        store.replace_graph(G, [*triples(3), ox.Triple(s(1), P, old_node), ox.Triple(old_node, P, lit("x"))])
        new = [
            *triples(2),
            ox.Triple(s(1), P, new_node),
            ox.Triple(new_node, P, lit("x")),
            ox.Triple(new_node, P, lit("x")),
        ]
        store.replace_graph(G, new)
        assert content(store, G) == set(new)
        # the same blank-node content again (as accounts.py writes back what it read): unchanged
        store.replace_graph(G, list(content(store, G)))
        assert content(store, G) == set(new)
        assert not any("staging" in g for g in store.graphs())
        store.close()


def test_a_transaction_mixing_every_kind_of_change_applies_them_all(tmp_path: Path) -> None:
    for store in stores(tmp_path):
        store.replace_graph(G, triples(10))
        store.replace_graph(OTHER, triples(2, "gone"))
        store.add(PRIVATE, triples(1, "token"))
        blank = ox.BlankNode("b1")
        with store.transaction() as tx:
            tx.replace_graph(G, triples(12))
            tx.drop_graph(OTHER)
            tx.add(PRIVATE, [*triples(2, "token"), ox.Triple(blank, P, lit("private"))])
            tx.replace_graph(BASE + "graph/new", triples(4, "new"))
        assert content(store, G) == set(triples(12))
        assert content(store, PRIVATE) == {*triples(2, "token"), ox.Triple(blank, P, lit("private"))}
        assert content(store, BASE + "graph/new") == set(triples(4, "new"))
        assert set(store.graphs()) == {G, PRIVATE, BASE + "graph/new"}
        store.close()


def test_writing_unchanged_content_changes_nothing_but_still_counts_as_a_write() -> None:
    store = OxigraphStore(None, BASE)
    store.replace_graph(G, triples(20))
    generation, public = store.generation, store.public_generation
    store.replace_graph(G, triples(20))
    assert content(store, G) == set(triples(20))
    assert (store.generation, store.public_generation) == (generation + 1, public + 1)
    store.replace_graph(PRIVATE, triples(2))
    assert (store.generation, store.public_generation) == (generation + 2, public + 1)


@pytest.mark.parametrize("method", ["update", "extend", "flush"])
def test_a_write_that_fails_in_the_store_leaves_the_old_content(tmp_path: Path, method: str) -> None:
    store = OxigraphStore(tmp_path / "store", BASE)
    blank = ox.BlankNode("kept")
    old = [*triples(10), ox.Triple(blank, P, lit("b"))]
    store.replace_graph(G, old)
    generation = store.generation
    inner = store._store
    store._store = FailingStore(inner, method)  # type: ignore[assignment]
    with pytest.raises(StoreError, match="injected failure"), store.transaction() as tx:
        tx.replace_graph(G, [*triples(5), ox.Triple(ox.BlankNode("new"), P, lit("b"))])
        tx.replace_graph(OTHER, triples(3))
    store._store = inner
    if method != "flush":  # a failed flush comes after the commit: the new state is in, and reported
        assert content(store, G) == set(old)
        assert store.graphs() == {G: 11}
    assert store.generation == generation


def test_a_first_load_into_an_empty_disk_store_is_bulk_and_exact(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store", BASE)
    store.bulk_load_min_quads = 1
    blank = ox.BlankNode("b")
    with store.transaction() as tx:
        tx.replace_graph(G, [*triples(30), *triples(30), ox.Triple(blank, P, lit("x"))])
        tx.add(OTHER, triples(5, "o"))
    assert content(store, G) == {*triples(30), ox.Triple(blank, P, lit("x"))}
    assert content(store, OTHER) == set(triples(5, "o"))
    assert (store.generation, store.public_generation) == (1, 1)
    assert not (tmp_path / "store" / INCOMPLETE_MARKER).exists()
    store.close()
    assert content(OxigraphStore(tmp_path / "store", BASE, read_only=True), G) == {
        *triples(30),
        ox.Triple(blank, P, lit("x")),
    }


def test_a_failing_bulk_load_leaves_the_store_empty(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store", BASE)
    store.bulk_load_min_quads = 1
    inner = store._store
    store._store = FailingStore(inner, "bulk_extend")  # type: ignore[assignment]
    with pytest.raises(StoreError, match="injected failure"):
        store.replace_graph(G, triples(100))
    store._store = inner
    assert store.graphs() == {}
    assert store.generation == 0
    assert not (tmp_path / "store" / INCOMPLETE_MARKER).exists()


def test_a_bulk_load_killed_half_way_is_never_served_and_is_undone(tmp_path: Path) -> None:
    path = tmp_path / "store"
    code = f"""
import os, pathlib, pyoxigraph as ox
from cnc_graph.store.embedded import OxigraphStore
store = OxigraphStore(pathlib.Path({str(path)!r}), {BASE!r})
store.bulk_load_min_quads = 1
inner = store._store
class Dying:
    def __getattr__(self, name):
        return getattr(inner, name)
    def __iter__(self):
        return iter(inner)
    def bulk_extend(self, quads):
        quads = list(quads)
        inner.bulk_extend(quads[: len(quads) // 2])
        inner.flush()
        os._exit(9)  # as kill -9: no cleanup at all
store._store = Dying()
store.replace_graph({G!r}, [ox.Triple(ox.NamedNode(f"http://example.org/s{{i}}"), ox.NamedNode("http://example.org/p"),
                     ox.Literal(str(i))) for i in range(100)])
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 9, result.stderr
    assert (path / INCOMPLETE_MARKER).exists()
    with pytest.raises(StoreError, match="interrupted"):
        OxigraphStore(path, BASE, read_only=True)
    store = OxigraphStore(path, BASE)  # read-write: undoes the half load (the store was empty before)
    assert store.graphs() == {}
    assert not (path / INCOMPLETE_MARKER).exists()
    store.replace_graph(G, triples(3))
    assert content(store, G) == set(triples(3))


def test_a_reader_sees_the_old_or_the_new_graphs_never_a_mix(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store", BASE)
    with store.transaction() as tx:
        tx.replace_graph(G, triples(3000, "a"))
        tx.replace_graph(OTHER, triples(3000, "a"))
    seen: set[tuple[int, int]] = set()
    done = threading.Event()

    def read() -> None:
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o FILTER (STRSTARTS(?o, 'b')) } } GROUP BY ?g"
        while not done.is_set():
            counts = {row["g"].value: int(row["n"].value) for row in store.query(query)}  # type: ignore[union-attr]
            seen.add((counts.get(G, 0), counts.get(OTHER, 0)))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(3):
            with store.transaction() as tx:
                tx.replace_graph(G, triples(3000, "b"))
                tx.replace_graph(OTHER, triples(3000, "b"))
            with store.transaction() as tx:
                tx.replace_graph(G, triples(3000, "a"))
                tx.replace_graph(OTHER, triples(3000, "a"))
    finally:
        done.set()
        reader.join()
    assert seen <= {(0, 0), (3000, 3000)}

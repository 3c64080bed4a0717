"""What only the embedded store does: a failing load inside a transaction, on-disk stores, clear opening errors,
the selectors. The contract every backend keeps (named graphs, atomic replacement, the public union) is
``tests/test_store_contract.py``."""

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


def test_a_failing_load_inside_a_transaction_leaves_the_previous_graph_intact() -> None:
    store = OxigraphStore(None, BASE)
    store.replace_graph(G, [triple("kept")])

    def broken_triples():
        yield triple("half")
        raise ValueError("source broke while being read")

    with pytest.raises(ValueError), store.transaction() as tx:
        tx.replace_graph(G, broken_triples())
    assert values(store) == {"kept"}
    assert store.graphs() == {G: 1}


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

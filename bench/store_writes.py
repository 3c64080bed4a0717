"""Time ``OxigraphStore`` writes on a generated data root: first load, re-write, one changed graph.

Usage: ``python -m bench.store_writes DATA_ROOT STORE_DIR [--graph KEY] [--changed N]``

Reads the sources once, then times (1) a transaction replacing every graph of an empty on-disk store,
(2) the same transaction again (nothing changed), (3) replacing one graph (default: the smallest
inventory graph) with ``--changed`` of its literals altered, and checks after each step that the
store holds exactly the requested triples. STORE_DIR is removed first.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.build import read_sources
from cnc_graph.ingest.sources import discover_sources
from cnc_graph.iris import graph_iri
from cnc_graph.settings import DEFAULT_BASE_IRI
from cnc_graph.store.embedded import OxigraphStore


def _altered(triples: list[ox.Triple], changed: int) -> list[ox.Triple]:
    """Return ``triples`` with the first ``changed`` plain literals given a new value."""
    out, done = [], 0
    for t in triples:
        if done < changed and isinstance(t.object, ox.Literal) and t.object.language is None:
            t = ox.Triple(t.subject, t.predicate, ox.Literal(t.object.value + " (revised)"))
            done += 1
        out.append(t)
    return out


def _check(store: OxigraphStore, contents: dict[str, list[ox.Triple]]) -> None:
    """Fail unless the store holds exactly ``contents`` (graphs without blank nodes compared triple by triple)."""
    counts = store.graphs()
    for key, triples in contents.items():
        graph = graph_iri(DEFAULT_BASE_IRI, key)
        assert counts.get(graph, 0) == len(set(triples)), (key, counts.get(graph), len(set(triples)))
        if not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
            assert {q.triple for q in store.quads(graph)} == set(triples), key


def main() -> None:
    """Run the three timed writes and print their durations."""
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("store", type=Path)
    parser.add_argument("--graph", default="inventory/continuing-training")
    parser.add_argument("--changed", type=int, default=20)
    parser.add_argument("--no-check", action="store_true")
    args = parser.parse_args()
    shutil.rmtree(args.store, ignore_errors=True)
    started = time.perf_counter()
    contents = read_sources(discover_sources(args.root), DEFAULT_BASE_IRI)
    total = sum(map(len, contents.values()))
    print(f"read sources: {time.perf_counter() - started:.1f} s ({total:,} triples)", flush=True)
    store = OxigraphStore(args.store, DEFAULT_BASE_IRI)

    def write(label: str, graphs: dict[str, list[ox.Triple]]) -> None:
        begin, cpu = time.perf_counter(), time.process_time()
        with store.transaction() as tx:
            for key, triples in graphs.items():
                tx.replace_graph(graph_iri(DEFAULT_BASE_IRI, key), triples)
        wall, cpu = time.perf_counter() - begin, time.process_time() - cpu
        print(f"{label}: {wall:.2f} s (CPU, all threads: {cpu:.2f} s)", flush=True)
        if not args.no_check:
            _check(store, contents)

    write("first load, empty store", contents)
    write("re-write, nothing changed", contents)
    contents[args.graph] = _altered(contents[args.graph], args.changed)
    write(
        f"one graph ({args.graph}, {len(contents[args.graph]):,} triples, {args.changed} changed)",
        {args.graph: contents[args.graph]},
    )
    store.close()


if __name__ == "__main__":
    main()

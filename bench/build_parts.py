"""Time each part of a build (read, compile, validation load, checks, store write, summary) on one corpus.

Usage: ``python -m bench.build_parts CORPUS_ROOT STORE_DIR`` (``CORPUS_ROOT`` from ``bench.generate``;
``STORE_DIR`` is emptied first). Prints wall and CPU seconds per part and the 25 slowest checks.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.build import NOT_VALIDATED, read_sources, summarise
from cnc_graph.ingest.sources import discover_sources
from cnc_graph.iris import graph_iri
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.validation.shapes import project_validator


class Clock:
    """Prints the wall and CPU time since the previous mark."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def mark(self, name: str) -> None:
        """Print the time spent since the last mark under ``name``."""
        wall, cpu = time.perf_counter(), time.process_time()
        print(f"{name:32s} wall {wall - self.wall:7.1f} s  cpu {cpu - self.cpu:7.1f} s", flush=True)
        self.wall, self.cpu = wall, cpu


def main(root: Path, out: Path) -> None:
    """Build ``root`` into a fresh store at ``out``, timing each part; the checks run one after another."""
    shutil.rmtree(out, ignore_errors=True)
    settings = Settings(store=str(out), root=root)
    clock = Clock()
    contents = read_sources(discover_sources(root), settings.base_iri)
    clock.mark("read")
    validator = project_validator(root, contents.get("ontology", []))
    clock.mark("compile the shapes")
    data = [t for key, triples in contents.items() if key not in NOT_VALIDATED for t in triples]
    print(f"{len(data)} triples to validate")
    store = ox.Store()
    text = ox.serialize(data, format=ox.RdfFormat.N_TRIPLES)
    clock.mark("serialise to N-Triples")
    store.bulk_load(text, format=ox.RdfFormat.N_TRIPLES)
    store.extend(validator._ontology_quads)
    del text
    clock.mark("load the validation store")
    times = []
    for check in validator.checks or []:
        started = time.perf_counter()
        rows = sum(1 for _ in store.query(check.sparql))
        times.append((time.perf_counter() - started, rows, check.sparql))
    clock.mark(f"{len(times)} checks, serially")
    for seconds, rows, sparql in sorted(times, reverse=True)[:25]:
        print(f"  {seconds:6.2f} s  {rows:7d} rows  {' '.join(sparql.split())[:160]}")
    written = OxigraphStore(out, settings.base_iri)
    with written.transaction() as tx:
        for key, triples in contents.items():
            tx.replace_graph(graph_iri(settings.base_iri, key), triples)
    clock.mark("write the store")
    summarise(written)
    clock.mark("summarise")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

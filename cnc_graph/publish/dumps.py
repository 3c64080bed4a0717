"""Full dumps of the public graphs, one file per graph and syntax."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from cnc_graph.errors import NotFound
from cnc_graph.iris import graph_iri
from cnc_graph.rdf.query_files import load_query
from cnc_graph.rdf.syntaxes import syntax
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore


def write_dump(store: GraphStore, output: Path, name: str, graph_key: str | None, settings: Settings) -> Path:
    """Write the whole public graph (or one named graph) to ``output`` in syntax ``name``, streaming."""
    chosen = syntax(name)
    if graph_key is None:
        triples = store.query(load_query("all_triples"))
    else:
        graph = graph_iri(settings.base_iri, graph_key)
        if graph not in store.graphs(public_only=True):
            raise NotFound(f"no public graph « {graph_key} »")
        triples = store.query(load_query("graph_triples"), bindings={"g": ox.NamedNode(graph)})
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    ox.serialize(triples, output=str(partial), format=chosen.oxigraph)  # type: ignore[arg-type]
    partial.replace(output)  # a reader never sees a half-written dump
    return output


def dump_name(graph_key: str | None, name: str) -> str:
    """Return the file name of a dump: ``cnc-graph.nt`` or ``graph-framework-cnc.ttl``."""
    stem = "cnc-graph" if graph_key is None else "graph-" + graph_key.replace("/", "-")
    return f"{stem}.{syntax(name).extension}"

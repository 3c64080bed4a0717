"""SPARQL Update text for the stores' writes: N-Triples lines, and the removal of named triples."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from cnc_graph.errors import StoreError


def ntriples_line(triple: ox.Triple) -> str:
    """Return the N-Triples line of a triple (pyoxigraph writes terms strictly escaped)."""
    if type(triple) is ox.Triple:
        return f"{triple} ."
    return f"{triple.subject} {triple.predicate} {triple.object} ."


def split_blank(triples: Iterable[ox.Triple | ox.Quad]) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """Return the triples without blank nodes and those with one, in that order."""
    plain: list[ox.Triple] = []
    blank: list[ox.Triple] = []
    for t in triples:
        has_blank = isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
        (blank if has_blank else plain).append(t)  # type: ignore[arg-type]
    return plain, blank


def removal_updates(removals: dict[str, list[ox.Triple]], where: str) -> list[str]:
    """Return the ``DELETE DATA`` operations removing each graph's triples (StoreError if one holds a blank node)."""
    operations = []
    for graph, triples in removals.items():
        plain, blank = split_blank(triples)
        if blank:
            raise StoreError(f"{where}: cannot remove a triple with a blank node by naming it ({blank[0]})")
        if plain:
            body = "\n".join(map(ntriples_line, plain))
            operations.append(f"DELETE DATA {{ GRAPH {ox.NamedNode(graph)} {{\n{body}\n}} }}")
    return operations

"""The context new records are validated in: what the shapes look up around them, read from the store.

Validating a few records (one card on submit, one sub-sector file on import) against the whole graph is
what pyshacl needs and what does not scale; the compiled validator only needs the records, the resources
they point to (types, level schemes and notations), the other holders of their codes and the ontology. The
differential tests check that this gives the same results on the records as validating everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from cnc_graph.iris import CNC, RDF, SKOS
from cnc_graph.rdf.query_files import select
from cnc_graph.store.protocol import GraphStore

NOWHERE = "urn:cnc:no-graph"
_TYPE = ox.NamedNode(RDF + "type")
_QUALIFICATION = ox.NamedNode(CNC + "Qualification")
_CODE = ox.NamedNode(CNC + "code")
_IN_SCHEME = ox.NamedNode(SKOS + "inScheme")
_BATCH = 2_000


def record_context(
    store: GraphStore, records: Sequence[ox.Triple], exclude_graph: str | None = None
) -> list[ox.Triple]:
    """Return the store's triples the shapes need to validate ``records``, ignoring ``exclude_graph``.

    ``exclude_graph`` is the graph the records are about to replace: its current content is not context.
    """
    exclude = ox.NamedNode(exclude_graph or NOWHERE)
    context: list[ox.Triple] = []
    described = record_subjects(records)  # the records describe these themselves
    pending = {t.object.value for t in records if isinstance(t.object, ox.NamedNode)} - described
    seen: set[str] = set()
    shadowed: set[ox.NamedNode] = set()
    for _hop in range(2):  # the resources, then their schemes (a level's framework and its key)
        batch_iris = sorted(pending - seen)
        seen |= pending
        pending = set()
        for start in range(0, len(batch_iris), _BATCH):
            batch = [ox.NamedNode(o) for o in batch_iris[start : start + _BATCH]]
            if exclude_graph:
                rows = select(store, "graph_subjects", g=exclude, s=batch)
                shadowed |= {s for row in rows if isinstance(s := row["s"], ox.NamedNode)}
            for triple in _described(store, batch, exclude, shadowed):
                context.append(triple)
                if triple.predicate == _IN_SCHEME and isinstance(triple.object, ox.NamedNode):
                    pending.add(triple.object.value)
    codes = sorted({t.object for t in records if t.predicate == _CODE and isinstance(t.object, ox.Literal)}, key=str)
    for start in range(0, len(codes), _BATCH):
        for row in select(store, "code_holders", code=codes[start : start + _BATCH]):
            if row["g"] == exclude:
                continue
            context.append(ox.Triple(row["q"], _TYPE, _QUALIFICATION))  # type: ignore[arg-type]
            context.append(ox.Triple(row["q"], _CODE, row["code"]))  # type: ignore[arg-type]
    return context


def _described(
    store: GraphStore, nodes: list[ox.NamedNode], exclude: ox.NamedNode, shadowed: set[ox.NamedNode]
) -> list[ox.Triple]:
    """Return the context statements about ``nodes`` in every public graph but ``exclude``.

    Read from the union (one index lookup per node); the nodes the excluded graph also describes
    (``shadowed``) are read again graph by graph, so that a statement only that graph makes is left out.
    """
    rows = select(store, "record_context", o=nodes)
    triples = [ox.Triple(r["o"], r["p"], r["x"]) for r in rows]  # type: ignore[arg-type]
    again = [n for n in nodes if n in shadowed]
    if not again:
        return triples
    kept = [t for t in triples if t.subject not in shadowed]
    for r in select(store, "record_context_graphs", o=again):
        if r["g"] != exclude:
            kept.append(ox.Triple(r["o"], r["p"], r["x"]))  # type: ignore[arg-type]
    return list(dict.fromkeys(kept))


def record_subjects(records: Iterable[ox.Triple]) -> set[str]:
    """Return the IRIs the records describe: the focus nodes whose results matter."""
    return {t.subject.value for t in records if isinstance(t.subject, ox.NamedNode)}

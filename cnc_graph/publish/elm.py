"""The register as European Learning Model (ELM 3) qualifications: the whole register, or one qualification."""

from __future__ import annotations

import pyoxigraph as ox

from cnc_graph.errors import NotFound
from cnc_graph.rdf.query_files import triples
from cnc_graph.store.protocol import GraphStore


def elm_export(store: GraphStore, qualification: str | None = None) -> list[ox.Triple]:
    """Return the register's qualifications (or the one IRI ``qualification``) in the ELM 3 shape.

    The shape is ``queries/elm_qualifications.rq``; an IRI that is not a qualification of the register is
    ``NotFound``.
    """
    if qualification is None:
        return triples(store, "elm_qualifications")
    found = triples(store, "elm_qualifications", q=ox.NamedNode(qualification))
    if not found:
        raise NotFound(f"no qualification {qualification}")
    return found

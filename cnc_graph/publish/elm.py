"""The register as European Learning Model (ELM 3) qualifications."""

from __future__ import annotations

import pyoxigraph as ox

from cnc_graph.rdf.query_files import triples
from cnc_graph.store.protocol import GraphStore


def elm_export(store: GraphStore) -> list[ox.Triple]:
    """Return the register's qualifications in the ELM 3 shape (see ``queries/elm_qualifications.rq``)."""
    return triples(store, "elm_qualifications")

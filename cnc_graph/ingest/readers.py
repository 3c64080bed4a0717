"""The reader of each kind of source: RDF files, inventory and organisation tables, SSSOM mappings."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from cnc_graph.ingest.inventory import read_inventory_source, read_organisations_source
from cnc_graph.ingest.sources import Source, read_rdf
from cnc_graph.ingest.sssom import read_sssom_source

Reader = Callable[[Source, str], list[ox.Triple]]


def readers() -> dict[str, Reader]:
    """Return the reader of each source kind."""
    return {
        "rdf": read_rdf,
        "inventory": read_inventory_source,
        "organisations": read_organisations_source,
        "sssom": read_sssom_source,
    }

"""The store a selector string names: ``oxigraph:PATH``, ``memory`` or a SPARQL server's URL."""

from __future__ import annotations

from pathlib import Path

from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.protocol import GraphStore


def parse_selector(selector: str) -> tuple[str, str]:
    """Split a store selector into (kind, location): ('oxigraph', path|'memory') or ('http', url|selector)."""
    if selector.startswith(("http://", "https://", "sparql:", "sparql+")):
        return "http", selector
    if selector.startswith("oxigraph:"):
        selector = selector[len("oxigraph:") :]
    if selector in ("", "memory", ":memory:"):
        return "oxigraph", "memory"
    return "oxigraph", selector


def open_store(selector: str, base_iri: str, read_only: bool = False) -> GraphStore:
    """Return the store a selector names (see the module docstring)."""
    kind, location = parse_selector(selector)
    if kind == "http":
        from cnc_graph.store.remote import SparqlEndpointStore  # here: only a server needs the HTTP libraries

        return SparqlEndpointStore(location, base_iri, read_only=read_only)
    path = None if location == "memory" else Path(location)
    return OxigraphStore(path, base_iri, read_only=read_only)

"""Triples written in an RDF syntax; JSON-LD under the project's published context."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.plugins.serializers.jsonld import Converter
from rdflib.plugins.shared.jsonld.context import Context as JsonLdContext

from cnc_graph.rdf import jsonld_writer
from cnc_graph.rdf.jsonld import context
from cnc_graph.rdf.syntaxes import syntax
from cnc_graph.rdf.terms import graph_from_triples
from cnc_graph.settings import Settings


def to_jsonld(triples: list[ox.Triple], settings: Settings, context_url: str | None = None) -> bytes:
    """Return ``triples`` as compact JSON-LD using the published context (referenced by URL if given)."""
    ontology = settings.root / "ontology" / "cnc.ttl"
    ctx = context(ontology)
    document = _compactor(ontology).document(triples)
    if document is not None:
        document["@context"] = context_url or ctx["@context"]
        return _json_bytes(document)
    # Blank nodes or lists: what rdflib's JSON-LD serialiser does (``from_rdf`` then sorted, indented JSON),
    # minus the work that does not depend on the triples (the context is parsed once, no JSON is re-read).
    parsed = _parsed_context(ontology)
    graph: rdflib.Graph = graph_from_triples(triples)
    converted = Converter(parsed, False, False).convert(graph)
    if isinstance(converted, list):
        converted = {parsed.get_key("@graph"): converted}
    converted["@context"] = context_url or ctx["@context"]
    return _json_bytes(converted)


def _json_bytes(document: object) -> bytes:
    """Return a JSON-LD document as the UTF-8 text every export writes: sorted keys, indented by two."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


@cache
def _parsed_context(ontology_path: Path) -> JsonLdContext:
    """Return the published context parsed by rdflib (read-only while converting, so shared between threads)."""
    return JsonLdContext(context(ontology_path)["@context"])


@cache
def _compactor(ontology_path: Path) -> jsonld_writer.Compactor:
    """Return the compactor for the published context (its caches are safe to share between threads)."""
    return jsonld_writer.Compactor(_parsed_context(ontology_path))


def serialise(triples: list[ox.Triple], name: str, settings: Settings, context_url: str | None = None) -> bytes:
    """Return ``triples`` in the syntax ``name`` (JSON-LD compacted with our context)."""
    chosen = syntax(name)
    if chosen.name == "jsonld":
        return to_jsonld(triples, settings, context_url)
    prefixes = {
        "cnc": "https://w3id.org/cnc-ma/ontology#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dct": "http://purl.org/dc/terms/",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
    }
    if chosen.name == "ttl":
        return ox.serialize(triples, format=chosen.oxigraph, prefixes=prefixes)  # type: ignore[return-value]
    return ox.serialize(triples, format=chosen.oxigraph)  # type: ignore[return-value]

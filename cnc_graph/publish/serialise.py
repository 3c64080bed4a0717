"""Triples written in an RDF syntax; JSON-LD under the project's published context."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.plugins.serializers.jsonld import Converter
from rdflib.plugins.shared.jsonld.context import Context as JsonLdContext

from cnc_graph.rdf import jsonld_writer
from cnc_graph.rdf.jsonld import context
from cnc_graph.rdf.syntaxes import syntax
from cnc_graph.rdf.terms import graph_from_triples
from cnc_graph.settings import Settings


def to_jsonld(
    triples: list[ox.Triple], settings: Settings, context_url: str | None = None, root: str | None = None
) -> bytes:
    """Return ``triples`` as compact JSON-LD using the published context (referenced by URL if given).

    With ``root`` (the resource described), the document is that one node with what it points to nested in it
    (its outcomes, opportunities, the labels of its level…), not one node among others in an ``@graph``.
    """
    ontology = settings.root / "ontology" / "cnc.ttl"
    ctx = context(ontology)
    document = _compactor(ontology).document(triples)
    if document is not None:
        if root is not None:
            document = framed(document, root, ctx["@context"])
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


def framed(document: dict[str, Any], root: str, terms: dict[str, Any]) -> dict[str, Any]:
    """Return a compact document with the node ``root`` on top and every node it reaches nested where it is
    referenced (once each, the root never again); nodes it does not reach stay after it in ``@graph``."""
    nodes = document.get("@graph")
    if not isinstance(nodes, list):
        return document
    by_id = {n.get("id"): n for n in nodes if isinstance(n, dict) and isinstance(n.get("id"), str)}
    if root not in by_id:
        return document
    linked = {k for k, v in terms.items() if isinstance(v, dict) and v.get("@type") == "@id"}
    placed = {root}

    def embed(value: Any, iri_valued: bool) -> Any:
        if isinstance(value, list):
            return [embed(v, iri_valued) for v in value]
        if isinstance(value, str) and iri_valued:
            target: object = value
        elif isinstance(value, dict) and list(value) == ["id"]:
            target = value["id"]
        else:
            return value
        if not isinstance(target, str) or target not in by_id or target in placed:
            return value
        placed.add(target)
        return nest(by_id[target])

    def nest(node: dict[str, Any]) -> dict[str, Any]:
        return {k: v if k in ("id", "type") else embed(v, k in linked) for k, v in node.items()}

    top = nest(by_id[root])
    rest = [n for n in nodes if not (isinstance(n, dict) and n.get("id") in placed)]
    return top if not rest else {"@graph": [top, *rest]}


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


def serialise(
    triples: list[ox.Triple], name: str, settings: Settings, context_url: str | None = None, root: str | None = None
) -> bytes:
    """Return ``triples`` in the syntax ``name`` (JSON-LD compacted with our context, framed on ``root`` if given)."""
    chosen = syntax(name)
    if chosen.name == "jsonld":
        return to_jsonld(triples, settings, context_url, root)
    prefixes = {
        "cnc": "https://w3id.org/cnc-ma/ontology#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dct": "http://purl.org/dc/terms/",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
    }
    if chosen.name == "ttl":
        return ox.serialize(triples, format=chosen.oxigraph, prefixes=prefixes)  # type: ignore[return-value]
    return ox.serialize(triples, format=chosen.oxigraph)  # type: ignore[return-value]

"""Describing resources and writing the graph out: Turtle, N-Triples, JSON-LD (with our context), dumps.

Dumps stream: triples go from the store's query iterator to the file without being collected.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.plugins.serializers.jsonld import Converter
from rdflib.plugins.shared.jsonld.context import Context as JsonLdContext

from cnc_graph import jsonld_writer
from cnc_graph.cache import per_generation
from cnc_graph.errors import InputError, Location, NotFound
from cnc_graph.jsonld import context
from cnc_graph.namespaces import graph_iri
from cnc_graph.queries import load_query
from cnc_graph.settings import Settings
from cnc_graph.store import GraphStore
from cnc_graph.terms import graph_from_triples


@dataclass(frozen=True)
class RdfSyntax:
    """An RDF serialisation we offer: name, file extension, media type, pyoxigraph format."""

    name: str
    extension: str
    media_type: str
    oxigraph: ox.RdfFormat


SYNTAXES: dict[str, RdfSyntax] = {
    "ttl": RdfSyntax("ttl", "ttl", "text/turtle", ox.RdfFormat.TURTLE),
    "nt": RdfSyntax("nt", "nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": RdfSyntax("jsonld", "jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": RdfSyntax("rdfxml", "rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
}


def syntax(name: str) -> RdfSyntax:
    """Return the syntax called ``name`` (ttl, nt, jsonld, rdfxml) or raise an InputError."""
    found = SYNTAXES.get(name)
    if found is None:
        raise InputError(f"unknown format « {name} »; use one of {', '.join(SYNTAXES)}", Location(field="format"))
    return found


def describe_qualification(store: GraphStore, code: str, base_iri: str) -> list[ox.Triple]:
    """Return the card of the qualification with ``code``, or raise NotFound."""
    iri = f"{base_iri}qualification/{code}"
    node = ox.NamedNode(iri)
    triples = _card_triples(store.query(load_query("qualification_card"), bindings={"q": node}), node)
    if not triples:
        raise NotFound(f"no qualification with code « {code} »")
    return triples + labels_of(store, triples, {iri})


def _card_triples(rows: object, subject: ox.NamedNode) -> list[ox.Triple]:
    """Return the card query's (?part ?p ?o) rows as triples, in order, each once (a triple may be in two graphs).

    The rows are consumed here, so that they do not outlive this call: pyoxigraph solutions must be dropped
    on the thread that made them, and an exception raised by the caller would otherwise carry them away.
    """
    return list(dict.fromkeys(ox.Triple(part or subject, p, o) for part, p, o in rows))  # type: ignore[attr-defined]


def labels_of(store: GraphStore, triples: list[ox.Triple], described: set[str]) -> list[ox.Triple]:
    """Return the labels and notations of the IRIs ``triples`` point to (outside ``described``)."""
    targets = sorted(
        {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
        - described
        - {t.subject.value for t in triples}
    )
    if not targets:
        return []
    return per_generation(store, LabelCache).labels(store, targets)


class LabelCache:
    """Labels and notations of resources, read from the store on first use and kept for one generation.

    Cards point to the same levels, fields, bodies and ESCO concepts again and again: their labels are
    read once per state of the public graphs, not once per card.
    """

    MAX_ENTRIES = 500_000  # a bound on memory; past it the cache starts afresh

    def __init__(self, store: GraphStore) -> None:
        self._entries: dict[str, tuple[ox.Triple, ...]] = {}
        self._lock = threading.Lock()

    def labels(self, store: GraphStore, targets: list[str]) -> list[ox.Triple]:
        """Return the label and notation triples of ``targets``, in the order of ``targets``."""
        with self._lock:
            known = {i: self._entries[i] for i in targets if i in self._entries}
        missing = [i for i in targets if i not in known]
        if missing:
            found: dict[str, list[ox.Triple]] = {i: [] for i in missing}
            query = load_query("labels_of")
            for t in store.query(query, bindings={"target": [ox.NamedNode(i) for i in missing]}):  # type: ignore[union-attr]
                found[t.subject.value].append(t)
            with self._lock:
                if len(self._entries) + len(found) > self.MAX_ENTRIES:
                    self._entries.clear()
                for iri, rows in found.items():
                    known[iri] = self._entries[iri] = tuple(rows)
        return [t for i in targets for t in known[i]]


def describe_resource(store: GraphStore, iri: str) -> list[ox.Triple]:
    """Return what the graph says about ``iri`` (and its neighbours' labels), or raise NotFound."""
    try:
        node = ox.NamedNode(iri)
    except ValueError as exc:
        raise InputError(f"« {iri} » is not a valid IRI", Location(field="iri")) from exc
    if iri.rstrip("/").rsplit("/", 2)[-2:-1] == ["qualification"]:
        code = iri.rstrip("/").rsplit("/", 1)[-1]
        base = iri[: iri.rindex("qualification/")]
        return describe_qualification(store, code, base)
    triples = list(store.query(load_query("resource_description"), bindings={"s": node}))  # type: ignore[call-overload]
    if not triples:
        raise NotFound(f"nothing is known about {iri}")
    return triples + labels_of(store, triples, {iri})


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


def elm_export(store: GraphStore) -> list[ox.Triple]:
    """Return the register's qualifications in the ELM 3 shape (see ``queries/elm_qualifications.rq``)."""
    return list(store.query(load_query("elm_qualifications")))  # type: ignore[call-overload]

"""Describing resources and writing the graph out: Turtle, N-Triples, JSON-LD (with our context), dumps.

Dumps stream: triples go from the store's query iterator to the file without being collected.
"""

from __future__ import annotations

import threading

import pyoxigraph as ox

from cnc_graph.errors import InputError, Location, NotFound
from cnc_graph.iris import qualification_iri
from cnc_graph.rdf.query_files import load_query
from cnc_graph.rdf.query_files import triples as stored_triples
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore


def describe_qualification(store: GraphStore, code: str, base_iri: str) -> list[ox.Triple]:
    """Return the card of the qualification with ``code``, or raise NotFound."""
    iri = qualification_iri(base_iri, code)
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
        - {t.subject.value for t in triples if not isinstance(t.subject, ox.Triple)}
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
            for t in stored_triples(store, "labels_of", target=[ox.NamedNode(i) for i in missing]):
                if isinstance(t.subject, ox.NamedNode):
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
    triples = stored_triples(store, "resource_description", s=node)
    if not triples:
        raise NotFound(f"nothing is known about {iri}")
    return triples + labels_of(store, triples, {iri})

"""The ontology as a reader sees it: each class and property it defines with its labels, definition, domain,
range, super-terms and alignments to other vocabularies, read from the graph (``ontology/cnc.ttl`` and
``ontology/alignments.ttl``). The ontology page (``/id/ontology`` in a browser) is made of these terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from cnc_graph.iris import OWL, RDF, RDFS, SKOS
from cnc_graph.rdf.query_files import select
from cnc_graph.store.protocol import GraphStore

KINDS = {
    OWL + "Class": "class",
    OWL + "ObjectProperty": "object",
    OWL + "DatatypeProperty": "datatype",
    OWL + "AnnotationProperty": "annotation",
    RDF + "Property": "property",
}
#: Statements of a term that name another term, by what they mean (the page shows each under its own heading).
RELATIONS = {
    RDFS + "subClassOf": "super",
    RDFS + "subPropertyOf": "super",
    RDFS + "domain": "domain",
    RDFS + "range": "range",
    OWL + "equivalentClass": "match",
    OWL + "equivalentProperty": "match",
    SKOS + "exactMatch": "match",
    SKOS + "closeMatch": "match",
    SKOS + "broadMatch": "match",
    SKOS + "narrowMatch": "match",
    SKOS + "relatedMatch": "match",
    OWL + "inverseOf": "inverse",
}


@dataclass
class Term:
    """One class or property of the ontology."""

    iri: str
    name: str
    kind: str = "property"
    labels: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    related: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def is_class(self) -> bool:
        """Whether the term is a class (else a property)."""
        return self.kind == "class"


def ontology_terms(store: GraphStore, ontology_iri: str) -> list[Term]:
    """Return the terms defined by ``ontology_iri``, classes first, each group in the order of their names."""
    terms: dict[str, Term] = {}
    for row in select(store, "ontology_terms", ontology=ox.NamedNode(ontology_iri)):
        subject, predicate, obj = row["term"], row["p"], row["o"]
        if not isinstance(subject, ox.NamedNode) or not isinstance(predicate, ox.NamedNode):
            continue
        term = terms.setdefault(subject.value, Term(subject.value, _local_name(subject.value)))
        p = predicate.value
        if isinstance(obj, ox.Literal):
            target = {
                RDFS + "label": term.labels,
                SKOS + "definition": term.definitions,
                RDFS + "comment": term.comments,
            }.get(p)
            if target is not None:
                target.setdefault(obj.language or "und", obj.value)
        elif isinstance(obj, ox.NamedNode):
            if p == RDF + "type" and obj.value in KINDS:
                term.kind = KINDS[obj.value]
            elif p in RELATIONS:
                term.related.setdefault(RELATIONS[p], []).append((p, obj.value))
    return sorted(terms.values(), key=lambda t: (not t.is_class, t.name.lower()))


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1] if "#" in iri else iri.rsplit("/", 1)[-1]

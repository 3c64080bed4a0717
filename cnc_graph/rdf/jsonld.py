"""The published JSON-LD context, derived from the ontology so that the two cannot drift."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, XSD

from cnc_graph.iris import CNC, PREFIXES

# Terms of other vocabularies that our resources use, by their short name in JSON.
EXTERNAL_TERMS: dict[str, tuple[str, str | None]] = {
    "title": ("http://purl.org/dc/terms/title", None),
    "description": ("http://purl.org/dc/terms/description", None),
    "source": ("http://purl.org/dc/terms/source", "@id"),
    "prefLabel": ("http://www.w3.org/2004/02/skos/core#prefLabel", None),
    "altLabel": ("http://www.w3.org/2004/02/skos/core#altLabel", None),
    "notation": ("http://www.w3.org/2004/02/skos/core#notation", None),
    "definition": ("http://www.w3.org/2004/02/skos/core#definition", None),
    "inScheme": ("http://www.w3.org/2004/02/skos/core#inScheme", "@id"),
    "exactMatch": ("http://www.w3.org/2004/02/skos/core#exactMatch", "@id"),
    "closeMatch": ("http://www.w3.org/2004/02/skos/core#closeMatch", "@id"),
    "broadMatch": ("http://www.w3.org/2004/02/skos/core#broadMatch", "@id"),
    "narrowMatch": ("http://www.w3.org/2004/02/skos/core#narrowMatch", "@id"),
    "relatedMatch": ("http://www.w3.org/2004/02/skos/core#relatedMatch", "@id"),
    "page": ("http://xmlns.com/foaf/0.1/page", "@id"),
    "homepage": ("http://xmlns.com/foaf/0.1/homepage", "@id"),
}


@cache
def context(ontology_path: Path) -> dict[str, dict[str, object]]:
    """Return the JSON-LD context: our prefixes, one term per ontology property, common external terms."""
    graph = rdflib.Graph()
    graph.parse(ontology_path, format="turtle")
    terms: dict[str, object] = {prefix: iri for prefix, iri in PREFIXES.items()}
    terms["id"] = "@id"
    terms["type"] = "@type"
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in sorted(graph.subjects(RDF.type, kind), key=str):
            iri = str(prop)
            if not iri.startswith(CNC):
                continue
            name = iri.removeprefix(CNC)
            definition: dict[str, str] = {"@id": f"cnc:{name}"}
            if kind == OWL.ObjectProperty:
                definition["@type"] = "@id"
            else:
                rng = graph.value(prop, RDFS.range)
                if isinstance(rng, rdflib.URIRef) and str(rng).startswith(str(XSD)) and rng != XSD.string:
                    definition["@type"] = "xsd:" + str(rng).removeprefix(str(XSD))
            terms[name] = definition
    for name, (iri, coercion) in EXTERNAL_TERMS.items():
        terms[name] = {"@id": iri, "@type": coercion} if coercion else {"@id": iri}
    for cls in sorted(graph.subjects(RDF.type, OWL.Class), key=str):
        if str(cls).startswith(CNC):
            terms[str(cls).removeprefix(CNC)] = f"cnc:{str(cls).removeprefix(CNC)}"
    return {"@context": terms}

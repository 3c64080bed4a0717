"""Namespaces of the vocabularies we use, and the IRIs of our own resources and named graphs."""

from __future__ import annotations

CNC = "https://w3id.org/cnc-ma/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
ESCO_MODEL = "http://data.europa.eu/esco/model#"
ELM = "http://data.europa.eu/snb/model/elm/"
SCHEMA = "https://schema.org/"
CETERMS = "https://purl.org/ctdl/terms/"
ORG = "http://www.w3.org/ns/org#"
SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"

PREFIXES: dict[str, str] = {
    "cnc": CNC,
    "skos": SKOS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "sh": SH,
    "dct": DCT,
    "foaf": FOAF,
    "prov": PROV,
    "esco": ESCO_MODEL,
    "elm": ELM,
    "schema": SCHEMA,
    "ceterms": CETERMS,
    "org": ORG,
    "sssom": SSSOM,
    "semapv": SEMAPV,
    "dcat": DCAT,
    "void": VOID,
}

GRAPH_SEGMENT = "graph/"
PRIVATE_GRAPH_SEGMENT = "graph/private/"
STAGING_GRAPH_SEGMENT = "graph/staging/"


def graph_iri(base: str, source: str) -> str:
    """Return the IRI of the named graph holding one source, e.g. ``graph/framework/cnc``."""
    return f"{base}{GRAPH_SEGMENT}{source}"


def staging_graph_iri(graph: str) -> str:
    """Return the private staging graph used to replace ``graph`` atomically."""
    marker = GRAPH_SEGMENT
    head, _, tail = graph.partition(marker)
    return f"{head}{STAGING_GRAPH_SEGMENT}{tail}" if tail else f"{graph}#staging"


def is_public_graph(base: str, graph: str) -> bool:
    """Return whether a named graph belongs to the public union (not private, not staging)."""
    return not (
        graph.startswith(base + PRIVATE_GRAPH_SEGMENT)
        or graph.startswith(base + STAGING_GRAPH_SEGMENT)
        or graph.endswith("#staging")
    )

"""Namespaces of the vocabularies we use, and the IRIs of our own resources and named graphs."""

from __future__ import annotations

import re

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
CNCSH = "https://w3id.org/cnc-ma/shapes#"

RDF_TYPE = RDF + "type"

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

# What an IRI written in a cell or a body may look like (absolute http(s), no characters N-Triples forbids).
IRI_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
# An organisation's identifier: the last segment of its IRI.
ORG_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

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


# The IRIs of the register's own resources, all under one configurable base (``Settings.base_iri``).


def qualification_iri(base: str, code: str) -> str:
    """Return the IRI of the qualification with ``code``."""
    return f"{base}qualification/{code}"


def level_iri(base: str, framework: str, number: int) -> str:
    """Return the IRI of level ``number`` of one of our frameworks (``framework/cnc/level/5``)."""
    return f"{base}framework/{framework}/level/{number}"


def subsector_iri(base: str, key: str) -> str:
    """Return the IRI of a sub-sector (``subsector/vocational``)."""
    return f"{base}subsector/{key}"


def organisation_iri(base: str, identifier: str) -> str:
    """Return the IRI of an organisation by its identifier."""
    return f"{base}organisation/{identifier}"


def region_iri(base: str, key: str) -> str:
    """Return the IRI of a region."""
    return f"{base}region/{key}"


def vocab_iri(base: str, vocabulary: str, key: str) -> str:
    """Return the IRI of a concept of one of our controlled vocabularies (``vocab/acquisition-mode/rpl``)."""
    return f"{base}vocab/{vocabulary}/{key}"


def mapping_set_iri(base: str, key: str) -> str:
    """Return the IRI of a mapping set (one SSSOM table)."""
    return f"{base}mapping/{key}"


def mapping_record_iri(base: str, key: str, index: int) -> str:
    """Return the IRI of the ``index``-th record of a mapping set."""
    return f"{base}mapping/{key}/{index}"


def account_iri(base: str, name: str) -> str:
    """Return the IRI of a workflow account."""
    return f"{base}account/{name}"


def registration_iri(base: str, application: str) -> str:
    """Return the IRI of a registration application."""
    return f"{base}registration/{application}"


def registry_counter_iri(base: str, year: int | str) -> str:
    """Return the IRI of the counter that numbers one year's published codes."""
    return f"{base}registry/counter/{year}"


def dataset_iri(base: str, part: str | None = None) -> str:
    """Return the IRI of the register as a dataset, or of one of its parts (``dataset/esco``)."""
    return f"{base}dataset" if part is None else f"{base}dataset/{part}"

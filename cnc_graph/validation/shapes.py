"""The project's shapes and ontology, and the one way to get a Validator for them."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import rdflib

from cnc_graph.rdf.files import parse_rdf_file
from cnc_graph.rdf.terms import graph_from_triples
from cnc_graph.settings import Settings
from cnc_graph.validation.validator import Validator


def load_shapes(root: Path | None = None) -> rdflib.Graph:
    """Return the union of every shapes file under ``root/shapes`` (default: the configured root)."""
    graph = rdflib.Graph()
    for path in sorted(((root or Settings().root) / "shapes").glob("*.ttl")):
        graph_from_triples(parse_rdf_file(path, "https://w3id.org/cnc-ma/shapes/"), graph)
    return graph


def validator_for(settings: Settings) -> Validator:
    """Return a validator with the project's shapes and ontology (built once per state of those files)."""
    files = [settings.root / "ontology" / "cnc.ttl", settings.root / "ontology" / "alignments.ttl"]
    files += sorted((settings.root / "shapes").glob("*.ttl"))
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in files if p.exists())
    return _validator(settings.root, settings.base_iri, stamp)


@functools.lru_cache(maxsize=4)
def _validator(root: Path, base_iri: str, _stamp: tuple[tuple[str, int], ...]) -> Validator:
    ontology = [root / "ontology" / "cnc.ttl", root / "ontology" / "alignments.ttl"]
    triples = [t for p in ontology if p.exists() for t in parse_rdf_file(p, base_iri)]
    return project_validator(root, triples)


def project_validator(root: Path, ontology: Iterable[ox.Triple]) -> Validator:
    """Return a validator with the shapes under ``root/shapes`` and the given ontology triples (for subclassing)."""
    return Validator(load_shapes(root), graph_from_triples(ontology))

"""The sources the build loads, each into its own named graph, and the reader of RDF sources."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.rdf.files import parse_rdf_file

RDF_SUFFIXES = (".ttl", ".nt", ".jsonld", ".rdf")


@dataclass(frozen=True)
class Source:
    """One source: a graph key (``framework/cnc``), the kind of reader, and its files."""

    key: str
    kind: str
    files: tuple[Path, ...]


def read_rdf(source: Source, base_iri: str) -> list[ox.Triple]:
    """Return the triples of every RDF file of a source."""
    triples: list[ox.Triple] = []
    for path in source.files:
        triples.extend(parse_rdf_file(path, base_iri))
    return triples


def _rdf_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix in RDF_SUFFIXES and p.is_file())


def discover_sources(root: Path) -> list[Source]:
    """Return the sources shipped under ``root``, in load order."""
    sources: list[Source] = []
    ontology = [root / "ontology" / "cnc.ttl", root / "ontology" / "alignments.ttl"]
    sources.append(Source("ontology", "rdf", tuple(p for p in ontology if p.exists())))
    sources.append(Source("shapes", "rdf", tuple(_rdf_files(root / "shapes"))))
    vocab = _rdf_files(root / "data" / "vocab")
    if vocab:
        sources.append(Source("vocab", "rdf", tuple(vocab)))
    for path in _rdf_files(root / "data" / "frameworks"):
        sources.append(Source(f"framework/{path.stem}", "rdf", (path,)))
    esco = _rdf_files(root / "data" / "esco")
    if esco:
        # The shipped slice has its own graph, so that a full `cnc-graph import esco` (graph esco)
        # and a rebuild never overwrite each other.
        sources.append(Source("esco-slice", "rdf", tuple(esco)))
    inventory = root / "data" / "inventory"
    organisations = inventory / "organisations.csv"
    if organisations.exists():
        sources.append(Source("inventory/organisations", "organisations", (organisations,)))
    for path in sorted(inventory.glob("*.csv")):
        if path.name != "organisations.csv":
            sources.append(Source(f"inventory/{path.stem}", "inventory", (path,)))
    for path in sorted((root / "mappings").glob("*.sssom.tsv")):
        sources.append(Source(f"mappings/{path.name.removesuffix('.sssom.tsv')}", "sssom", (path,)))
    for path in _rdf_files(root / "mappings"):
        sources.append(Source(f"mappings/{path.stem}", "rdf", (path,)))
    return sources

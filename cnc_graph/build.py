"""``cnc-graph build``: read every shipped source, validate it all with the shapes, load it atomically."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cnc_graph import __version__
from cnc_graph.errors import ValidationFailed
from cnc_graph.ingest.readers import readers
from cnc_graph.ingest.sources import Source, discover_sources
from cnc_graph.iris import DCT, OWL, RDF, VOID, XSD, graph_iri
from cnc_graph.rdf.query_files import select, value
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore
from cnc_graph.validation.shapes import project_validator
from cnc_graph.validation.validator import ValidationReport

Progress = Callable[[str, int, int], None]
NOT_VALIDATED = ("shapes", "ontology")


@dataclass
class BuildSummary:
    """What a build loaded: triples per graph, resources per class, frameworks, and the report."""

    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    frameworks: list[dict[str, str | None]] = field(default_factory=list)
    qualifications: list[dict[str, str | None]] = field(default_factory=list)
    report: ValidationReport = field(default_factory=ValidationReport)
    seconds: float = 0.0


def read_sources(sources: list[Source], base_iri: str, progress: Progress | None = None) -> dict[str, list[ox.Triple]]:
    """Return the triples of each source, keyed by graph key."""
    by_kind = readers()
    contents: dict[str, list[ox.Triple]] = {}
    for index, source in enumerate(sources, start=1):
        if progress:
            progress(f"reading {source.key}", index, len(sources))
        contents[source.key] = by_kind[source.kind](source, base_iri)
    return contents


def build(
    store: GraphStore,
    settings: Settings,
    progress: Progress | None = None,
    allow_violations: bool = False,
) -> BuildSummary:
    """Load ontology, shapes, frameworks, vocabularies, inventory and mappings into ``store``.

    Everything is validated first; with a violation nothing is written (unless
    ``allow_violations``) and ``ValidationFailed`` carries the report.
    """
    started = time.perf_counter()
    sources = discover_sources(settings.root)
    contents = read_sources(sources, settings.base_iri, progress)
    if progress:
        progress("validating with the shapes", 0, 1)
    validator = project_validator(settings.root, contents.get("ontology", []))
    data = [t for key, triples in contents.items() if key not in NOT_VALIDATED for t in triples]
    report = validator.validate_triples(data)
    if report.violations and not allow_violations:
        raise ValidationFailed(report, "build")
    if progress:
        progress("writing the store", 0, 1)
    with store.transaction() as tx:
        for key, triples in contents.items():
            tx.replace_graph(graph_iri(settings.base_iri, key), triples)
        tx.replace_graph(graph_iri(settings.base_iri, "build"), _build_metadata(settings, contents, report))
    summary = summarise(store)
    summary.report = report
    summary.seconds = time.perf_counter() - started
    return summary


def _build_metadata(
    settings: Settings, contents: dict[str, list[ox.Triple]], report: ValidationReport
) -> list[ox.Triple]:
    """Return a small VoID description of the build: when, which version, triples per source graph."""
    base = settings.base_iri
    dataset = ox.NamedNode(f"{base}dataset")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    def t(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
        return ox.Triple(s, ox.NamedNode(p), o)

    triples = [
        t(dataset, RDF + "type", ox.NamedNode(VOID + "Dataset")),
        t(dataset, DCT + "modified", ox.Literal(now, datatype=ox.NamedNode(XSD + "dateTime"))),
        t(dataset, OWL + "versionInfo", ox.Literal(__version__)),
        t(
            dataset,
            VOID + "triples",
            ox.Literal(str(sum(map(len, contents.values()))), datatype=ox.NamedNode(XSD + "integer")),
        ),
    ]
    for key, graph_triples in contents.items():
        subset = ox.NamedNode(graph_iri(base, key))
        triples += [
            t(dataset, VOID + "subset", subset),
            t(subset, RDF + "type", ox.NamedNode(VOID + "Dataset")),
            t(subset, VOID + "triples", ox.Literal(str(len(graph_triples)), datatype=ox.NamedNode(XSD + "integer"))),
        ]
    return triples


def summarise(store: GraphStore) -> BuildSummary:
    """Return triples per graph, resources per class, frameworks and qualification counts of a store."""
    summary = BuildSummary(graphs=store.graphs(public_only=True))
    for row in select(store, "class_counts"):
        summary.classes[str(value(row["class"])).rsplit("#", 1)[-1]] = int(value(row["n"]) or 0)
    summary.frameworks = [{k: value(v) for k, v in row.items()} for row in select(store, "framework_levels")]
    summary.qualifications = [
        {k: value(v) for k, v in row.items()} for row in select(store, "qualifications_by_subsector_level")
    ]
    return summary

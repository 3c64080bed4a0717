"""``cnc-graph build``: read the shipped sources, validate the graph they make with the shapes, load it atomically.

The store is the register. A build (re)loads the reference graphs (ontology, shapes, frameworks, vocabularies,
the ESCO slice, mappings) and seeds the shipped inventory (``inventory/…`` graphs) only where the store has no
such graph yet: what was imported or published since is kept, and validated with the rest. ``reset=True``
starts over: every register graph is dropped and the shipped inventory loaded again; the summary says what
was dropped.
"""

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
from cnc_graph.rdf.query_files import load_query, select, value
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore
from cnc_graph.validation.shapes import project_validator
from cnc_graph.validation.validator import ValidationReport

Progress = Callable[[str, int, int], None]
NOT_VALIDATED = ("shapes", "ontology")
SEEDED = "inventory/"  # graph keys of the register's data: loaded from the shipped files into an empty store only


@dataclass
class BuildSummary:
    """What a build loaded: triples per graph, resources per class, frameworks, and the report."""

    graphs: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    frameworks: list[dict[str, str | None]] = field(default_factory=list)
    qualifications: list[dict[str, str | None]] = field(default_factory=list)
    report: ValidationReport = field(default_factory=ValidationReport)
    seconds: float = 0.0
    kept: dict[str, int] = field(default_factory=dict)  # register graphs kept as the store holds them: triples
    dropped: dict[str, int] = field(default_factory=dict)  # register graphs a reset dropped or reloaded: triples


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
    reset: bool = False,
) -> BuildSummary:
    """Load ontology, shapes, frameworks, vocabularies and mappings into ``store``, and seed the inventory.

    Register graphs already in the store (imports, publications) are kept unless ``reset``; see the module's
    docstring. Everything the store will hold is validated first; with a violation nothing is written (unless
    ``allow_violations``) and ``ValidationFailed`` carries the report.
    """
    started = time.perf_counter()
    base = settings.base_iri
    held = store.graphs(public_only=True)
    register = {g: n for g, n in held.items() if _is_register_graph(base, g)}
    sources = discover_sources(settings.root)
    if not reset:
        sources = [s for s in sources if not (s.key.startswith(SEEDED) and graph_iri(base, s.key) in register)]
    contents = read_sources(sources, base, progress)
    written = {graph_iri(base, key) for key in contents}
    kept = {} if reset else {g: n for g, n in register.items() if g not in written}
    if progress:
        progress("validating with the shapes", 0, 1)
    validator = project_validator(settings.root, contents.get("ontology", []))
    data = [t for key, triples in contents.items() if key not in NOT_VALIDATED for t in triples]
    for graph in kept:
        data += stored_graph(store, graph)
    report = validator.validate_triples(data)
    if report.violations and not allow_violations:
        raise ValidationFailed(report, "build")
    if progress:
        progress("writing the store", 0, 1)
    with store.transaction() as tx:
        for key, triples in contents.items():
            tx.replace_graph(graph_iri(base, key), triples)
        if reset:
            for graph in register:
                if graph not in written:
                    tx.drop_graph(graph)
        tx.replace_graph(graph_iri(base, "build"), _build_metadata(settings, contents, report))
    summary = summarise(store)
    summary.report = report
    summary.kept = kept
    summary.dropped = register if reset else {}
    summary.seconds = time.perf_counter() - started
    return summary


def _is_register_graph(base: str, graph: str) -> bool:
    """Return whether a public graph holds the register's data (inventory or publications), not reference data."""
    return graph.startswith(graph_iri(base, SEEDED)) or graph == graph_iri(base, "register")


def stored_graph(store: GraphStore, graph: str) -> list[ox.Triple]:
    """Return the triples the store holds in the public ``graph`` (none if there is no such graph)."""
    return list(store.query(load_query("graph_triples"), bindings={"g": ox.NamedNode(graph)}))  # type: ignore[arg-type]


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

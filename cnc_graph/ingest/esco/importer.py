"""Importing the official ESCO CSV distribution into the ``graph/esco`` named graph, atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cnc_graph.ingest.esco.concepts import EscoStats, concept_kind_order, esco_triples
from cnc_graph.ingest.esco.files import Progress
from cnc_graph.iris import graph_iri
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

ESCO_GRAPH = "esco"


@dataclass
class EscoImportResult:
    """What an ESCO import wrote: the graph, its triples, and counts of concepts, relations and labels."""

    graph: str
    triples: int
    version: str
    modified: str | None
    concepts: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    labels: dict[str, dict[str, int]] = field(default_factory=dict)
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_stats(cls, graph: str, stats: EscoStats) -> EscoImportResult:
        """Return the result described by the statistics of a conversion."""
        return cls(
            graph=graph,
            triples=stats.triples,
            version=stats.version,
            modified=stats.modified,
            concepts={k: stats.concepts[k] for k in concept_kind_order(stats.concepts)},
            relations=dict(sorted(stats.relations.items())),
            labels={lang: dict(counts) for lang, counts in sorted(stats.labels.items())},
            coverage={k: dict(sorted(stats.coverage[k].items())) for k in concept_kind_order(stats.coverage)},
            files=list(stats.files),
            skipped=dict(stats.skipped),
        )


def import_esco(
    store: GraphStore,
    settings: Settings,
    path: Path,
    version: str | None = None,
    progress: Progress | None = None,
) -> EscoImportResult:
    """Convert an ESCO CSV folder or file and make ``graph/esco`` hold exactly it; on any error nothing is written."""
    stats = EscoStats()
    graph = graph_iri(settings.base_iri, ESCO_GRAPH)
    # The whole conversion runs before the store is touched, so a bad row leaves the old graph in place.
    triples = list(esco_triples(path, settings.base_iri, version, stats, progress))
    if progress:
        progress(f"writing {len(triples)} triples", 0, 1)
    store.replace_graph(graph, triples)
    return EscoImportResult.from_stats(graph, stats)

"""What the library needs from a quad store, whatever the backend."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


@dataclass
class StoreTransaction:
    """Changes collected inside ``GraphStore.transaction()`` and applied together at its end."""

    replacements: dict[str, list[ox.Triple]] = field(default_factory=dict)
    additions: dict[str, list[ox.Triple]] = field(default_factory=dict)
    drops: set[str] = field(default_factory=set)

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Schedule ``graph`` to hold exactly ``triples`` after the commit."""
        self.drops.discard(graph)
        self.additions.pop(graph, None)
        self.replacements[graph] = list(triples)

    def add(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Schedule ``triples`` to be added to ``graph``."""
        if graph in self.replacements:
            self.replacements[graph].extend(triples)
        else:
            self.additions.setdefault(graph, []).extend(triples)

    def drop_graph(self, graph: str) -> None:
        """Schedule ``graph`` to be removed."""
        self.replacements.pop(graph, None)
        self.additions.pop(graph, None)
        self.drops.add(graph)


@runtime_checkable
class GraphStore(Protocol):
    """What the library needs from a quad store, whatever the backend."""

    base_iri: str

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term | Sequence[Term]] | None = None,
        public_only: bool = True,
    ) -> QueryResult:
        """Run a SPARQL query; without a dataset clause it sees the union of public graphs."""
        ...

    def transaction(self) -> Iterator[StoreTransaction]:
        """Collect changes and apply them all at once, or none if anything fails."""
        ...

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``, atomically."""
        ...

    def add(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add ``triples`` to ``graph``, atomically."""
        ...

    def graphs(self, public_only: bool = False) -> dict[str, int]:
        """Return the named graphs with their triple counts."""
        ...

    def close(self) -> None:
        """Release the store (flush, unlock)."""
        ...

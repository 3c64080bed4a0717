"""What the library needs from a quad store, whatever the backend."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import IO, Protocol, runtime_checkable

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class RemoteTriples:
    """The triples of a remote CONSTRUCT or DESCRIBE: iterate over them, or ``serialize()`` them."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self._triples = iter(triples)

    def __iter__(self) -> Iterator[ox.Triple]:
        return self

    def __next__(self) -> ox.Triple:
        return next(self._triples)

    def serialize(self, output: IO[bytes] | str | None = None, format: ox.RdfFormat | None = None) -> bytes | None:
        """Write the remaining triples to ``output`` (or return them as bytes) in ``format``, N-Triples by default."""
        return ox.serialize(self, output, format or ox.RdfFormat.N_TRIPLES)


# What a query gives back, on any store: CONSTRUCT and DESCRIBE give pyoxigraph's own triples or RemoteTriples.
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | RemoteTriples


@dataclass
class StoreTransaction:
    """Changes collected inside ``GraphStore.transaction()`` and applied together at its end."""

    replacements: dict[str, list[ox.Triple]] = field(default_factory=dict)
    additions: dict[str, list[ox.Triple]] = field(default_factory=dict)
    removals: dict[str, list[ox.Triple]] = field(default_factory=dict)
    drops: set[str] = field(default_factory=set)

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Schedule ``graph`` to hold exactly ``triples`` after the commit."""
        self.drops.discard(graph)
        self.additions.pop(graph, None)
        self.removals.pop(graph, None)
        self.replacements[graph] = list(triples)

    def add(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Schedule ``triples`` to be added to ``graph``."""
        if graph in self.replacements:
            self.replacements[graph].extend(triples)
        else:
            self.additions.setdefault(graph, []).extend(triples)

    def remove(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Schedule ``triples`` to be removed from ``graph`` before the additions (those it lacks are ignored).

        Triples with a blank node cannot be named this way: a backend refuses them (StoreError).
        """
        gone = list(triples)
        if graph in self.replacements:
            dropped = set(gone)
            self.replacements[graph] = [t for t in self.replacements[graph] if t not in dropped]
        else:
            self.removals.setdefault(graph, []).extend(gone)

    def drop_graph(self, graph: str) -> None:
        """Schedule ``graph`` to be removed."""
        self.replacements.pop(graph, None)
        self.additions.pop(graph, None)
        self.removals.pop(graph, None)
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

    def transaction(self) -> AbstractContextManager[StoreTransaction]:
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

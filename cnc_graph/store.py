"""The graph store: one small protocol, chosen by a selector string, and its embedded implementation.

Selectors (``Settings.store`` / ``CNC_STORE`` / ``--store``):

- ``oxigraph:PATH`` or a plain ``PATH``: the embedded pyoxigraph store on disk (the default);
- ``oxigraph:memory`` or ``memory``: an in-memory store (tests, one-off runs);
- ``http://HOST:PORT…``, ``sparql+virtuoso:URL``, ``sparql:URL…``: a remote SPARQL 1.1 server (see ``remote_store``).

Every source lives in its own named graph. Queries that name no dataset see the union of the
public named graphs as their default graph; private and staging graphs are never part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyoxigraph as ox

from cnc_graph.errors import InputError, StoreError
from cnc_graph.namespaces import PREFIXES, is_public_graph, staging_graph_iri

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


class OxigraphStore:
    """The embedded store: pyoxigraph (RocksDB on disk, or in memory), transactional."""

    def __init__(self, path: Path | None, base_iri: str, read_only: bool = False) -> None:
        self.base_iri = base_iri
        self.path = path
        self.read_only = read_only
        # Bumped on every committed write: lets caches and read-only query workers know to refresh.
        self.generation = 0
        # Bumped only when a public graph changes: what caches of public data (search, dumps,
        # SPARQL checkpoints) key on, so that private edits (drafts, accounts) do not flush them.
        self.public_generation = 0
        self._store = _open_oxigraph(path, read_only)

    # --- reading -------------------------------------------------------------------------

    def public_graphs(self) -> list[ox.NamedNode]:
        """Return the named graphs that form the public default graph."""
        return [
            g
            for g in self._store.named_graphs()
            if isinstance(g, ox.NamedNode) and is_public_graph(self.base_iri, g.value)
        ]

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term | Sequence[Term]] | None = None,
        public_only: bool = True,
    ) -> QueryResult:
        """Run a SPARQL query; without a dataset clause it sees the union of public graphs."""
        if bindings:
            sparql = bind_values(sparql, bindings)
        kwargs: dict[str, object] = {"prefixes": PREFIXES, "base_iri": self.base_iri}
        if public_only:
            graphs = self.public_graphs()
            kwargs["default_graph"] = graphs
            kwargs["named_graphs"] = graphs
        else:
            kwargs["use_default_graph_as_union"] = True
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as exc:
            raise InputError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"store {self.path or 'memory'}: {exc}") from exc

    def graphs(self, public_only: bool = False) -> dict[str, int]:
        """Return the named graphs with their triple counts."""
        counts: dict[str, int] = {}
        rows = self._store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        for row in rows:
            name = row["g"].value
            if public_only and not is_public_graph(self.base_iri, name):
                continue
            counts[name] = int(row["n"].value)
        return dict(sorted(counts.items()))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Iterate over the quads of one named graph, or of every graph."""
        g = ox.NamedNode(graph) if graph else None
        return iter(self._store.quads_for_pattern(None, None, None, g))

    def dump(self, output: Path, fmt: ox.RdfFormat, graph: str | None = None) -> None:
        """Serialise one graph (or the whole dataset for quad formats) to ``output``, streaming."""
        if graph is None:
            self._store.dump(output=str(output), format=fmt)
        else:
            self._store.dump(output=str(output), format=fmt, from_graph=ox.NamedNode(graph))

    # --- writing -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[StoreTransaction]:
        """Collect changes; at the end apply them in one committed update, or none on error.

        New graph contents are first loaded into private staging graphs, then one SPARQL
        update moves every staging graph over its target: readers see either the old state
        or the new one, never a mix, and a crash before the move leaves the public graphs intact.
        """
        tx = StoreTransaction()
        yield tx
        self._commit(tx)

    def _commit(self, tx: StoreTransaction) -> None:
        staged: list[tuple[str, str]] = []
        try:
            quads: list[ox.Quad] = []
            for graph, triples in tx.replacements.items():
                if not triples:
                    tx.drops.add(graph)
                    continue
                staging = staging_graph_iri(graph)
                self._store.remove_graph(ox.NamedNode(staging))
                staged.append((staging, graph))
                node = ox.NamedNode(staging)
                quads.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
            if quads:
                self._store.extend(quads)
            operations = [f"MOVE SILENT <{s}> TO <{g}>" for s, g in staged]
            operations += [f"DROP SILENT GRAPH <{g}>" for g in tx.drops]
            for graph, triples in tx.additions.items():
                if triples:
                    staging = staging_graph_iri(graph) + "-add"
                    node = ox.NamedNode(staging)
                    self._store.remove_graph(node)  # a crash may have left one behind: never apply it
                    self._store.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
                    staged.append((staging, graph))
                    operations.append(f"ADD SILENT <{staging}> TO <{graph}>")
                    operations.append(f"DROP SILENT GRAPH <{staging}>")
            if operations:
                self._store.update(" ;\n".join(operations))
            self._store.flush()
            self.generation += 1
            touched = set(tx.replacements) | set(tx.additions) | tx.drops
            if any(is_public_graph(self.base_iri, g) for g in touched):
                self.public_generation += 1
        except OSError as exc:
            for staging, _ in staged:
                self._discard(staging)
            raise StoreError(f"store {self.path or 'memory'}: write failed: {exc}") from exc

    def _discard(self, graph: str) -> None:
        with suppress(OSError):
            self._store.remove_graph(ox.NamedNode(graph))

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``, atomically."""
        with self.transaction() as tx:
            tx.replace_graph(graph, triples)

    def add(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add ``triples`` to ``graph``, atomically."""
        node = ox.NamedNode(graph)
        try:
            self._store.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
            self._store.flush()
            self.generation += 1
            if is_public_graph(self.base_iri, graph):
                self.public_generation += 1
        except OSError as exc:
            raise StoreError(f"store {self.path or 'memory'}: write failed: {exc}") from exc

    def is_empty(self) -> bool:
        """Return whether the store holds no public graph at all."""
        return not self.public_graphs()

    def close(self) -> None:
        """Flush and release the store (and its lock)."""
        if not self.read_only:
            with suppress(OSError):
                self._store.flush()
        del self._store


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bind_values(sparql: str, bindings: Mapping[str, Term | Sequence[Term]]) -> str:
    """Return ``sparql`` with ``VALUES`` for ``bindings`` at the start of its outer WHERE block.

    A binding is one term or a sequence of terms (then the variable takes each in turn). Terms are
    written in their N-Triples form, which pyoxigraph escapes strictly: a bound value can never
    change the shape of the query.
    """
    match = _WHERE.search(sparql)
    if match is None:
        raise ValueError("a query with bindings needs an explicit WHERE { … } block")
    clauses = []
    for name, bound in bindings.items():
        if not _VARIABLE.fullmatch(name):
            raise ValueError(f"invalid variable name {name!r}")
        terms = [bound] if isinstance(bound, ox.NamedNode | ox.Literal | ox.BlankNode) else list(bound)
        for term in terms:
            if not isinstance(term, ox.NamedNode | ox.Literal):
                raise TypeError(f"binding ?{name} must be IRIs or literals")
        clauses.append(f"VALUES ?{name} {{ {' '.join(str(term) for term in terms)} }}")
    return sparql[: match.end()] + " " + " ".join(clauses) + " " + sparql[match.end() :]


def _open_oxigraph(path: Path | None, read_only: bool) -> ox.Store:
    if path is None:
        return ox.Store()
    if read_only:
        if not (path / "CURRENT").exists():
            raise StoreError(f"no store at {path}: run `cnc-graph build --store {path}` first")
        try:
            return ox.Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open store {path} read-only: {exc}") from exc
    if path.exists() and not path.is_dir():
        raise StoreError(f"store path {path} exists and is not a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except PermissionError as exc:
        raise StoreError(f"cannot open store {path}: permission denied") from exc
    except OSError as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise StoreError(
                f"store {path} is locked by another process (is `cnc-graph serve` running on it?); "
                "stop that process or use another --store"
            ) from exc
        raise StoreError(f"cannot open store {path}: {text}") from exc


def parse_selector(selector: str) -> tuple[str, str]:
    """Split a store selector into (kind, location): ('oxigraph', path|'memory') or ('http', url|selector)."""
    if selector.startswith(("http://", "https://", "sparql:", "sparql+")):
        return "http", selector
    if selector.startswith("oxigraph:"):
        selector = selector[len("oxigraph:") :]
    if selector in ("", "memory", ":memory:"):
        return "oxigraph", "memory"
    return "oxigraph", selector


def open_store(selector: str, base_iri: str, read_only: bool = False) -> GraphStore:
    """Return the store a selector names (see the module docstring)."""
    kind, location = parse_selector(selector)
    if kind == "http":
        from cnc_graph.remote_store import SparqlEndpointStore  # here: remote_store imports this module

        return SparqlEndpointStore(location, base_iri, read_only=read_only)
    path = None if location == "memory" else Path(location)
    return OxigraphStore(path, base_iri, read_only=read_only)

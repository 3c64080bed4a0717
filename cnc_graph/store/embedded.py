"""The graph store: one small protocol, chosen by a selector string, and its embedded implementation.

Selectors (``Settings.store`` / ``CNC_STORE`` / ``--store``):

- ``oxigraph:PATH`` or a plain ``PATH``: the embedded pyoxigraph store on disk (the default);
- ``oxigraph:memory`` or ``memory``: an in-memory store (tests, one-off runs);
- ``http://HOST:PORT…``, ``sparql+virtuoso:URL``, ``sparql:URL…``: a remote SPARQL 1.1 server (see ``remote_store``).

Every source lives in its own named graph. Queries that name no dataset see the union of the
public named graphs as their default graph; private and staging graphs are never part of it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cnc_graph.errors import InputError, StoreError
from cnc_graph.iris import PREFIXES, is_public_graph, staging_graph_iri
from cnc_graph.rdf.syntaxes import written
from cnc_graph.sparql.text import bind_values
from cnc_graph.store.protocol import QueryResult, StoreTransaction, Term
from cnc_graph.store.sparql_update import ntriples_line, removal_updates, split_blank


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
        # A first load of at least this many quads into an empty on-disk store uses ``bulk_extend``.
        self.bulk_load_min_quads = BULK_LOAD_MIN_QUADS
        self._write_lock = threading.Lock()  # one commit at a time: a replacement reads, then writes
        self._reading = threading.Lock()  # held during a bulk load, which is not one transaction
        self._store = _open_oxigraph(path, read_only)

    # --- reading -------------------------------------------------------------------------

    def public_graphs(self) -> list[ox.NamedNode]:
        """Return the named graphs that form the public default graph."""
        return self._graphs()[0]

    def _graphs(self) -> tuple[list[ox.NamedNode], bool]:
        """Return (the public named graphs, whether every named graph is public)."""
        self._wait_for_bulk_load()
        public, private = [], False
        for g in self._store.named_graphs():
            if isinstance(g, ox.NamedNode) and is_public_graph(self.base_iri, g.value):
                public.append(g)
            else:
                private = True
        return public, not private

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
        kwargs: dict[str, Any] = {"prefixes": PREFIXES, "base_iri": self.base_iri}
        if public_only:
            graphs, all_public = self._graphs()
            if all_public:
                # Nothing private to hide: the union is far faster than a list of default graphs, which
                # Oxigraph looks every pattern up in one by one.
                kwargs["use_default_graph_as_union"] = True
            else:
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
        self._wait_for_bulk_load()
        rows = self._store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        assert isinstance(rows, ox.QuerySolutions)
        for row in rows:
            name = row["g"].value
            if public_only and not is_public_graph(self.base_iri, name):
                continue
            counts[name] = int(row["n"].value)
        return dict(sorted(counts.items()))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Iterate over the quads of one named graph, or of every graph."""
        g = ox.NamedNode(graph) if graph else None
        self._wait_for_bulk_load()
        return iter(self._store.quads_for_pattern(None, None, None, g))

    def dump(self, output: Path, fmt: ox.RdfFormat, graph: str | None = None) -> None:
        """Serialise one graph (or the whole dataset for quad formats) to ``output``, streaming."""
        self._wait_for_bulk_load()
        if graph is None:
            self._store.dump(output=str(output), format=fmt)
        else:
            self._store.dump(output=str(output), format=fmt, from_graph=ox.NamedNode(graph))

    def _wait_for_bulk_load(self) -> None:
        with self._reading:
            pass

    # --- writing -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[StoreTransaction]:
        """Collect changes; at the end apply them in one committed store transaction, or none on error.

        How the changes are written depends on the state of their graphs (see ``_apply``), but it is
        always one pyoxigraph transaction (one ``update`` or one ``extend``), so readers see either
        the old state of every graph or the new one, and a crash leaves the old or the new state.
        The one exception, a first load into an empty on-disk store, is made crash-safe by a marker
        file (see ``_bulk_load``).
        """
        tx = StoreTransaction()
        yield tx
        self._commit(tx)

    def _commit(self, tx: StoreTransaction) -> None:
        with self._write_lock:
            try:
                self._apply(tx)
                self._store.flush()
            except (OSError, SyntaxError, ValueError) as exc:
                raise StoreError(f"store {self.path or 'memory'}: write failed: {exc}") from exc
            self.generation += 1
            touched = set(tx.replacements) | set(tx.additions) | set(tx.removals) | tx.drops
            if any(is_public_graph(self.base_iri, g) for g in touched):
                self.public_generation += 1

    def _apply(self, tx: StoreTransaction) -> None:
        """Write ``tx`` in the cheapest way that is still one transaction.

        - The store is empty and on disk, and the load is big: ``bulk_extend`` behind a marker file.
        - Every graph written is empty and no graph to drop holds anything: one ``extend``.
        - Otherwise: each replaced graph is compared with what it holds, and one SPARQL update deletes
          the triples that go and inserts those that come (``DELETE DATA`` / ``INSERT DATA``), so that
          re-writing a mostly unchanged graph writes almost nothing.
        """
        replacements = {g: triples for g, triples in tx.replacements.items() if triples}
        drops = tx.drops | {g for g, triples in tx.replacements.items() if not triples}
        additions = {g: triples for g, triples in tx.additions.items() if triples}
        removals = {g: triples for g, triples in tx.removals.items() if triples}
        written = set(replacements) | set(additions)
        if (
            not removals
            and all(self._graph_is_empty(g) for g in written)
            and not any(self._store.contains_named_graph(ox.NamedNode(g)) for g in drops)
        ):
            count = sum(map(len, replacements.values())) + sum(map(len, additions.values()))
            quads = (
                ox.Quad(t.subject, t.predicate, t.object, node)
                for graphs in (replacements, additions)
                for graph, triples in graphs.items()
                for node in (ox.NamedNode(graph),)
                for t in triples
            )
            if self.path is not None and count >= self.bulk_load_min_quads and self._is_empty():
                self._bulk_load(quads)
            elif count:
                self._store.extend(quads)
            return
        self._apply_difference(replacements, additions, drops, removals)

    def _apply_difference(
        self,
        replacements: dict[str, list[ox.Triple]],
        additions: dict[str, list[ox.Triple]],
        drops: set[str],
        removals: dict[str, list[ox.Triple]] | None = None,
    ) -> None:
        operations: list[str] = removal_updates(removals or {}, f"store {self.path or 'memory'}")
        staged: list[ox.NamedNode] = []
        nodes = [ox.NamedNode(g) for g in replacements]
        # Reading is most of the work; pyoxigraph releases the GIL while it dumps, so read graphs in parallel.
        with ThreadPoolExecutor(max_workers=min(len(nodes), os.cpu_count() or 1) or 1) as pool:
            olds = list(pool.map(self._graph_lines, nodes))
        try:
            for (graph, triples), node, (old_plain, old_has_blank) in zip(
                replacements.items(), nodes, olds, strict=True
            ):
                plain, blank = split_blank(triples)
                if old_has_blank:
                    # DELETE DATA cannot name a blank node: remove every triple that holds one by pattern.
                    operations.append(
                        f"DELETE {{ GRAPH {node} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {node} {{ ?s ?p ?o "
                        "FILTER (isBlank(?s) || isBlank(?o)) } }"
                    )
                new_plain = {ntriples_line(t) for t in plain}
                gone = old_plain - new_plain
                if gone:
                    operations.append(f"DELETE DATA {{ GRAPH {node} {{\n{chr(10).join(gone)}\n}} }}")
                come = new_plain - old_plain
                if come:
                    operations.append(f"INSERT DATA {{ GRAPH {node} {{\n{chr(10).join(come)}\n}} }}")
                if blank:
                    operations += self._stage(graph, "", blank, staged)
            for graph, triples in additions.items():
                node = ox.NamedNode(graph)
                plain, blank = split_blank(triples)
                if plain:
                    body = "\n".join(ntriples_line(t) for t in plain)
                    operations.append(f"INSERT DATA {{ GRAPH {node} {{\n{body}\n}} }}")
                if blank:
                    operations += self._stage(graph, "-add", blank, staged)
            operations += [f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in drops]
            if operations:
                self._store.update(" ;\n".join(operations))
        except BaseException:
            for node in staged:
                self._discard(node)
            raise

    def _stage(self, graph: str, suffix: str, triples: list[ox.Triple], staged: list[ox.NamedNode]) -> list[str]:
        """Load ``triples`` (with blank nodes) into a private staging graph; return the update that adds them.

        SPARQL ``INSERT DATA`` would give blank nodes new labels; ``extend`` then ``ADD`` keeps them as given.
        """
        node = ox.NamedNode(staging_graph_iri(graph) + suffix)
        self._store.remove_graph(node)  # a crash may have left one behind: never apply it
        staged.append(node)
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
        return [f"ADD SILENT {node} TO {ox.NamedNode(graph)}", f"DROP SILENT GRAPH {node}"]

    def _graph_lines(self, node: ox.NamedNode) -> tuple[set[str], bool]:
        """Return the N-Triples lines of the triples without blank nodes in a graph, and whether it has others.

        A dump is the fastest way to read a graph; its lines are written as ``str`` writes terms, so
        they compare equal to the lines of the requested triples (and where they would not, the triple
        is deleted then inserted again in the same update: still correct).
        """
        text = written(self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=node)).decode()
        lines = set(text.splitlines())
        if "_:" not in text:
            return lines, False
        suspects = {line for line in lines if "_:" in line}
        plain, blank = split_blank(ox.parse("\n".join(suspects), format=ox.RdfFormat.N_TRIPLES))
        return (lines - suspects) | {ntriples_line(t) for t in plain}, bool(blank)

    def _graph_is_empty(self, graph: str) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))), None) is None

    def _is_empty(self) -> bool:
        return next(iter(self._store.named_graphs()), None) is None and next(iter(self._store), None) is None

    def _bulk_load(self, quads: Iterable[ox.Quad]) -> None:
        """Load ``quads`` into the empty on-disk store with ``bulk_extend``, crash-safely.

        ``bulk_extend`` is not one transaction. The store was empty, so the old state is "empty": a
        marker file is made durable first and removed last; a store opened with the marker is emptied
        again (read-write) or refused (read-only), never served half-loaded.
        """
        assert self.path is not None
        marker = self.path / INCOMPLETE_MARKER
        with self._reading:  # this process's own readers wait rather than see a half-loaded store
            _write_durably(marker)
            try:
                self._store.bulk_extend(quads)
                self._store.flush()
            except BaseException:
                with suppress(OSError):
                    self._store.clear()
                    self._store.flush()
                    _remove_durably(marker)
                raise
            _remove_durably(marker)

    def _discard(self, node: ox.NamedNode) -> None:
        with suppress(OSError):
            self._store.remove_graph(node)

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``, atomically."""
        with self.transaction() as tx:
            tx.replace_graph(graph, triples)

    def add(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add ``triples`` to ``graph``, atomically."""
        node = ox.NamedNode(graph)
        with self._write_lock:
            try:
                self._store.extend(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
                self._store.flush()
            except OSError as exc:
                raise StoreError(f"store {self.path or 'memory'}: write failed: {exc}") from exc
            self.generation += 1
            if is_public_graph(self.base_iri, graph):
                self.public_generation += 1

    def is_empty(self) -> bool:
        """Return whether the store holds no public graph at all."""
        return not self.public_graphs()

    @property
    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store itself: for queries given a protocol dataset, and for checkpoints."""
        return self._store

    def close(self) -> None:
        """Flush and release the store (and its lock)."""
        if not self.read_only:
            with suppress(OSError):
                self._store.flush()
        del self._store


BULK_LOAD_MIN_QUADS = 100_000
# In an on-disk store's folder while a bulk load is under way: the store then holds no complete state.
INCOMPLETE_MARKER = "cnc-graph-incomplete-load"


def _write_durably(path: Path) -> None:
    """Create ``path`` and make it and its folder entry durable before returning."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, b"a bulk load into this store did not finish; it is emptied when next opened read-write\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    _sync_folder(path.parent)


def _remove_durably(path: Path) -> None:
    """Remove ``path`` and make the removal durable before returning."""
    path.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_oxigraph(path: Path | None, read_only: bool) -> ox.Store:
    if path is None:
        return ox.Store()
    if read_only:
        if not (path / "CURRENT").exists():
            raise StoreError(f"no store at {path}: run `cnc-graph build --store {path}` first")
        if (path / INCOMPLETE_MARKER).exists():
            raise StoreError(
                f"store {path} is being loaded, or its first load was interrupted: "
                f"wait for it, or run `cnc-graph build --store {path}` again"
            )
        try:
            return ox.Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open store {path} read-only: {exc}") from exc
    if path.exists() and not path.is_dir():
        raise StoreError(f"store path {path} exists and is not a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        store = ox.Store(str(path))  # takes the lock: no other process writes from here on
        if (path / INCOMPLETE_MARKER).exists():
            # A first load was cut short; the store held nothing before it, so nothing is its old state.
            store.clear()
            store.flush()
            _remove_durably(path / INCOMPLETE_MARKER)
        return store
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

"""Run SPARQL queries written by anyone: read-only, over the public graphs only, capped, and stopped on time.

The public endpoint (``/sparql``) hands every query to a ``QueryRunner``. Whatever the runner:

- **Read-only.** Only the store's *query* call is ever used, so an update can never run; an update string
  is recognised by its first keyword and refused with an ``InputError`` saying so, and any other text the
  SPARQL parser rejects is an ``InputError`` carrying the parser's message. ``SERVICE`` is refused too:
  pyoxigraph would fetch any URL named there, from the server's own network.
- **Public graphs only.** With no dataset in the request the default graph is the union of the public named
  graphs and ``GRAPH ?g`` ranges over them, as everywhere in CNC Graph. A request's ``default-graph-uri`` /
  ``named-graph-uri`` (or, without them, the query's own ``FROM`` / ``FROM NAMED``) choose graphs *among the
  public ones*: a private or staging graph named there is treated as a graph that does not exist.
- **Capped.** At most ``result_limit`` rows (SELECT) or triples (CONSTRUCT/DESCRIBE) are returned; the
  output then says ``truncated``. The rows are written by this module (pyoxigraph's serialisers cannot
  stop early): SPARQL JSON and XML, CSV (plain values) and TSV (N-Triples term syntax); graphs go through
  pyoxigraph's Turtle, N-Triples, JSON-LD and RDF/XML writers.
- **Stopped on time.** A query running longer than ``timeout_s`` raises ``QueryTimeout``.

Two runners, chosen by ``make_query_runner``:

- ``ProcessQueryRunner`` for an on-disk ``OxigraphStore``: a small pool of worker processes (``spawn``
  context: no fork of a process that already runs threads), each reading a read-only store
  (``Store.read_only``). Not the live store directory: pyoxigraph documents reading a store that another
  process writes as undefined behaviour, and it does fail (files removed by the writer's compactions, recent
  writes missing). The runner instead makes a checkpoint of the store (``Store.backup``: hard links to its
  immutable files, milliseconds) for each ``generation``, lazily when the first query after a write comes,
  and removes every private graph from it before any worker opens it (tens of milliseconds: private graphs
  are small). A worker whose store holds public graphs only evaluates a query that names no dataset on
  pyoxigraph's union default graph, one index scan per pattern like ``oxigraph serve --union-default-graph``,
  instead of on the list of public graphs (one scan per graph and pattern: ten times slower on a count over
  10,000 qualifications); it checks this itself when it opens a store. A request names the checkpoint to
  read, and a worker that has an older one open reopens first, so a query never sees data older than the last
  committed write. Checkpoints live beside the store in a
  ``.cnc-sparql-snapshots-PID-…`` folder, pruned as workers move on and removed by ``close()`` (or by the
  next runner, when the process that made them is gone). A request goes to an idle worker through a
  ``Pipe``; the caller waits up to the timeout, and on timeout the worker is killed (the only way to stop a
  running pyoxigraph query) and a fresh one takes its place.
- ``InlineQueryRunner`` for an in-memory store (which other processes cannot open) and for remote stores:
  each query runs in a thread of this process and the caller waits up to the timeout. **A thread cannot be
  killed**: a timed-out query keeps running (and, for a remote store, keeps its HTTP request open until the
  store's own timeout) after the caller got its ``QueryTimeout``. That is acceptable only there: memory
  stores are for tests and one-off runs, and a remote server enforces its own limits. At most
  ``max_threads`` queries run at once, so runaways cannot pile up without bound.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from cnc_graph.errors import QueryTimeout
from cnc_graph.sparql.evaluate import evaluate, public_graph_names, raw_oxigraph
from cnc_graph.sparql.results import QueryOutput, media_or_refuse, serialise
from cnc_graph.sparql.text import check_query, query_dataset, resolve_dataset, with_dataset
from cnc_graph.sparql.workers import DEFAULT_MAX_THREADS, ProcessQueryRunner, default_workers
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.protocol import GraphStore

if TYPE_CHECKING:
    from cnc_graph.settings import Settings

# --- what a runner returns and raises ---------------------------------------------------------------


class QueryRunner(Protocol):
    """Runs one user query at a time per call, safely (see the module docstring); thread-safe."""

    def run(
        self,
        query: str,
        accept: list[str],
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryOutput:
        """Return the query's result serialised in the first of ``accept`` that fits its form."""
        ...

    def close(self) -> None:
        """Stop the runner's workers and release what it holds."""
        ...


# --- in-process runner ------------------------------------------------------------------------------


class InlineQueryRunner:
    """Runs queries in threads of this process (memory and remote stores); a timed-out thread cannot be killed."""

    def __init__(
        self,
        store: GraphStore,
        *,
        timeout_s: float,
        result_limit: int,
        max_threads: int = DEFAULT_MAX_THREADS,
    ) -> None:
        self.store = store
        self.base_iri = store.base_iri
        self.timeout_s = timeout_s
        self.result_limit = result_limit
        self._slots = threading.BoundedSemaphore(max(1, max_threads))

    def run(
        self,
        query: str,
        accept: list[str],
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryOutput:
        """Return the query's result; raise QueryTimeout when it runs past the limit (the thread runs on)."""
        kind = check_query(query)
        if kind is not None:
            media_or_refuse(kind, accept)
        if not self._slots.acquire(timeout=self.timeout_s):
            raise QueryTimeout(self.timeout_s, busy=True)
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["output"] = self._evaluate(query, list(accept), default_graphs, named_graphs)
            except BaseException as exc:  # handed to the waiting caller
                box["error"] = exc
            finally:
                self._slots.release()

        thread = threading.Thread(target=work, name="cnc-sparql-query", daemon=True)
        thread.start()
        thread.join(self.timeout_s)
        if thread.is_alive():
            raise QueryTimeout(self.timeout_s)
        if "error" in box:
            raise box["error"]
        return box["output"]

    def _evaluate(
        self, query: str, accept: list[str], default_graphs: list[str] | None, named_graphs: list[str] | None
    ) -> QueryOutput:
        raw = raw_oxigraph(self.store)
        if raw is not None:
            return evaluate(
                raw,
                query,
                accept,
                default_graphs,
                named_graphs,
                public=public_graph_names(raw, self.base_iri),
                base_iri=self.base_iri,
                result_limit=self.result_limit,
            )
        # Any other store is reached through query text: a dataset is written into it as FROM clauses, which
        # then name every graph the query may read (``public_only=False`` adds none of its own to them).
        if default_graphs or named_graphs or query_dataset(query, self.base_iri) is not None:
            default, named = resolve_dataset(query, self._public_graphs(), default_graphs, named_graphs, self.base_iri)
            result = self.store.query(with_dataset(query, default, named, self.base_iri), public_only=False)
        else:
            result = self.store.query(query, public_only=True)
        return serialise(result, accept, self.result_limit)

    def _public_graphs(self) -> list[str]:
        lister = getattr(self.store, "public_graphs", None)
        if lister is not None:
            return [g.value if isinstance(g, ox.NamedNode) else str(g) for g in lister()]
        return list(self.store.graphs(public_only=True))

    def close(self) -> None:
        """Nothing to release: the store belongs to the caller, and running threads end on their own."""


def make_query_runner(store: GraphStore, settings: Settings, workers: int | None = None) -> QueryRunner:
    """Return the runner for ``store``: worker processes for an on-disk Oxigraph store, threads otherwise."""
    size = workers or settings.query_workers or default_workers()
    if isinstance(store, OxigraphStore) and store.path is not None:
        return ProcessQueryRunner(
            store, timeout_s=settings.query_timeout_s, result_limit=settings.result_limit, workers=size
        )
    return InlineQueryRunner(store, timeout_s=settings.query_timeout_s, result_limit=settings.result_limit)

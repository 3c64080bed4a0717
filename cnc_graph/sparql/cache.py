"""A result cache in front of the ``/sparql`` query runner: an identical query on unchanged data is not run again.

The register is read-mostly, and public clients send the same queries over and over. ``CachingQueryRunner``
wraps any ``QueryRunner`` and keeps what it returned:

- **Key.** The query text exactly as sent, the ``accept`` list, the request's default and named graphs, and
  the store's public generation (``cnc_graph.store.generation.public_generation``), bumped by every committed write to a
  public graph. A write therefore makes every older entry unreachable, and the first call that sees the new
  generation drops them all. Writes to private graphs (drafts, accounts) do not bump it and keep the entries.
- **What is kept.** Successful outputs only: an error, a refusal or a timeout is raised again by the next call,
  never replayed. Nor is a result kept when a write came while it was computed, or when the query calls
  ``NOW()``, ``RAND()``, ``UUID()`` or ``STRUUID()``, whose answer changes on every run.
- **Bounded.** Each entry is charged its result, the strings of its key and a fixed overhead
  (``entry_size``); one over ``max_entry_bytes`` is not kept, and the least recently used entries go when the
  total passes ``max_bytes``.
- **One computation per miss.** Calls that miss on a key already being computed wait for that computation
  rather than run the query again (as ``cnc_graph.store.generation.per_generation`` does for indexes). A waiter waits
  at most the runner's own ``timeout_s`` and then raises ``QueryTimeout``; when the computing call raises,
  each waiter runs the query itself, so it gets its own answer or its own error.

Only where the generation sees every change (``generation_tracks_writes``): an embedded ``OxigraphStore``
opened read-write by this process, on disk or in memory. Not a remote SPARQL server, which other clients may
write, and not a store opened read-only, which another process writes.

Outputs say where they came from in ``QueryOutput.cache``: ``miss`` when computed for the call, ``hit`` when
not (kept before, or shared with the identical call that computed it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Literal

from cnc_graph.errors import QueryTimeout
from cnc_graph.sparql.results import QueryOutput
from cnc_graph.sparql.runner import QueryRunner
from cnc_graph.sparql.text import is_volatile
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.generation import public_generation
from cnc_graph.store.protocol import GraphStore

if TYPE_CHECKING:
    from cnc_graph.settings import Settings

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 64 * MB
DEFAULT_MAX_ENTRY_BYTES = 1 * MB
#: Bytes charged per entry beyond its strings (key tuple, output object, LRU links): many tiny results stay bounded.
ENTRY_OVERHEAD = 512

#: (query, accept, default graphs, named graphs, public generation)
CacheKey = tuple[str, tuple[str, ...], tuple[str, ...] | None, tuple[str, ...] | None, int]


def cache_key(
    query: str,
    accept: Sequence[str],
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    generation: int,
) -> CacheKey:
    """Return the key of a call: everything its result depends on, given one runner and one store."""
    return (
        query,
        tuple(accept),
        None if default_graphs is None else tuple(default_graphs),
        None if named_graphs is None else tuple(named_graphs),
        generation,
    )


def entry_size(key: CacheKey, output: QueryOutput) -> int:
    """Return the bytes an entry is charged: its result, the UTF-8 strings of its key and ``ENTRY_OVERHEAD``."""
    query, accept, default_graphs, named_graphs, _ = key
    strings = [query, *accept, *(default_graphs or ()), *(named_graphs or ()), output.media_type]
    return len(output.body) + sum(len(text.encode("utf-8", "replace")) for text in strings) + ENTRY_OVERHEAD


def generation_tracks_writes(store: GraphStore) -> bool:
    """Return whether every change to the store's public graphs bumps its public generation in this process."""
    return isinstance(store, OxigraphStore) and not store.read_only


def with_result_cache(runner: QueryRunner, store: GraphStore, settings: Settings) -> QueryRunner:
    """Return ``runner`` behind a ``CachingQueryRunner`` of ``settings.sparql_cache_mb``, or alone where it cannot be.

    Alone when the setting is 0 (or less) or when the store's generation does not see every write.
    """
    total = int(settings.sparql_cache_mb * MB)
    if total <= 0 or not generation_tracks_writes(store):
        return runner
    return CachingQueryRunner(runner, store, max_bytes=total, max_entry_bytes=min(DEFAULT_MAX_ENTRY_BYTES, total))


class _Flight:
    """A computation under way, which identical calls wait for; ``output`` stays None if it raised."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.output: QueryOutput | None = None


def _tagged(output: QueryOutput, cache: Literal["hit", "miss"]) -> QueryOutput:
    return replace(output, cache=cache)


class CachingQueryRunner:
    """A ``QueryRunner`` answering repeated identical queries from memory until the public graphs change."""

    def __init__(
        self,
        inner: QueryRunner,
        store: GraphStore,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
        wait_s: float | None = None,
    ) -> None:
        self.inner = inner
        self.store = store
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        # How long a call waits for an identical one being computed: the runner's own limit (None: until done).
        self.wait_s = wait_s if wait_s is not None else getattr(inner, "timeout_s", None)
        self._entries: OrderedDict[CacheKey, tuple[QueryOutput, int]] = OrderedDict()  # oldest use first
        self._flights: dict[CacheKey, _Flight] = {}
        self._generation = public_generation(store)
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        """Return the bytes charged for the entries kept now."""
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        """Return the number of entries kept now."""
        with self._lock:
            return len(self._entries)

    def run(
        self,
        query: str,
        accept: list[str],
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryOutput:
        """Return the query's result: kept from an identical earlier call on the same public data, or computed."""
        if is_volatile(query):
            return _tagged(self.inner.run(query, accept, default_graphs, named_graphs), "miss")
        # Read before the query runs: the result is then at least as new as this generation.
        generation = public_generation(self.store)
        key = cache_key(query, accept, default_graphs, named_graphs, generation)
        with self._lock:
            self._move_to(generation)
            kept = self._entries.get(key)
            if kept is not None:
                self._entries.move_to_end(key)
                return _tagged(kept[0], "hit")
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = _Flight()
                computing = True
            else:
                computing = False
        compute = partial(self.inner.run, query, accept, default_graphs, named_graphs)
        return self._compute(key, flight, compute) if computing else self._wait(key, flight, compute)

    def _compute(self, key: CacheKey, flight: _Flight, compute: Callable[[], QueryOutput]) -> QueryOutput:
        """Run the query for ``key``, keep its result if it may be, and hand it to the calls waiting for it."""
        output: QueryOutput | None = None
        try:
            output = compute()
        finally:  # whatever happens, the waiters are released and the flight is gone
            with self._lock:
                del self._flights[key]
                if output is not None:
                    self._keep(key, output)
                flight.output = output
            flight.done.set()
        assert output is not None  # inner.run returned: had it raised, the exception would have left above
        return _tagged(output, "miss")

    def _wait(self, key: CacheKey, flight: _Flight, compute: Callable[[], QueryOutput]) -> QueryOutput:
        """Return the result an identical call is computing; run the query here if that call raised."""
        if not flight.done.wait(self.wait_s):
            raise QueryTimeout(self.wait_s or 0.0)
        if flight.output is not None:
            return _tagged(flight.output, "hit")
        # Not one more flight: the waiters of a failed call run at once, as they would without a cache.
        output = compute()
        with self._lock:
            self._keep(key, output)
        return _tagged(output, "miss")

    def _move_to(self, generation: int) -> None:
        """Drop every entry when ``generation`` is newer than theirs (with the lock held)."""
        if generation > self._generation:
            self._entries.clear()
            self._bytes = 0
            self._generation = generation

    def _keep(self, key: CacheKey, output: QueryOutput) -> None:
        """Keep ``output`` under ``key`` if its data is still current and it fits; evict LRU (lock held)."""
        generation = key[-1]
        if public_generation(self.store) != generation:
            return  # a write came while it ran: its key is already out of date
        self._move_to(generation)
        if generation != self._generation:
            return
        size = entry_size(key, output)
        if size > self.max_entry_bytes:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._bytes -= previous[1]
        self._entries[key] = (output, size)
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._bytes -= evicted

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def close(self) -> None:
        """Drop every entry and close the wrapped runner."""
        self.clear()
        self.inner.close()

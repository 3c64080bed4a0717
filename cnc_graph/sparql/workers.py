"""Query worker processes: each on a checkpoint of the store, stopped when a query runs past its time."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from cnc_graph.errors import InputError, NotAcceptable, QueryTimeout, StoreError
from cnc_graph.sparql.evaluate import (
    drop_private_graphs,
    evaluate,
    only_public_graphs,
    public_graph_names,
    raw_oxigraph,
)
from cnc_graph.sparql.results import QueryOutput, media_or_refuse, not_acceptable
from cnc_graph.sparql.text import check_query
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.generation import public_generation

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess


#: Worker processes when the settings say 0 (auto): twice the CPUs, within these bounds. More workers than
#: cores, as ``oxigraph serve`` runs a thread per request: two long queries do not hold every worker while
#: short ones wait behind them (the OS shares the cores among them), and the pool gets its share of the CPU
#: next to other processes. Each worker costs its own RocksDB caches, hence the upper bound.
MIN_WORKERS = 2

MAX_WORKERS = 8

DEFAULT_WORKERS = MIN_WORKERS

DEFAULT_MAX_THREADS = 4

_STOP_GRACE_S = 2.0

_SNAPSHOTS_PREFIX = ".cnc-sparql-snapshots-"


def _watch_parent(parent_pid: int) -> None:
    """Exit this worker when its parent is gone, even in the middle of a query (pyoxigraph releases the GIL)."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_main(conn: Connection, snapshot: str, base_iri: str, result_limit: int, parent_pid: int) -> None:
    """Serve queries sent through ``conn``, each on the read-only snapshot it names, until told to stop."""
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl-C must not print tracebacks here
    _watch_parent(parent_pid)
    store: ox.Store | None = None
    opened: str | None = None
    public: list[str] = []
    union = False
    with contextlib.suppress(OSError):  # open ahead of the first query; a failure is reported by that query
        store, opened = ox.Store.read_only(snapshot), snapshot
        public, union = public_graph_names(store, base_iri), only_public_graphs(store, base_iri)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        snapshot, query, accept, default_graphs, named_graphs = request
        reply: tuple[Any, ...]
        try:
            if store is None or snapshot != opened:
                store = opened = None  # release the old snapshot before opening the new one
                try:
                    store = ox.Store.read_only(snapshot)
                except OSError as exc:
                    raise StoreError(f"cannot open the store snapshot {snapshot} read-only: {exc}") from exc
                opened = snapshot
                public, union = public_graph_names(store, base_iri), only_public_graphs(store, base_iri)
            out = evaluate(
                store,
                query,
                accept,
                default_graphs,
                named_graphs,
                public=public,
                base_iri=base_iri,
                result_limit=result_limit,
                union=union,
            )
            reply = ("ok", out.body, out.media_type, out.truncated, out.kind)
        except NotAcceptable as exc:
            reply = ("not-acceptable", exc.kind, exc.accepted, str(exc))
        except InputError as exc:
            reply = ("input", str(exc))
        except Exception as exc:  # anything else is the store's or ours: reported, never fatal to the worker
            reply = ("store", f"{exc}" if isinstance(exc, StoreError) else f"the query failed: {exc}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _raise_reply(reply: tuple[Any, ...]) -> QueryOutput:
    """Return the output a worker sent, or raise the error it reported."""
    status = reply[0]
    if status == "ok":
        return QueryOutput(reply[1], reply[2], reply[3], reply[4])
    if status == "not-acceptable":
        raise not_acceptable(reply[1], reply[2], reply[3])
    if status == "input":
        raise InputError(reply[1])
    raise StoreError(reply[1])


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    snapshot: str  # the snapshot it has open (or will open at its next request)


@dataclass
class _Snapshot:
    path: str
    generation: int


class _Snapshots:
    """Immutable checkpoints of a read-write store, one per generation, for the workers to open read-only.

    pyoxigraph calls reading a store that another process is writing undefined behaviour, and it is real:
    a worker's snapshot of the live directory loses files to the writer's compactions ("No such file") or
    misses recent writes. A checkpoint (``Store.backup``) is a directory of its own, made of hard links to
    the store's immutable files when on the same file system (milliseconds), which nobody writes once its
    private graphs are removed (``drop_private_graphs``, before it is handed out): workers read it safely.
    A checkpoint is removed once it is neither the newest nor open in any worker.
    """

    def __init__(self, store: OxigraphStore) -> None:
        assert store.path is not None
        self.store = store
        self.root = Path(tempfile.mkdtemp(prefix=f"{_SNAPSHOTS_PREFIX}{os.getpid()}-", dir=store.path.parent))
        self.latest: _Snapshot | None = None
        self._count = 0
        self._lock = threading.Lock()

    def current(self) -> str:
        """Return the checkpoint of the store's current generation, made now if there is none yet."""
        generation = public_generation(self.store)
        with self._lock:
            if self.latest is None or self.latest.generation != generation:
                self._count += 1
                path = self.root / f"generation-{generation}-{self._count}"
                try:
                    raw_oxigraph(self.store).backup(str(path))  # type: ignore[union-attr]
                    drop_private_graphs(str(path), self.store.base_iri)
                except OSError as exc:
                    raise StoreError(f"cannot checkpoint the store {self.store.path} for queries: {exc}") from exc
                self.latest = _Snapshot(str(path), generation)
            return self.latest.path

    def prune(self, in_use: Iterable[str]) -> None:
        """Remove every checkpoint but the newest and those in ``in_use``."""
        with self._lock:
            keep = set(in_use) | ({self.latest.path} if self.latest else set())
            for path in self.root.iterdir():
                if str(path) not in keep:
                    shutil.rmtree(path, ignore_errors=True)

    def remove(self) -> None:
        """Remove every checkpoint."""
        shutil.rmtree(self.root, ignore_errors=True)


def _remove_stale_snapshots(folder: Path) -> None:
    """Remove checkpoint folders left by runners of processes that no longer exist (a crash, a kill -9)."""
    with contextlib.suppress(OSError):
        for path in folder.glob(f"{_SNAPSHOTS_PREFIX}*"):
            pid = path.name[len(_SNAPSHOTS_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class ProcessQueryRunner:
    """Runs queries in a pool of worker processes on read-only snapshots of an on-disk store; kills runaways.

    For a store opened read-write here, the workers read checkpoints made by ``_Snapshots`` (a new one after
    each committed write, when the next query comes). For a store opened read-only, nothing in this process
    writes, and the workers open the store directory itself.
    """

    def __init__(
        self,
        store: OxigraphStore,
        *,
        timeout_s: float,
        result_limit: int,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        if store.path is None:
            raise ValueError("ProcessQueryRunner needs an on-disk store; use InlineQueryRunner for memory stores")
        self.store = store
        self.base_iri = store.base_iri
        self.timeout_s = timeout_s
        self.result_limit = result_limit
        self.size = max(1, workers)
        self._snapshots: _Snapshots | None = None
        if not store.read_only:
            _remove_stale_snapshots(store.path.parent)
            self._snapshots = _Snapshots(store)
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        first = self._snapshot()
        for _ in range(self.size):
            self._idle.put(self._start_worker(first))

    def _snapshot(self) -> str:
        return self._snapshots.current() if self._snapshots else str(self.store.path)

    def _start_worker(self, snapshot: str) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(child, snapshot, self.base_iri, self.result_limit, os.getpid()),
            name="cnc-sparql-worker",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent, snapshot)
        with self._lock:
            self._workers.append(worker)
        return worker

    def _stop_worker(self, worker: _Worker) -> None:
        with contextlib.suppress(OSError, ValueError):
            worker.process.kill()
        worker.process.join(_STOP_GRACE_S)
        with contextlib.suppress(OSError):
            worker.conn.close()
        with self._lock, contextlib.suppress(ValueError):
            self._workers.remove(worker)

    def _replace(self, worker: _Worker) -> None:
        self._stop_worker(worker)
        if not self._closed:
            self._idle.put(self._start_worker(self._snapshot()))

    def _prune(self) -> None:
        if self._snapshots is not None:
            with self._lock:
                self._snapshots.prune([w.snapshot for w in self._workers])

    def run(
        self,
        query: str,
        accept: list[str],
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryOutput:
        """Return the query's result from an idle worker; raise QueryTimeout when it runs past the limit."""
        if self._closed:
            raise StoreError("the query runner is closed")
        kind = check_query(query)  # refuse updates and SERVICE before a worker is taken
        if kind is not None:
            media_or_refuse(kind, accept)
        deadline = time.monotonic() + self.timeout_s
        try:
            worker = self._idle.get(timeout=self.timeout_s)
        except queue.Empty:
            raise QueryTimeout(self.timeout_s, busy=True) from None
        with self._lock:  # with _prune's lock: a checkpoint handed to a worker is never removed under it
            try:
                snapshot = self._snapshot()
            except StoreError:
                self._idle.put(worker)
                raise
            stale = snapshot != worker.snapshot
            worker.snapshot = snapshot
        try:
            worker.conn.send((snapshot, query, list(accept), default_graphs, named_graphs))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise QueryTimeout(self.timeout_s)
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            raise StoreError(f"the query worker stopped unexpectedly ({exc or type(exc).__name__}); try again") from exc
        self._idle.put(worker)
        if stale:
            self._prune()
        return _raise_reply(reply)

    def close(self) -> None:
        """Ask idle workers to stop, kill any still running a query, wait for them all, remove the snapshots."""
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            with contextlib.suppress(OSError, ValueError, BrokenPipeError):
                worker.conn.send(None)
        end = time.monotonic() + _STOP_GRACE_S
        for worker in workers:
            worker.process.join(max(0.0, end - time.monotonic()))
            if worker.process.is_alive():
                self._stop_worker(worker)
            else:
                with contextlib.suppress(OSError):
                    worker.conn.close()
        if self._snapshots is not None:
            self._snapshots.remove()


def default_workers() -> int:
    """Return the number of query worker processes to start when none is configured (twice the CPUs, bounded)."""
    return max(MIN_WORKERS, min(MAX_WORKERS, 2 * (os.cpu_count() or 1)))

"""Real SPARQL servers for the tests, each on 127.0.0.1 with free ports and its own temporary database.

``oxigraph_server(dir)`` runs ``oxigraph serve`` (PyPI package ``oxigraph``); ``virtuoso_server(dir)`` runs
Virtuoso open source 7 (Debian package ``virtuoso-opensource``) from a generated ``virtuoso.ini`` in the
foreground, and grants ``SPARQL_UPDATE`` to its anonymous ``SPARQL`` user so that the store can write.
Both yield a ``RunningServer`` and stop the server's whole process group on exit. A missing program or a
server that does not answer within ``START_TIMEOUT_S`` raises ``ServerUnavailable`` with the reason and
how to install it: the test fixtures turn that into a failure, never a skip.

``live_server(store)`` runs a real ``cnc-graph serve`` on a built (or empty) store for the HTTP tests;
``ServeProcess`` is the same server for a test that restarts it or kills it. ``started(start, dir)`` runs a
SPARQL server for a fixture and turns ``ServerUnavailable`` into a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import requests

from cnc_graph.store.remote import SparqlEndpointStore

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
OXIGRAPH_INSTALL = "pip install oxigraph  (the PyPI package ships the `oxigraph` server program)"
VIRTUOSO_INSTALL = "apt-get update && apt-get install -y virtuoso-opensource  (Debian: Virtuoso open source 7)"
# Debian's default, so that the tests see what a stock install does (see remote_store: results are cut there).
VIRTUOSO_RESULT_ROWS = 10_000


class ServerUnavailable(RuntimeError):
    """A test server could not be started: the message says why and how to install it."""


@dataclass
class RunningServer:
    """A server started for the tests: its store selector, its HTTP root and how long it took to answer."""

    name: str
    selector: str
    http_url: str
    process: subprocess.Popen[bytes]
    log: Path
    started_in_s: float
    sql_port: int | None = None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_program(names: list[str], install: str) -> str:
    """Return the path of the first of ``names`` found on PATH or beside this Python; else ServerUnavailable."""
    for name in names:
        found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
        if found:
            return found
    raise ServerUnavailable(f"{' / '.join(names)} not found on PATH: install it with `{install}`")


@contextmanager
def oxigraph_server(workdir: Path) -> Iterator[RunningServer]:
    """Run ``oxigraph serve`` on a fresh database in ``workdir`` and yield it."""
    program = find_program(["oxigraph"], OXIGRAPH_INSTALL)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [program, "serve", "--location", str(workdir / "db"), "--bind", f"127.0.0.1:{port}"]
    data = [workdir / "db"]
    with _running("oxigraph", command, workdir, f"{url}/query?query=ASK%7B%7D", data) as (process, log, seconds):
        yield RunningServer("oxigraph", url, url, process, log, seconds)


@contextmanager
def virtuoso_server(workdir: Path) -> Iterator[RunningServer]:
    """Run Virtuoso 7 on a fresh database in ``workdir``, with SPARQL updates allowed, and yield it."""
    program = find_program(["virtuoso-t"], VIRTUOSO_INSTALL)
    find_program(["isql-vt", "isql"], VIRTUOSO_INSTALL)
    sql_port, http_port = free_port(), free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(virtuoso_ini(workdir, sql_port, http_port), encoding="utf-8")
    url = f"http://127.0.0.1:{http_port}"
    command = [program, "+foreground", "+configfile", str(ini)]
    data = [workdir / name for name in ("virtuoso.db", "virtuoso.trx", "virtuoso-temp.db", "virtuoso-temp.trx")]
    with _running("virtuoso", command, workdir, f"{url}/sparql?query=ASK%7B%7D", data) as (process, log, seconds):
        server = RunningServer("virtuoso", f"sparql+virtuoso:{url}/sparql", url, process, log, seconds, sql_port)
        virtuoso_sql(server, 'grant SPARQL_UPDATE to "SPARQL";')
        yield server


def virtuoso_sql(server: RunningServer, statement: str) -> str:
    """Run one SQL statement as ``dba`` through Virtuoso's ``isql`` and return its output."""
    isql = find_program(["isql-vt", "isql"], VIRTUOSO_INSTALL)
    done = subprocess.run(
        [isql, f"127.0.0.1:{server.sql_port}", "dba", "dba", f"exec={statement}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in output:
        raise ServerUnavailable(f"virtuoso: `{statement}` failed: {output}")
    return output


def virtuoso_ini(workdir: Path, sql_port: int, http_port: int) -> str:
    """Return a minimal virtuoso.ini: database files in ``workdir``, both ports bound to 127.0.0.1."""
    return f"""\
[Database]
DatabaseFile = {workdir}/virtuoso.db
ErrorLogFile = {workdir}/virtuoso.log
LockFile = {workdir}/virtuoso.lck
TransactionFile = {workdir}/virtuoso.trx
xa_persistent_file = {workdir}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {workdir}/virtuoso-temp.db
TransactionFile = {workdir}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {workdir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {workdir}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {VIRTUOSO_RESULT_ROWS}
MaxQueryExecutionTime = 60
"""


@contextmanager
def _running(
    name: str, command: list[str], workdir: Path, probe: str, data: list[Path]
) -> Iterator[tuple[subprocess.Popen[bytes], Path, float]]:
    """Start ``command`` in its own process group, wait until ``probe`` answers 200; then stop it, delete ``data``.

    The logs stay in ``workdir`` for a failed run to be read.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{name}.out"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(name, process, probe, log, started)
        yield process, log, time.monotonic() - started
    finally:
        _stop(process)
        for path in data:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _wait_until_up(name: str, process: subprocess.Popen[bytes], probe: str, log: Path, started: float) -> None:
    while time.monotonic() - started < START_TIMEOUT_S:
        if process.poll() is not None:
            raise ServerUnavailable(f"{name} exited with code {process.returncode} at start:\n{_tail(log)}")
        try:
            if requests.get(probe, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise ServerUnavailable(f"{name} did not answer {probe} within {START_TIMEOUT_S:g} s:\n{_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)
    except ProcessLookupError:
        pass


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class ServeProcess:
    """A real ``cnc-graph serve`` on a store or selector: started, stopped, restarted, or killed with SIGKILL."""

    store: str
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    url: str = ""

    def start(self, timeout_s: float = 120.0) -> None:
        """Start the server on a free port and wait until ``/health`` answers 200."""
        port = free_port()
        log = self.log_dir / f"serve-{port}.log"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "serve", "--store", self.store, "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=os.environ | self.env,
                start_new_session=True,
            )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"cnc-graph serve exited with {self.process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"cnc-graph serve did not answer within {timeout_s} s:\n{log.read_text()}")
            time.sleep(0.1)

    def kill9(self) -> None:
        """Kill the server's process group with SIGKILL: no graceful shutdown, no flush."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it does not exit)."""
        if self.process is not None:
            _stop(self.process)


@contextmanager
def live_server(
    store: Path | None = None,
    env: dict[str, str] | None = None,
    timeout_s: float = 120.0,
    *,
    selector: str | None = None,
    log_dir: Path | None = None,
) -> Iterator[str]:
    """Run ``cnc-graph serve`` on a built (or empty) store; yield its base URL; stop it afterwards.

    The store is an on-disk store directory (``store``) or any store selector (``selector``), such as a
    remote server's ``http://127.0.0.1:PORT`` or ``sparql+virtuoso:URL``; give exactly one. The server's log
    goes beside ``store``, else into ``log_dir`` (required with ``selector``).
    """
    if (store is None) == (selector is None):
        raise ValueError("live_server: give either a store path or a store selector")
    folder = store.parent if store is not None else log_dir
    if folder is None:
        raise ValueError("live_server: a selector needs a log_dir for the server's log")
    server = ServeProcess(str(store) if store is not None else str(selector), folder, env or {})
    try:
        server.start(timeout_s)
        yield server.url
    finally:
        server.stop()


@contextmanager
def started(start: Callable[[Path], AbstractContextManager[RunningServer]], workdir: Path) -> Iterator[RunningServer]:
    """Run a test server (``oxigraph_server``, ``virtuoso_server``); fail the test, never skip, if it cannot start."""
    failure = None
    try:
        with start(workdir) as server:
            print(f"\n{server.name} answered after {server.started_in_s:.1f} s at {server.http_url}")
            yield server
    except ServerUnavailable as exc:
        failure = str(exc)
    if failure:  # outside the except block, so that pytest shows this message alone
        pytest.fail(f"cannot start the test server: {failure}", pytrace=False)


def empty_remote_store(selector: str, base_iri: str) -> SparqlEndpointStore:
    """Open the store on a running server with short timeouts and drop every graph of ours from it."""
    store = SparqlEndpointStore(selector, base_iri, timeout_s=10, retries=1, backoff_s=0.05)
    drop_our_graphs(store)
    return store


def drop_our_graphs(store: SparqlEndpointStore) -> None:
    """Drop every graph under the store's base IRI, in one transaction."""
    with store.transaction() as tx:
        for graph in store.graphs():
            tx.drop_graph(graph)

"""A real ``cnc-graph serve`` on 127.0.0.1 for the HTTP tests: started, waited for, stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    chosen = str(store) if store is not None else str(selector)
    port = free_port()
    log = folder / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--store", chosen, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ | (env or {}),
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"cnc-graph serve exited with {process.returncode}:\n{log.read_text()}")
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cnc-graph serve did not answer within {timeout_s} s:\n{log.read_text()}")
                time.sleep(0.2)
            yield url
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=15)

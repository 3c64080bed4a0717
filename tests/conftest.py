"""Shared fixtures: settings on an in-memory store, a built graph, a runner for the real CLI, and the session's
SPARQL servers (an Oxigraph server and a Virtuoso 7, started on first use by ``tests/servers.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from cnc_graph.build import BuildSummary, build
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.protocol import GraphStore
from tests import servers

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BASE = "https://w3id.org/cnc-ma/"
# The project's shared reference material (ESCO extracts, ELM, W3C tests) sits beside the checkout.
REFERENCE = Path(os.environ.get("CNC_REFERENCE", ROOT.parent / "shared" / "reference"))


# Graphs and triples of the store tests.
G = BASE + "graph/test"
OTHER = BASE + "graph/other"
PRIVATE = BASE + "graph/private/accounts"
EX = "http://example.org/"


def triple(value: str, predicate: str = "p") -> ox.Triple:
    """Return ``ex:s ex:{predicate} "value"``."""
    return ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + predicate), ox.Literal(value))


def values(store: GraphStore, public_only: bool = True) -> set[str]:
    """Return every object value the store answers for ``?s ?p ?o``."""
    rows = store.query("SELECT ?o WHERE { ?s ?p ?o }", public_only=public_only)
    return {row["o"].value for row in rows}  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings for the shipped resources on an in-memory store."""
    return Settings(store="memory", root=ROOT)


@pytest.fixture(scope="session")
def built(settings: Settings) -> tuple[OxigraphStore, BuildSummary]:
    """A store built once from the shipped data, shared read-only by the tests."""
    store = OxigraphStore(None, settings.base_iri)
    summary = build(store, settings)
    return store, summary


@pytest.fixture(scope="session")
def built_store(built: tuple[OxigraphStore, BuildSummary]) -> OxigraphStore:
    """The store built from the shipped data."""
    return built[0]


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``cnc-graph`` console program and return its completed process."""
    full_env = os.environ | {"COLUMNS": "200", "NO_COLOR": "1"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="session")
def oxigraph_selector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The selector of an Oxigraph server started for this session."""
    with servers.started(servers.oxigraph_server, tmp_path_factory.mktemp("oxigraph")) as server:
        yield server.selector


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RunningServer]:
    """A Virtuoso 7 server started for this session."""
    with servers.started(servers.virtuoso_server, tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_selector(virtuoso: servers.RunningServer) -> str:
    """The selector of the session's Virtuoso server."""
    return virtuoso.selector


def server_selector(request: pytest.FixtureRequest, backend: str) -> str:
    """The selector of the session's server of ``backend`` ("oxigraph-server" or "virtuoso")."""
    name = {"oxigraph-server": "oxigraph_selector", "virtuoso": "virtuoso_selector"}[backend]
    return str(request.getfixturevalue(name))

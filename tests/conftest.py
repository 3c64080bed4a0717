"""Shared fixtures: settings on an in-memory store, a built graph, and a runner for the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnc_graph.build import BuildSummary, build
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BASE = "https://w3id.org/cnc-ma/"
# The project's shared reference material (ESCO extracts, ELM, W3C tests) sits beside the checkout.
REFERENCE = Path(os.environ.get("CNC_REFERENCE", ROOT.parent / "shared" / "reference"))


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

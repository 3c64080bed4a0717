"""``build`` on a store that is already the register: reference graphs reloaded, imports and publications kept."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cnc_graph.build import build
from cnc_graph.importing import import_inventory
from cnc_graph.iris import graph_iri
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import DATA, run_cli

FIXTURES = DATA / "inventory"
CODES = "SELECT ?c WHERE { ?q cnc:code ?c }"


def codes(store: OxigraphStore) -> set[str]:
    """Return the code of every qualification in the public graphs."""
    return {r["c"].value for r in store.query(CODES)}  # type: ignore[union-attr]


@pytest.fixture()
def register(settings: Settings) -> OxigraphStore:
    """A built store with two imported qualifications and one published through the register graph."""
    store = OxigraphStore(None, settings.base_iri)
    build(store, settings)
    import_inventory(store, settings, FIXTURES / "valid.csv")
    published = ox.NamedNode(f"{settings.base_iri}qualification/TEST-PUBLISHED")
    card = [
        (p, o) for q in store.quads() if q.subject.value.endswith("/TEST-TS-A") for p, o in [(q.predicate, q.object)]
    ]
    triples = [
        ox.Triple(published, p, ox.Literal("TEST-PUBLISHED") if p.value.endswith("#code") else o) for p, o in card
    ]
    store.replace_graph(graph_iri(settings.base_iri, "register"), triples)
    return store


def test_build_keeps_what_was_imported_and_published(register: OxigraphStore, settings: Settings) -> None:
    before = codes(register)
    assert {"TEST-TS-A", "TEST-TS-B", "TEST-PUBLISHED"} <= before
    summary = build(register, settings)
    assert codes(register) == before
    assert graph_iri(settings.base_iri, "inventory/vocational-training") in summary.kept
    assert graph_iri(settings.base_iri, "register") in summary.kept
    assert not summary.dropped and not summary.report.violations


def test_build_reloads_the_reference_graphs(register: OxigraphStore, settings: Settings) -> None:
    framework = graph_iri(settings.base_iri, "framework/eqf")
    shipped = register.graphs()[framework]
    register.replace_graph(framework, [])
    build(register, settings)
    assert register.graphs()[framework] == shipped


def test_build_reset_starts_over_and_says_what_it_dropped(register: OxigraphStore, settings: Settings) -> None:
    summary = build(register, settings, reset=True)
    now = codes(register)
    assert "TEST-TS-A" not in now and "TEST-PUBLISHED" not in now and "OFPPT-TS-TDI" in now
    assert graph_iri(settings.base_iri, "register") in summary.dropped
    assert graph_iri(settings.base_iri, "inventory/vocational-training") in summary.dropped
    assert graph_iri(settings.base_iri, "register") not in register.graphs()


def test_cli_build_after_an_import_keeps_it_and_says_so(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    assert run_cli("build", "--store", store).returncode == 0
    assert run_cli("import", "inventory", str(FIXTURES / "valid.csv"), "--store", store).returncode == 0
    again = run_cli("build", "--store", store)
    assert again.returncode == 0, again.stderr
    assert "kept the register as the store holds it" in again.stdout and "inventory/vocational-training" in again.stdout
    found = run_cli("query", "SELECT ?c WHERE { ?q cnc:code 'TEST-TS-B' ; cnc:code ?c }", "--store", store)
    assert "TEST-TS-B" in found.stdout
    reset = run_cli("build", "--store", store, "--reset")
    assert reset.returncode == 0 and "--reset dropped" in reset.stdout
    assert "TEST-TS-B" not in run_cli("query", "SELECT ?c WHERE { ?q cnc:code ?c }", "--store", store).stdout

"""Validation in a child process (big builds): the same report as in-process, and a failing build writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import cnc_graph.build as build_module
from bench.generate import generate
from cnc_graph.build import NOT_VALIDATED, build, read_sources
from cnc_graph.errors import ValidationFailed
from cnc_graph.settings import DEFAULT_BASE_IRI, Settings
from cnc_graph.sources import discover_sources
from cnc_graph.store import INCOMPLETE_MARKER, OxigraphStore
from cnc_graph.terms import graph_from_triples
from cnc_graph.validate import Validator, load_shapes
from cnc_graph.validation_process import ValidationInProcess

pytestmark = pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")


def _key(r: object) -> tuple[object, ...]:
    focus = r.focus  # type: ignore[attr-defined]
    value = r.value  # type: ignore[attr-defined]
    blank = lambda text: "_:" if text and text.startswith("_:") else text  # noqa: E731 — labels differ per load
    return (blank(focus), r.path, blank(value), r.severity, r.shape, r.constraint, tuple(sorted(r.messages.items())))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def faulty_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(200, tmp_path_factory.mktemp("faulty") / "root", seed=3, invalid=6).root


def test_the_child_process_gives_the_same_report_as_the_validator_in_process(faulty_root: Path) -> None:
    contents = read_sources(discover_sources(faulty_root), DEFAULT_BASE_IRI)
    data = [t for k, ts in contents.items() if k not in NOT_VALIDATED for t in ts]
    expected = Validator(load_shapes(faulty_root), graph_from_triples(contents["ontology"])).validate_triples(data)
    found = ValidationInProcess(faulty_root, contents["ontology"], data).report()
    assert expected.violations, "the faulty corpus must have violations"
    assert sorted(map(_key, found.results)) == sorted(map(_key, expected.results))


def test_closing_a_validation_stops_the_child_and_removes_its_data_file(faulty_root: Path) -> None:
    contents = read_sources(discover_sources(faulty_root), DEFAULT_BASE_IRI)
    running = ValidationInProcess(faulty_root, contents["ontology"], contents["inventory/general-education"])
    data_file = running._data_path
    assert data_file.exists()
    running.close()
    assert not running._process.is_alive()
    assert not data_file.exists()


def test_a_big_build_with_violations_validated_in_a_child_leaves_an_empty_disk_store(
    faulty_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_module, "PROCESS_MIN_TRIPLES", 0)  # this small corpus takes the big-build path
    store = OxigraphStore(tmp_path / "store", DEFAULT_BASE_IRI)
    store.bulk_load_min_quads = 1  # and the first-load path, validation alongside the bulk load
    with pytest.raises(ValidationFailed) as failed:
        build(store, Settings(store="memory", root=faulty_root))
    assert failed.value.report.violations
    assert store.graphs() == {}
    assert not (tmp_path / "store" / INCOMPLETE_MARKER).exists()
    summary = build(store, Settings(store="memory", root=faulty_root), allow_violations=True)
    assert summary.report.violations and summary.graphs
    assert set(summary.timings) == {"read", "validate", "commit"}

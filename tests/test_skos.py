"""The frameworks and vocabularies as SKOS tools read them: qSKOS-style checks (``validation.skos_checks``) on a
fixture with one of each problem, and on every framework, vocabulary and mapping graph the build loads."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cnc_graph.rdf.files import parse_rdf_file
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.validation.skos_checks import skos_findings
from tests.conftest import BASE

FIXTURE = Path(__file__).parent / "data" / "skos" / "problems.ttl"
STRUCTURE = ("untyped-levels", "top-concept-mismatch", "mapping-clashes", "missing-mapping-targets")
#: Our own concepts with no French label yet: the descriptor domains taken from English sources, and ISCED-F's
#: scheme (the EU code list read is English). Issue #18, part 2, gives them sourced French labels; this list may
#: only shrink.
NO_FRENCH_YET = {
    "framework/acqf/domain/autonomy-responsibility",
    "framework/acqf/domain/knowledge",
    "framework/acqf/domain/skills",
    "framework/cnc/domain/adaptability",
    "framework/cnc/domain/autonomy-responsibility",
    "framework/cnc/domain/communication",
    "framework/cnc/domain/complexity",
    "framework/cnc/domain/knowledge",
    "framework/cnc/domain/skills",
    "framework/isced-f",
}


def test_each_check_finds_its_problem_in_the_fixture() -> None:
    found = {(f.check, f.resource.removeprefix(BASE)) for f in skos_findings(parse_rdf_file(FIXTURE, BASE), BASE)}
    assert ("untyped-levels", "framework/demo") in found  # a cnc:Framework that is no skos:ConceptScheme
    assert ("missing-labels", "framework/good/level/2") in found  # no French label
    assert ("undescribed-schemes", "framework/good/level/2") in found  # inScheme framework/nowhere
    assert ("orphan-concepts", "framework/good/level/3") in found
    assert ("top-concept-mismatch", "framework/good") not in found  # level/1 and level/2 say topConceptOf
    assert ("mapping-clashes", "framework/good/level/1") in found  # exactMatch and relatedMatch, one target
    assert ("missing-mapping-targets", "framework/good/level/1") in found  # closeMatch to nothing described
    demo = [f for f in skos_findings(parse_rdf_file(FIXTURE, BASE), BASE) if f.resource == BASE + "framework/demo"]
    assert [f.check for f in demo] == ["untyped-levels"], "an untyped scheme's top concepts are not checked as one"
    assert ("orphan-concepts", "framework/good/level/1") not in found


@pytest.fixture(scope="module")
def reference_triples(built_store: OxigraphStore) -> list[object]:
    graphs = [
        g
        for g in built_store.graphs(public_only=True)
        if "/framework/" in g or g.endswith(("/vocab", "esco-slice")) or "/mappings/" in g
    ]
    assert any(g.endswith("framework/cnc") for g in graphs) and any(g.endswith("/vocab") for g in graphs)
    return [q.triple for g in graphs for q in built_store.quads(g)]


def test_the_frameworks_and_vocabularies_pass_the_structural_checks(reference_triples: list[object]) -> None:
    findings = skos_findings(reference_triples, BASE)  # type: ignore[arg-type]
    ours = [f for f in findings if f.resource.startswith(BASE)]
    assert [f for f in ours if f.check in STRUCTURE + ("orphan-concepts", "undescribed-schemes")] == []
    labels = Counter(f.detail for f in ours if f.check == "missing-labels")
    assert "no skos:prefLabel in en" not in labels and "no skos:prefLabel in fr, en" not in labels
    no_french = {f.resource.removeprefix(BASE) for f in ours if f.check == "missing-labels" and "fr" in f.detail}
    assert no_french <= NO_FRENCH_YET, sorted(no_french - NO_FRENCH_YET)


def test_every_level_and_domain_is_a_concept_of_its_framework_scheme(reference_triples: list[object]) -> None:
    schemes = {
        str(t.subject.value)
        for t in reference_triples
        if t.predicate.value.endswith("#type") and t.object.value.endswith("#ConceptScheme")
    }  # type: ignore[attr-defined]
    for key in ("cnc", "eqf", "acqf", "fr-nqf", "isced-2011", "isced-f"):
        assert f"{BASE}framework/{key}" in schemes, key

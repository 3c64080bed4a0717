"""Level and qualification comparison: relation composition, every CNC level matched, paths, errors."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cnc_graph.compare.levels import BROAD, CLOSE, EXACT, NARROW, RELATED, compare_levels, compose, index_for
from cnc_graph.compare.qualifications import (
    _comparison_entry,
    comparable_qualifications,
    compare_qualifications,
    qualification_index,
)
from cnc_graph.errors import InputError, NotFound
from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import run_cli

COMPOSITION = [
    (EXACT, EXACT, EXACT),
    (EXACT, CLOSE, CLOSE),
    (CLOSE, EXACT, CLOSE),
    (CLOSE, CLOSE, CLOSE),
    (EXACT, BROAD, BROAD),
    (BROAD, EXACT, BROAD),
    (EXACT, NARROW, NARROW),
    (NARROW, NARROW, NARROW),
    (BROAD, BROAD, BROAD),
    (BROAD, NARROW, RELATED),
    (NARROW, BROAD, RELATED),
    (CLOSE, BROAD, BROAD),
    (NARROW, CLOSE, NARROW),
    (RELATED, EXACT, RELATED),
    (EXACT, RELATED, RELATED),
    (CLOSE, RELATED, RELATED),
]


@pytest.mark.parametrize(("first", "second", "expected"), COMPOSITION)
def test_relation_composition(first: str, second: str, expected: str) -> None:
    assert compose(first, second) == expected


@pytest.mark.parametrize("level", range(1, 9))
@pytest.mark.parametrize("framework", ["eqf", "acqf"])
def test_every_cnc_level_has_a_documented_match(built_store: OxigraphStore, level: int, framework: str) -> None:
    source, matches = compare_levels(built_store, f"cnc:{level}", framework)
    assert source.notation == str(level)
    assert matches, f"no {framework} match for cnc:{level}"
    for match in matches:
        assert match.level.framework == framework
        assert match.relation in (EXACT, CLOSE, BROAD, NARROW, RELATED)
        assert 0 < match.confidence <= 1
        assert match.justification.startswith("https://w3id.org/semapv/vocab/")
        assert match.sources, "a match must cite its source"


def test_a_derived_match_shows_its_path(built_store: OxigraphStore) -> None:
    _, matches = compare_levels(built_store, "cnc:6", "fr-nqf")
    assert matches
    best = matches[0]
    assert best.derived and len(best.path) == 2
    assert best.path[0].subject.endswith("framework/cnc/level/6")
    assert best.path[0].object == best.path[1].subject
    assert "/framework/eqf/" in best.path[0].object
    assert best.path[1].object == best.level.iri
    assert best.confidence == min(edge.confidence for edge in best.path)
    assert best.justification.endswith("MappingChaining")


def test_direct_beats_derived(built_store: OxigraphStore) -> None:
    _, matches = compare_levels(built_store, "cnc:5", "eqf")
    assert all(not m.derived for m in matches)


def test_reverse_direction_walks_mappings_backwards(built_store: OxigraphStore) -> None:
    _, matches = compare_levels(built_store, "eqf:5", "cnc")
    assert [m.level.notation for m in matches] == ["5"]
    assert matches[0].path[0].inverted


@pytest.mark.parametrize(
    ("level", "to", "error", "text"),
    [
        ("cnc:9", "eqf", NotFound, "has no level « 9 »"),
        ("cnc:5", "nowhere", NotFound, "unknown framework « nowhere »"),
        ("xyz:1", "eqf", NotFound, "unknown framework « xyz »"),
        ("five", "eqf", InputError, "FRAMEWORK:LEVEL"),
        ("cnc:5", "cnc", InputError, "already a level"),
    ],
)
def test_unknown_levels_and_frameworks_are_errors(
    built_store: OxigraphStore, level: str, to: str, error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        compare_levels(built_store, level, to)


def shared_skill_count(store: OxigraphStore, a: str, b: str) -> int:
    result = store.query(
        """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
             ?qa cnc:code ?a . ?qb cnc:code ?b .
             { ?qa cnc:relatedSkill ?s } UNION { ?qa cnc:hasLearningOutcome/cnc:relatedSkill ?s }
             { ?qb cnc:relatedSkill ?s } UNION { ?qb cnc:hasLearningOutcome/cnc:relatedSkill ?s } }""",
        bindings={"a": ox.Literal(a), "b": ox.Literal(b)},
    )
    return int(next(iter(result))["n"].value)  # type: ignore[index,call-overload]


def pairs_sharing_skills(store: OxigraphStore) -> list[tuple[str, str]]:
    result = store.query(
        """SELECT DISTINCT ?a ?b WHERE { ?qa cnc:code ?a ; cnc:relatedSkill ?s . ?qb cnc:code ?b ; cnc:relatedSkill ?s .
           FILTER(?a < ?b) } ORDER BY ?a ?b LIMIT 5"""
    )
    return [(r["a"].value, r["b"].value) for r in result]  # type: ignore[index]


def test_shared_skills_equal_a_direct_sparql_count(built_store: OxigraphStore) -> None:
    pairs = pairs_sharing_skills(built_store)
    assert pairs, "the inventory should have qualifications sharing ESCO skills"
    for a, b in pairs:
        result = compare_qualifications(built_store, a, b)
        assert len(result["skills"]["shared"]) == shared_skill_count(built_store, a, b) > 0  # type: ignore[index]


def test_qualification_comparison_is_symmetric(built_store: OxigraphStore) -> None:
    a, b = pairs_sharing_skills(built_store)[0]
    ab = compare_qualifications(built_store, a, b, "en")
    ba = compare_qualifications(built_store, b, a, "en")
    assert ab["skills"]["shared"] == ba["skills"]["shared"]  # type: ignore[index]
    assert ab["skills"]["only_a"] == ba["skills"]["only_b"]  # type: ignore[index]
    assert ab["skills"]["jaccard"] == ba["skills"]["jaccard"]  # type: ignore[index]
    assert ab["field"]["match"] == ba["field"]["match"]  # type: ignore[index]
    assert ab["a"] == ba["b"] and ab["b"] == ba["a"]
    level_ab, level_ba = ab["level"], ba["level"]
    assert level_ab["match"] == level_ba["match"]  # type: ignore[index]
    if level_ab["difference"] is not None:  # type: ignore[index]
        assert level_ab["difference"] == -level_ba["difference"]  # type: ignore[index]


def test_comparison_shows_levels_in_every_reachable_framework(built_store: OxigraphStore) -> None:
    a, b = pairs_sharing_skills(built_store)[0]
    result = compare_qualifications(built_store, a, b)
    levels = result["a"]["levels"]  # type: ignore[index]
    assert {"cnc", "eqf", "acqf"} <= set(levels)


def test_unknown_qualification_is_not_found(built_store: OxigraphStore) -> None:
    with pytest.raises(NotFound, match="NO-SUCH-CODE"):
        compare_qualifications(built_store, "NO-SUCH-CODE", "OFPPT-TS-TDI")


def test_comparable_qualifications_are_ranked_with_reasons(built_store: OxigraphStore) -> None:
    ranked = comparable_qualifications(built_store, "OFPPT-TS-TDI", limit=5)
    assert len(ranked) == 5
    scores = [r["score"] for r in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(r["reason"] for r in ranked)
    assert all(r["code"] != "OFPPT-TS-TDI" for r in ranked)
    with pytest.raises(NotFound):
        comparable_qualifications(built_store, "OFPPT-TS-TDI", framework="nowhere")


def test_cli_compare_levels_json_and_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    store = tmp_path / "store"
    assert run_cli("build", "--store", str(store)).returncode == 0
    result = run_cli("compare-levels", "cnc:5", "--to", "acqf", "--format", "json", "--store", str(store))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["matches"] and data["matches"][0]["level"]["framework"] == "acqf"
    missing = run_cli("compare-levels", "cnc:9", "--to", "eqf", "--store", str(store))
    assert missing.returncode == 2 and "has no level" in missing.stderr and "Traceback" not in missing.stderr
    table = run_cli("compare", "OFPPT-TS-TDI", "BTS-DSI", "--store", str(store))
    assert table.returncode == 0 and "ISCED-F field" in table.stdout


def _scored_against_everyone(store: OxigraphStore, code: str, framework: str | None, limit: int) -> list[object]:
    """The ranking by scoring every other qualification (what the grouped search must reproduce)."""
    quals, levels = qualification_index(store), index_for(store)
    me = quals.features(code)
    ranked = []
    for other in quals.by_code.values():
        if other.code == me.code:
            continue
        if framework is not None and not any(
            levels.levels.get(lv) and levels.levels[lv].framework == framework for lv in other.levels
        ):
            continue
        entry = _comparison_entry(levels, me, other)
        if entry is not None:
            ranked.append(entry)
    ranked.sort(key=lambda r: (-float(r["score"]), str(r["code"])))  # type: ignore[arg-type]
    return ranked[:limit]


@pytest.mark.parametrize(("framework", "limit"), [(None, 10), (None, 1), ("cnc", 5), ("eqf", 100)])
def test_comparable_ranking_is_the_one_scoring_everyone_gives(
    built_store: OxigraphStore, framework: str | None, limit: int
) -> None:
    codes = sorted(qualification_index(built_store).by_code)
    assert len(codes) > 150
    for code in codes:
        found = comparable_qualifications(built_store, code, framework=framework, limit=limit)
        assert found == _scored_against_everyone(built_store, code, framework, limit), code


@pytest.fixture(scope="module")
def generated_store(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    """A generated register of 400 qualifications: popular ESCO skills shared by many, so many equal scores."""
    from bench.generate import generate
    from cnc_graph.build import build
    from cnc_graph.settings import Settings

    generated = generate(400, tmp_path_factory.mktemp("generated") / "root", seed=3)
    settings = Settings(store="memory", root=generated.root)
    store = OxigraphStore(None, settings.base_iri)
    build(store, settings, allow_violations=True)
    return store


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "limit"), [(None, 5), ("cnc", 20), (None, 100)])
def test_comparable_ranking_on_a_generated_register_is_the_one_scoring_everyone_gives(
    generated_store: OxigraphStore, framework: str | None, limit: int
) -> None:
    quals = qualification_index(generated_store)
    assert len(quals.by_code) >= 400
    shared = 0
    for code in sorted(quals.by_code)[::4]:
        found = comparable_qualifications(generated_store, code, framework=framework, limit=limit)
        assert found == _scored_against_everyone(generated_store, code, framework, limit), code
        shared += sum(1 for entry in found if entry["shared_skills"])
    assert shared > 0  # the skills part of the score was exercised

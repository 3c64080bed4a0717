"""The command line as a user runs it: build, query, validate, and clear errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DATA, run_cli


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store built once by the real ``cnc-graph build``."""
    path = tmp_path_factory.mktemp("cli") / "store"
    result = run_cli("build", "--store", str(path))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "0 violation(s)" in result.stdout
    return path


def test_build_prints_graphs_classes_and_frameworks(store_path: Path) -> None:
    result = run_cli("build", "--store", str(store_path))
    assert result.returncode == 0, result.stderr
    for expected in ("graph/framework/cnc", "graph/ontology", "Frameworks", "Level", "0 violation(s)"):
        assert expected in result.stdout


def test_query_json_is_standard_sparql_results(store_path: Path) -> None:
    sparql = """
    SELECT ?key (COUNT(DISTINCT ?level) AS ?levels) (COUNT(DISTINCT ?domain) AS ?domains) WHERE {
      ?fw a cnc:Framework ; skos:notation ?key .
      ?level a cnc:Level ; skos:inScheme ?fw .
      OPTIONAL { ?fw cnc:hasDescriptorDomain ?domain }
    } GROUP BY ?key"""
    result = run_cli("query", sparql, "--format", "json", "--store", str(store_path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["head"]["vars"] == ["key", "levels", "domains"]
    counts = {
        b["key"]["value"]: (int(b["levels"]["value"]), int(b["domains"]["value"])) for b in data["results"]["bindings"]
    }
    assert counts["cnc"] == (8, 6)
    assert counts["eqf"] == (8, 3)
    assert counts["acqf"][0] == 10


def test_query_table_lists_cnc_levels(store_path: Path) -> None:
    sparql = "SELECT ?n WHERE { ?l skos:inScheme ?fw ; skos:notation ?n . ?fw skos:notation 'cnc' } ORDER BY ?n"
    result = run_cli("query", sparql, "--store", str(store_path))
    assert result.returncode == 0, result.stderr
    assert "8 row(s)" in result.stdout


def test_query_from_file_and_csv(store_path: Path, tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?key WHERE { ?fw a cnc:Framework ; skos:notation ?key } ORDER BY ?key")
    result = run_cli("query", f"@{query}", "--format", "csv", "--store", str(store_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "key"
    assert "cnc" in result.stdout.splitlines()


def test_query_syntax_error_is_one_clear_line(store_path: Path) -> None:
    result = run_cli("query", "SELECT WHERE {", "--store", str(store_path))
    assert result.returncode == 2
    assert "SPARQL syntax error" in result.stderr
    assert "Traceback" not in result.stderr


def test_update_through_query_is_refused(store_path: Path) -> None:
    result = run_cli("query", "DROP ALL", "--store", str(store_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    again = run_cli("query", "ASK { ?s a cnc:Level }", "--store", str(store_path))
    assert again.stdout.strip() == "true"


def test_query_on_a_missing_store_says_to_build(tmp_path: Path) -> None:
    result = run_cli("query", "ASK {}", "--store", str(tmp_path / "nothing"))
    assert result.returncode == 2
    assert "cnc-graph build" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_malformed_turtle_names_file_and_line() -> None:
    result = run_cli("validate", str(DATA / "rdf" / "malformed.ttl"))
    assert result.returncode == 2
    assert "malformed.ttl" in result.stderr and "4" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_missing_file() -> None:
    result = run_cli("validate", "does-not-exist.ttl")
    assert result.returncode == 2
    assert "does-not-exist.ttl" in result.stderr and "not found" in result.stderr


def test_build_on_an_unwritable_store_path_fails_cleanly(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a store")
    result = run_cli("build", "--store", str(blocker))
    assert result.returncode == 2
    assert "not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_store_from_environment(store_path: Path) -> None:
    result = run_cli("query", "ASK { ?s a cnc:Framework }", env={"CNC_STORE": f"oxigraph:{store_path}"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "true"


def test_validate_gives_the_same_json_report_with_either_engine() -> None:
    fixture = str(DATA / "shapes" / "duplicate-code.ttl")
    reports = []
    for engine in ("compiled", "pyshacl"):
        result = run_cli("validate", fixture, "--engine", engine, "--format", "json")
        assert result.returncode == 1, result.stderr  # the fixture's two qualifications share a code
        reports.append(json.loads(result.stdout))
    compiled, reference = reports
    assert compiled["violations"] == reference["violations"] == 2
    key = lambda r: (r["focus"], r["path"] or "", r["constraint"] or "", r["value"] or "")  # noqa: E731
    assert sorted(map(key, compiled["results"])) == sorted(map(key, reference["results"]))


def test_validate_refuses_an_unknown_engine() -> None:
    result = run_cli("validate", str(DATA / "shapes" / "valid-qualification.ttl"), "--engine", "fast")
    assert result.returncode == 2 and "engine" in result.stderr.lower()


@pytest.mark.parametrize(
    ("variable", "expected"),
    [("CNC_SPARQL_CACHE_MB", "is not a number"), ("CNC_QUERY_WORKERS", "is not a whole number")],
)
def test_a_setting_that_is_not_a_number_is_named_with_exit_code_2(variable: str, expected: str) -> None:
    done = run_cli("query", "ASK {}", "--store", "memory", env={variable: "lots"})
    assert done.returncode == 2
    assert variable in done.stderr and expected in done.stderr and "Traceback" not in done.stderr


def test_an_unknown_submitter_policy_is_named_with_what_is_allowed() -> None:
    done = run_cli("query", "ASK {}", "--store", "memory", env={"CNC_SUBMITTERS": "everyone"})
    assert done.returncode == 2
    assert "CNC_SUBMITTERS" in done.stderr and "coordinating-body" in done.stderr and "Traceback" not in done.stderr

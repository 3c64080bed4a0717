"""The one reading of SPARQL text, as the endpoint's runner and the remote store use it.

One table of tricky queries: the form each has and the dataset its own FROM / FROM NAMED clauses name. The
runner reads them with ``query_kind`` / ``check_query`` / ``query_dataset``; the remote store with
``query_form`` / ``has_dataset_clause`` / ``strip_dataset_clauses``. Both are run over the same table, so the two
callers cannot read a query differently again (they had drifted on ``\\r`` line ends and name boundaries).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
import pytest

from cnc_graph.errors import InputError
from cnc_graph.sparql.text import (
    READ_ONLY_MESSAGE,
    bind_values,
    check_query,
    has_dataset_clause,
    is_volatile,
    query_dataset,
    query_form,
    query_kind,
    strip_dataset_clauses,
    with_dataset,
)

BASE = "https://w3id.org/cnc-ma/"
KINDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


@dataclass(frozen=True)
class Case:
    """A query, its form keyword, and the graphs its own dataset clauses name (None: no clause)."""

    name: str
    query: str
    form: str
    default: list[str] | None = None
    named: list[str] = field(default_factory=list)


CASES = [
    Case("keyword in a string", 'SELECT * WHERE { ?s ?p "FROM <http://a/g>" }', "SELECT"),
    Case("keyword in a long string", "SELECT * WHERE { ?s ?p '''one\nFROM <http://a/g>\n''' }", "SELECT"),
    Case("keyword in an IRI", "SELECT * WHERE { ?s <http://x/FROM> ?o }", "SELECT"),
    Case("keyword in a comment", "SELECT * WHERE { ?s ?p ?o } # FROM <http://a/g>", "SELECT"),
    Case("form word in a comment first", "# ASK FROM <http://a/g>\nSELECT * WHERE { }", "SELECT"),
    Case(
        "comment ended by a carriage return", "SELECT * # note\rFROM <http://a/g> WHERE { }", "SELECT", ["http://a/g"]
    ),
    Case("CRLF line ends", "PREFIX ex: <http://ex/>\r\nASK\r\nFROM ex:g\r\n{ }", "ASK", ["http://ex/g"]),
    Case("a variable named from", "SELECT ?from WHERE { ?from ?p ?o }", "SELECT"),
    Case("a variable ending in FROM", "SELECT ?x_FROM WHERE { ?x_FROM ?p ?o }", "SELECT"),
    Case("a local name FROM", "PREFIX ex: <http://ex/> SELECT * WHERE { ?s ex:FROM ?o }", "SELECT"),
    Case("a local name with FROM inside", "PREFIX ex: <http://ex/> SELECT * WHERE { ?s ex:a-FROM ?o }", "SELECT"),
    Case("a prefix named from", "PREFIX from: <http://f/> SELECT * WHERE { ?s from:x ?o }", "SELECT"),
    Case("FROM glued to its IRI", "SELECT * FROM<http://a/g>{ }", "SELECT", ["http://a/g"]),
    Case(
        "FROM and FROM NAMED",
        "SELECT * FROM <http://a/g> FROM NAMED <http://a/h> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT",
        ["http://a/g"],
        ["http://a/h"],
    ),
    Case("FROM NAMED only", "select * from named <http://a/h> { graph ?g { } }", "SELECT", [], ["http://a/h"]),
    Case(
        "prefixed graph after a prologue",
        "PREFIX ex: <http://ex/>\nBASE <http://b/>\nCONSTRUCT { ?s ?p ?o } FROM ex:g WHERE { ?s ?p ?o }",
        "CONSTRUCT",
        ["http://ex/g"],
    ),
    Case("relative graph against the BASE", "BASE <http://b/> ASK FROM <g> { }", "ASK", ["http://b/g"]),
    Case("relative graph against our base", "ASK FROM <graph/x> { }", "ASK", [BASE + "graph/x"]),
    Case("one of our prefixes", "SELECT * FROM cnc:g WHERE { }", "SELECT", ["https://w3id.org/cnc-ma/ontology#g"]),
    Case("lower case, no spaces", "select*{?s ?p ?o}", "SELECT"),
    Case("DESCRIBE", "DESCRIBE <http://x/a>", "DESCRIBE"),
    Case("a SERVICE is still a SELECT", "SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }", "SELECT"),
]


def _runner_reading(case: Case) -> tuple[str | None, list[str] | None, list[str]]:
    """What the endpoint's runner reads: kind, then the query's own dataset."""
    kind = query_kind(case.query)
    own = query_dataset(case.query, BASE)
    return kind, (own.default if own else None), (own.named if own else [])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_runner_reads_form_and_dataset(case: Case) -> None:
    kind, default, named = _runner_reading(case)
    assert kind == KINDS[case.form]
    assert (default, named) == (case.default, case.named)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_remote_store_reads_form_and_dataset_alike(case: Case) -> None:
    assert query_form(case.query) == case.form
    has_own = case.default is not None
    assert has_dataset_clause(case.query) is has_own
    stripped = strip_dataset_clauses(case.query)
    assert len(stripped) == len(case.query)
    assert not has_dataset_clause(stripped)
    # The remote store blanks exactly the clauses the runner reads as the query's dataset.
    own = query_dataset(case.query, BASE)
    expected = case.query
    for start, end in own.spans if own else []:
        expected = expected[:start] + " " * (end - start) + expected[end:]
    assert stripped == expected


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "# SELECT\nDELETE WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://ex/> with ex:g delete { ?s ?p ?o } where { ?s ?p ?o }",
        "DROP GRAPH <http://a/g>",
    ],
)
def test_updates_are_refused_by_both_readers(query: str) -> None:
    with pytest.raises(InputError, match="read-only") as refused:
        check_query(query)
    assert str(refused.value).startswith(READ_ONLY_MESSAGE)
    with pytest.raises(InputError, match="not a SPARQL query"):
        query_form(query)


def test_the_endpoint_refuses_service_but_not_the_word_in_a_string() -> None:
    with pytest.raises(InputError, match="SERVICE"):
        check_query("SELECT * WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }")
    assert check_query('SELECT * WHERE { ?s ?p "SERVICE <x> {}" }') == "select"


def test_an_empty_query_is_an_error() -> None:
    with pytest.raises(InputError, match="empty"):
        check_query("  \n ")


def test_an_undeclared_prefix_in_from_names_the_prefix() -> None:
    with pytest.raises(InputError, match="nope:"):
        query_dataset("SELECT * FROM nope:g WHERE { }", BASE)


def test_an_unreadable_from_is_an_error_for_both() -> None:
    query = "SELECT * FROM ?g WHERE { }"
    with pytest.raises(InputError, match="FROM"):
        query_dataset(query, BASE)
    with pytest.raises(InputError, match="FROM"):
        strip_dataset_clauses(query)


@pytest.mark.parametrize(
    ("query", "volatile"),
    [
        ("SELECT (NOW() AS ?t) WHERE { }", True),
        ("SELECT (rand () AS ?r) WHERE { }", True),
        ("SELECT ?s WHERE { ?s ?p 'NOW()' }", False),
        ("PREFIX ex: <http://ex/> SELECT (ex:NOW() AS ?t) WHERE { }", False),
    ],
)
def test_volatile_calls_are_seen_outside_strings_only(query: str, volatile: bool) -> None:
    assert is_volatile(query) is volatile


def test_with_dataset_replaces_the_clauses_and_keeps_the_construct_template() -> None:
    query = "CONSTRUCT { ?s ?p ?o } FROM <http://a/old> WHERE { ?s ?p ?o } LIMIT 3"
    rewritten = with_dataset(query, ["http://a/g"], ["http://a/h"], BASE)
    assert "http://a/old" not in rewritten
    assert rewritten.index("{ ?s ?p ?o }") < rewritten.index("FROM <http://a/g>") < rewritten.index("WHERE")
    assert "FROM NAMED <http://a/h>" in rewritten
    assert query_dataset(rewritten, BASE) is not None
    own = query_dataset(rewritten, BASE)
    assert own is not None and (own.default, own.named) == (["http://a/g"], ["http://a/h"])


def test_bound_values_go_into_the_real_where_not_one_in_a_string() -> None:
    query = 'SELECT ?s WHERE { ?s ?p "WHERE { }" }'
    bound = bind_values(query, {"s": ox.NamedNode("http://a/x")})
    assert bound.startswith("SELECT ?s WHERE { VALUES ?s { <http://a/x> }")
    assert '"WHERE { }"' in bound

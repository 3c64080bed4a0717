"""Named SPARQL queries kept as ``.rq`` files beside the code, run with bound values only."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.errors import CncError
from cnc_graph.store.protocol import GraphStore, Term

# A value bound to a query variable: one term, or several the variable takes in turn.
Bound = Term | Sequence[Term]

QUERY_DIR = Path(__file__).parent / "queries"


@cache
def load_query(name: str) -> str:
    """Return the text of ``queries/{name}.rq``."""
    path = QUERY_DIR / f"{name}.rq"
    if not path.is_file():
        raise CncError(f"internal error: no query file {path.name}")
    return path.read_text(encoding="utf-8")


def select(store: GraphStore, name: str, public_only: bool = True, **bindings: Bound) -> list[dict[str, Term | None]]:
    """Run the SELECT query ``name`` with ``bindings`` and return its rows as dicts."""
    result = solutions(store, name, public_only, **bindings)
    variables = [v.value for v in result.variables]
    return [{v: row[v] for v in variables} for row in result]


def solutions(store: GraphStore, name: str, public_only: bool = True, **bindings: Bound) -> ox.QuerySolutions:
    """Run the SELECT query ``name`` with ``bindings`` and return its solutions as they stream from the store."""
    result = store.query(load_query(name), bindings=bindings or None, public_only=public_only)
    if not isinstance(result, ox.QuerySolutions):
        raise CncError(f"internal error: query {name} is not a SELECT query")
    return result


def triples(store: GraphStore, name: str, public_only: bool = True, **bindings: Bound) -> list[ox.Triple]:
    """Run the CONSTRUCT query ``name`` with ``bindings`` and return its triples."""
    result = store.query(load_query(name), bindings=bindings or None, public_only=public_only)
    if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        raise CncError(f"internal error: query {name} is not a CONSTRUCT or DESCRIBE query")
    return list(result)


def value(term: Term | None) -> str | None:
    """Return the lexical value of a term, or None."""
    return None if term is None else term.value

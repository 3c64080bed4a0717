"""SPARQL query text: values bound into a query."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pyoxigraph as ox

from cnc_graph.store.protocol import Term

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bind_values(sparql: str, bindings: Mapping[str, Term | Sequence[Term]]) -> str:
    """Return ``sparql`` with ``VALUES`` for ``bindings`` at the start of its outer WHERE block.

    A binding is one term or a sequence of terms (then the variable takes each in turn). Terms are
    written in their N-Triples form, which pyoxigraph escapes strictly: a bound value can never
    change the shape of the query.
    """
    match = _WHERE.search(sparql)
    if match is None:
        raise ValueError("a query with bindings needs an explicit WHERE { … } block")
    clauses = []
    for name, bound in bindings.items():
        if not _VARIABLE.fullmatch(name):
            raise ValueError(f"invalid variable name {name!r}")
        terms = [bound] if isinstance(bound, ox.NamedNode | ox.Literal | ox.BlankNode) else list(bound)
        for term in terms:
            if not isinstance(term, ox.NamedNode | ox.Literal):
                raise TypeError(f"binding ?{name} must be IRIs or literals")
        clauses.append(f"VALUES ?{name} {{ {' '.join(str(term) for term in terms)} }}")
    return sparql[: match.end()] + " " + " ".join(clauses) + " " + sparql[match.end() :]

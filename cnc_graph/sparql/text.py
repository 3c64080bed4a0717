"""SPARQL query text, read without a parser: what the runner and the remote store need to know before running it.

Strings, IRIs and comments are masked first (``mask``: same length, every offset unchanged), so that a keyword
inside them is never read as one. On the masked text: the query form after the prologue (``form_at``,
``query_kind``, ``query_form``), the dataset clauses (``query_dataset``, ``with_dataset``,
``strip_dataset_clauses``), SERVICE and updates (``check_query``), volatile calls (``is_volatile``); and values
bound into a query as ``VALUES`` (``bind_values``). A keyword is a whole word: no name character (letters,
digits, ``_ ? $ : . -``) touches it on either side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin

import pyoxigraph as ox

from cnc_graph.errors import InputError
from cnc_graph.iris import PREFIXES
from cnc_graph.store.protocol import Term

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bind_values(sparql: str, bindings: Mapping[str, Term | Sequence[Term]]) -> str:
    """Return ``sparql`` with ``VALUES`` for ``bindings`` at the start of its outer WHERE block.

    A binding is one term or a sequence of terms (then the variable takes each in turn). Terms are
    written in their N-Triples form, which pyoxigraph escapes strictly: a bound value can never
    change the shape of the query.
    """
    match = _WHERE.search(mask(sparql))
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


NOT_NAME_BEFORE = r"(?<![\w?$:.\-])"
NOT_NAME_AFTER = r"(?![\w:\-])"

QueryKind = Literal["select", "ask", "graph"]

# Strings, IRIs and comments, blanked before looking for keywords so that words inside them are not read.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n\r]*"
)

_PROLOGUE = re.compile(r"(?:\s+|BASE\s*<x*>|PREFIX\s+[^\s:]*:\s*<x*>)*", re.IGNORECASE)

_FIRST_WORD = re.compile(r"[A-Za-z]+")

PREFIX_DECL = re.compile(r"PREFIX\s+([^\s:]*):\s*(<x*>)", re.IGNORECASE)

_BASE_DECL = re.compile(NOT_NAME_BEFORE + r"BASE\s*(<x*>)", re.IGNORECASE)

ANY_FROM = re.compile(NOT_NAME_BEFORE + "FROM" + NOT_NAME_AFTER, re.IGNORECASE)

DATASET_CLAUSE = re.compile(
    NOT_NAME_BEFORE + r"FROM" + NOT_NAME_AFTER + r"\s*(NAMED" + NOT_NAME_AFTER + r"\s*)?"
    r"(<x*>|[^\s{}()<>]*:[^\s{}()<>]*)",
    re.IGNORECASE,
)

_SERVICE = re.compile(NOT_NAME_BEFORE + "SERVICE" + NOT_NAME_AFTER, re.IGNORECASE)

_VOLATILE_CALL = re.compile(NOT_NAME_BEFORE + r"(?:NOW|RAND|UUID|STRUUID)\s*\(", re.IGNORECASE)

_WHERE_OR_MODIFIER = re.compile(
    NOT_NAME_BEFORE + r"(?:WHERE|ORDER|GROUP|HAVING|LIMIT|OFFSET|VALUES)" + NOT_NAME_AFTER, re.IGNORECASE
)

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")

_QUERY_FORMS: dict[str, QueryKind] = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}

_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}

READ_ONLY_MESSAGE = "this endpoint is read-only: SPARQL Update is not accepted"

# A graph no one creates: an empty default graph for a text-only dataset (remote stores).
_NO_GRAPH = "urn:x-cnc-graph:empty-default-graph"


def mask(sparql: str) -> str:
    """Return ``sparql`` with strings, IRIs and comments blanked out, every offset unchanged."""

    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("<"):
            return "<" + "x" * (len(text) - 2) + ">"
        return " " * len(text)

    return _OPAQUE.sub(blank, sparql)


def form_at(masked: str) -> tuple[str | None, int]:
    """Return the first keyword after the prologue (upper-cased, or None) and where it ends."""
    prologue = _PROLOGUE.match(masked)
    start = prologue.end() if prologue else 0
    word = _FIRST_WORD.match(masked, start)
    if word is None:
        return None, start
    return word.group(0).upper(), word.end()


def query_kind(query: str) -> QueryKind | None:
    """Return ``select``, ``ask`` or ``graph`` from the query's form keyword; None if it is not plainly a query."""
    word, _ = form_at(mask(query))
    return _QUERY_FORMS.get(word or "")


def check_query(query: str) -> QueryKind | None:
    """Return the query's kind (as ``query_kind``); raise InputError for an update, SERVICE or an empty query."""
    if not query.strip():
        raise InputError("the query is empty")
    masked = mask(query)
    word, _ = form_at(masked)
    if word in _UPDATE_WORDS:
        raise InputError(READ_ONLY_MESSAGE)
    if _SERVICE.search(masked):
        raise InputError("SERVICE (federated query) is not allowed on this endpoint: query the other endpoint directly")
    return _QUERY_FORMS.get(word or "")


def is_volatile(query: str) -> bool:
    """Return whether the query calls NOW(), RAND(), UUID() or STRUUID(): its answer changes on every run."""
    return _VOLATILE_CALL.search(mask(query)) is not None


@dataclass(frozen=True)
class QueryDataset:
    """The query's own FROM / FROM NAMED graphs (None when it has no dataset clause)."""

    default: list[str]
    named: list[str]
    spans: list[tuple[int, int]]


def query_dataset(query: str, base_iri: str) -> QueryDataset | None:
    """Return the graphs the query's FROM / FROM NAMED clauses name, resolved to absolute IRIs."""
    masked = mask(query)
    if not ANY_FROM.search(masked):
        return None
    prefixes = dict(PREFIXES)
    base = base_iri
    for match in PREFIX_DECL.finditer(masked):
        prefixes[match.group(1)] = query[match.start(2) + 1 : match.end(2) - 1]
    declared_base = _BASE_DECL.search(masked)
    if declared_base:
        base = urljoin(base, query[declared_base.start(1) + 1 : declared_base.end(1) - 1])
    default: list[str] = []
    named: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in DATASET_CLAUSE.finditer(masked):
        text = query[match.start(2) : match.end(2)]
        if text.startswith("<"):
            iri = text[1:-1]
            if not _ABSOLUTE_IRI.match(iri):
                iri = urljoin(base, iri)
        else:
            prefix, _, local = text.partition(":")
            if prefix not in prefixes:
                raise InputError(f"FROM {text}: the prefix {prefix}: is not declared")
            iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        (named if match.group(1) else default).append(iri)
        spans.append(match.span())
    blanked = masked
    for start, end in spans:
        blanked = blanked[:start] + " " * (end - start) + blanked[end:]
    if ANY_FROM.search(blanked):
        raise InputError("a FROM clause of this query could not be read: write it as FROM <absolute IRI>")
    return QueryDataset(default, named, spans)


def resolve_dataset(
    query: str,
    public: Sequence[str],
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    base_iri: str,
) -> tuple[list[str], list[str]]:
    """Return the (default, named) graphs a query may read: the request's, else the query's, else all public ones.

    Whatever names them, only graphs in ``public`` are kept: any other graph is treated as one that does not
    exist (an empty default graph when none is left).
    """
    allowed = set(public)

    def keep(graphs: Iterable[str]) -> list[str]:
        kept: list[str] = []
        for graph in graphs:
            try:
                ox.NamedNode(graph)
            except ValueError as exc:
                raise InputError(f"{graph!r} is not an absolute IRI: {exc}") from exc
            if graph in allowed and graph not in kept:
                kept.append(graph)
        return kept

    if default_graphs or named_graphs:
        return keep(default_graphs or ()), keep(named_graphs or ())
    own = query_dataset(query, base_iri)
    if own is not None:
        return keep(own.default), keep(own.named)
    return list(public), list(public)


def with_dataset(query: str, default: Sequence[str], named: Sequence[str], base_iri: str) -> str:
    """Return ``query`` with its FROM / FROM NAMED clauses replaced by ``default`` and ``named``.

    For stores reached only through query text (remote servers): an empty ``default`` becomes a graph that
    does not exist, so that the dataset is always fully named by the text.
    """
    own = query_dataset(query, base_iri)
    masked = mask(query)
    for start, end in reversed(own.spans if own else []):
        query = query[:start] + " " * (end - start) + query[end:]
        masked = masked[:start] + " " * (end - start) + masked[end:]
    clauses = [f"FROM {ox.NamedNode(g)}" for g in (default or [_NO_GRAPH])]
    clauses += [f"FROM NAMED {ox.NamedNode(g)}" for g in named]
    at = _dataset_insertion_point(masked)
    return query[:at] + " " + " ".join(clauses) + " " + query[at:]


def _dataset_insertion_point(masked: str) -> int:
    """Return where dataset clauses go: before the WHERE clause (after a CONSTRUCT template), else at the end."""
    word, i = form_at(masked)
    if word == "CONSTRUCT":
        while i < len(masked) and masked[i].isspace():
            i += 1
        if i < len(masked) and masked[i] == "{":
            depth = 0
            while i < len(masked):
                depth += {"{": 1, "}": -1}.get(masked[i], 0)
                i += 1
                if depth == 0:
                    break
    depth = 0
    while i < len(masked):
        char = masked[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and (char == "{" or _WHERE_OR_MODIFIER.match(masked, i)):
            return i
        i += 1
    return len(masked)


def query_form(sparql: str) -> str:
    """Return SELECT, ASK, CONSTRUCT or DESCRIBE; anything else (an update…) is an InputError."""
    word, _ = form_at(mask(sparql))
    if word is None or word not in _QUERY_FORMS:
        raise InputError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE after the prefixes")
    return word


def declared_prefixes(sparql: str) -> set[str]:
    """Return the prefixes the query declares itself."""
    return {m.group(1) for m in PREFIX_DECL.finditer(mask(sparql))}


def declares_base(sparql: str) -> bool:
    """Return whether the query declares its own BASE."""
    return _BASE_DECL.search(mask(sparql)) is not None


def has_dataset_clause(sparql: str) -> bool:
    """Return whether the query has a FROM or FROM NAMED clause."""
    return ANY_FROM.search(mask(sparql)) is not None


def strip_dataset_clauses(sparql: str) -> str:
    """Return ``sparql`` with its FROM / FROM NAMED clauses blanked out (same length), for a dataset given apart."""
    masked = mask(sparql)
    for match in reversed(list(DATASET_CLAUSE.finditer(masked))):
        start, end = match.span()
        sparql = sparql[:start] + " " * (end - start) + sparql[end:]
        masked = masked[:start] + " " * (end - start) + masked[end:]
    if ANY_FROM.search(masked):
        raise InputError("a FROM clause of this query could not be read: write it as FROM <absolute IRI>")
    return sparql

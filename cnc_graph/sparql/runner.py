"""Run SPARQL queries written by anyone: read-only, over the public graphs only, capped, and stopped on time.

The public endpoint (``/sparql``) hands every query to a ``QueryRunner``. Whatever the runner:

- **Read-only.** Only the store's *query* call is ever used, so an update can never run; an update string
  is recognised by its first keyword and refused with an ``InputError`` saying so, and any other text the
  SPARQL parser rejects is an ``InputError`` carrying the parser's message. ``SERVICE`` is refused too:
  pyoxigraph would fetch any URL named there, from the server's own network.
- **Public graphs only.** With no dataset in the request the default graph is the union of the public named
  graphs and ``GRAPH ?g`` ranges over them, as everywhere in CNC Graph. A request's ``default-graph-uri`` /
  ``named-graph-uri`` (or, without them, the query's own ``FROM`` / ``FROM NAMED``) choose graphs *among the
  public ones*: a private or staging graph named there is treated as a graph that does not exist.
- **Capped.** At most ``result_limit`` rows (SELECT) or triples (CONSTRUCT/DESCRIBE) are returned; the
  output then says ``truncated``. The rows are written by this module (pyoxigraph's serialisers cannot
  stop early): SPARQL JSON and XML, CSV (plain values) and TSV (N-Triples term syntax); graphs go through
  pyoxigraph's Turtle, N-Triples, JSON-LD and RDF/XML writers.
- **Stopped on time.** A query running longer than ``timeout_s`` raises ``QueryTimeout``.

Two runners, chosen by ``make_query_runner``:

- ``ProcessQueryRunner`` for an on-disk ``OxigraphStore``: a small pool of worker processes (``spawn``
  context: no fork of a process that already runs threads), each reading a read-only store
  (``Store.read_only``). Not the live store directory: pyoxigraph documents reading a store that another
  process writes as undefined behaviour, and it does fail (files removed by the writer's compactions, recent
  writes missing). The runner instead makes a checkpoint of the store (``Store.backup``: hard links to its
  immutable files, milliseconds) for each ``generation``, lazily when the first query after a write comes,
  and removes every private graph from it before any worker opens it (tens of milliseconds: private graphs
  are small). A worker whose store holds public graphs only evaluates a query that names no dataset on
  pyoxigraph's union default graph, one index scan per pattern like ``oxigraph serve --union-default-graph``,
  instead of on the list of public graphs (one scan per graph and pattern: ten times slower on a count over
  10,000 qualifications); it checks this itself when it opens a store. A request names the checkpoint to
  read, and a worker that has an older one open reopens first, so a query never sees data older than the last
  committed write. Checkpoints live beside the store in a
  ``.cnc-sparql-snapshots-PID-…`` folder, pruned as workers move on and removed by ``close()`` (or by the
  next runner, when the process that made them is gone). A request goes to an idle worker through a
  ``Pipe``; the caller waits up to the timeout, and on timeout the worker is killed (the only way to stop a
  running pyoxigraph query) and a fresh one takes its place.
- ``InlineQueryRunner`` for an in-memory store (which other processes cannot open) and for remote stores:
  each query runs in a thread of this process and the caller waits up to the timeout. **A thread cannot be
  killed**: a timed-out query keeps running (and, for a remote store, keeps its HTTP request open until the
  store's own timeout) after the caller got its ``QueryTimeout``. That is acceptable only there: memory
  stores are for tests and one-off runs, and a remote server enforces its own limits. At most
  ``max_threads`` queries run at once, so runaways cannot pile up without bound.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import multiprocessing
import os
import queue
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urljoin
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from cnc_graph.errors import InputError, NotAcceptable, QueryTimeout, StoreError
from cnc_graph.iris import PREFIXES, RDF, XSD, is_public_graph
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.generation import public_generation
from cnc_graph.store.protocol import GraphStore

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from cnc_graph.settings import Settings

QueryKind = Literal["select", "ask", "graph"]

SPARQL_JSON = "application/sparql-results+json"
JSON = "application/json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"

#: Media types for SELECT and ASK results, the default first.
RESULT_MEDIA_TYPES: tuple[str, ...] = (SPARQL_JSON, JSON, SPARQL_XML, CSV, TSV)
#: Media types for CONSTRUCT and DESCRIBE results, the default first.
GRAPH_MEDIA_TYPES: tuple[str, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)

_GRAPH_FORMATS = {
    TURTLE: ox.RdfFormat.TURTLE,
    N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    JSON_LD: ox.RdfFormat.JSON_LD,
    RDF_XML: ox.RdfFormat.RDF_XML,
}
_BOOLEAN_FORMATS = {
    SPARQL_JSON: ox.QueryResultsFormat.JSON,
    JSON: ox.QueryResultsFormat.JSON,
    SPARQL_XML: ox.QueryResultsFormat.XML,
    CSV: ox.QueryResultsFormat.CSV,
    TSV: ox.QueryResultsFormat.TSV,
}
_XSD_STRING = XSD + "string"
_RDF_LANG_STRING = RDF + "langString"
_RDF_DIR_LANG_STRING = RDF + "dirLangString"
_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"

#: Worker processes when the settings say 0 (auto): twice the CPUs, within these bounds. More workers than
#: cores, as ``oxigraph serve`` runs a thread per request: two long queries do not hold every worker while
#: short ones wait behind them (the OS shares the cores among them), and the pool gets its share of the CPU
#: next to other processes. Each worker costs its own RocksDB caches, hence the upper bound.
MIN_WORKERS = 2
MAX_WORKERS = 8
DEFAULT_WORKERS = MIN_WORKERS
DEFAULT_MAX_THREADS = 4
_STOP_GRACE_S = 2.0
_SNAPSHOTS_PREFIX = ".cnc-sparql-snapshots-"


# --- what a runner returns and raises ---------------------------------------------------------------


@dataclass(frozen=True)
class QueryOutput:
    """A serialised query result: the bytes, their media type, whether rows were cut, and the query form.

    ``cache`` is set by a result cache (``cnc_graph.sparql.cache``): ``hit`` when the bytes were not computed
    for this call, ``miss`` when they were; None when no cache stands in front of the runner.
    """

    body: bytes
    media_type: str
    truncated: bool
    kind: QueryKind
    cache: Literal["hit", "miss"] | None = None


def not_acceptable(kind: QueryKind, accepted: Sequence[str], reason: str | None = None) -> NotAcceptable:
    """Return the refusal for a ``kind`` of result none of the ``accepted`` media types can carry."""
    offered = list(media_types_for(kind))
    what = {"select": "a SELECT result", "ask": "an ASK result", "graph": "a CONSTRUCT/DESCRIBE result"}[kind]
    detail = reason or f"cannot give {what} as {', '.join(accepted) or 'nothing'}; available: {', '.join(offered)}"
    return NotAcceptable(detail, kind, accepted, offered)


class QueryRunner(Protocol):
    """Runs one user query at a time per call, safely (see the module docstring); thread-safe."""

    def run(
        self,
        query: str,
        accept: list[str],
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryOutput:
        """Return the query's result serialised in the first of ``accept`` that fits its form."""
        ...

    def close(self) -> None:
        """Stop the runner's workers and release what it holds."""
        ...


# --- query text -------------------------------------------------------------------------------------

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
_PREFIX_DECL = re.compile(r"PREFIX\s+([^\s:]*):\s*(<x*>)", re.IGNORECASE)
_BASE_DECL = re.compile(r"BASE\s*(<x*>)", re.IGNORECASE)
_NOT_NAME_BEFORE = r"(?<![\w?$:.\-])"
_NOT_NAME_AFTER = r"(?![\w:\-])"
_ANY_FROM = re.compile(_NOT_NAME_BEFORE + "FROM" + _NOT_NAME_AFTER, re.IGNORECASE)
_DATASET_CLAUSE = re.compile(
    _NOT_NAME_BEFORE + r"FROM" + _NOT_NAME_AFTER + r"\s*(NAMED" + _NOT_NAME_AFTER + r"\s*)?"
    r"(<x*>|[^\s{}()<>]*:[^\s{}()<>]*)",
    re.IGNORECASE,
)
_SERVICE = re.compile(_NOT_NAME_BEFORE + "SERVICE" + _NOT_NAME_AFTER, re.IGNORECASE)
_VOLATILE_CALL = re.compile(_NOT_NAME_BEFORE + r"(?:NOW|RAND|UUID|STRUUID)\s*\(", re.IGNORECASE)
_WHERE_OR_MODIFIER = re.compile(
    _NOT_NAME_BEFORE + r"(?:WHERE|ORDER|GROUP|HAVING|LIMIT|OFFSET|VALUES)" + _NOT_NAME_AFTER, re.IGNORECASE
)
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_XML_LOCAL_NAME = re.compile(r"[^\W\d][\w.\-]*$")

_QUERY_FORMS: dict[str, QueryKind] = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
READ_ONLY_MESSAGE = "this endpoint is read-only: SPARQL Update is not accepted"
# A graph no one creates: an empty default graph for a text-only dataset (remote stores).
_NO_GRAPH = "urn:x-cnc-graph:empty-default-graph"


def _mask(sparql: str) -> str:
    """Return ``sparql`` with strings, IRIs and comments blanked out, every offset unchanged."""

    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("<"):
            return "<" + "x" * (len(text) - 2) + ">"
        return " " * len(text)

    return _OPAQUE.sub(blank, sparql)


def _form_at(masked: str) -> tuple[str | None, int]:
    """Return the first keyword after the prologue (upper-cased, or None) and where it ends."""
    prologue = _PROLOGUE.match(masked)
    start = prologue.end() if prologue else 0
    word = _FIRST_WORD.match(masked, start)
    if word is None:
        return None, start
    return word.group(0).upper(), word.end()


def query_kind(query: str) -> QueryKind | None:
    """Return ``select``, ``ask`` or ``graph`` from the query's form keyword; None if it is not plainly a query."""
    word, _ = _form_at(_mask(query))
    return _QUERY_FORMS.get(word or "")


def check_query(query: str) -> QueryKind | None:
    """Return the query's kind (as ``query_kind``); raise InputError for an update, SERVICE or an empty query."""
    if not query.strip():
        raise InputError("the query is empty")
    masked = _mask(query)
    word, _ = _form_at(masked)
    if word in _UPDATE_WORDS:
        raise InputError(READ_ONLY_MESSAGE)
    if _SERVICE.search(masked):
        raise InputError("SERVICE (federated query) is not allowed on this endpoint: query the other endpoint directly")
    return _QUERY_FORMS.get(word or "")


def is_volatile(query: str) -> bool:
    """Return whether the query calls NOW(), RAND(), UUID() or STRUUID(): its answer changes on every run."""
    return _VOLATILE_CALL.search(_mask(query)) is not None


@dataclass(frozen=True)
class _QueryDataset:
    """The query's own FROM / FROM NAMED graphs (None when it has no dataset clause)."""

    default: list[str]
    named: list[str]
    spans: list[tuple[int, int]]


def _query_dataset(query: str, base_iri: str) -> _QueryDataset | None:
    """Return the graphs the query's FROM / FROM NAMED clauses name, resolved to absolute IRIs."""
    masked = _mask(query)
    if not _ANY_FROM.search(masked):
        return None
    prefixes = dict(PREFIXES)
    base = base_iri
    for match in _PREFIX_DECL.finditer(masked):
        prefixes[match.group(1)] = query[match.start(2) + 1 : match.end(2) - 1]
    declared_base = _BASE_DECL.search(masked)
    if declared_base:
        base = urljoin(base, query[declared_base.start(1) + 1 : declared_base.end(1) - 1])
    default: list[str] = []
    named: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _DATASET_CLAUSE.finditer(masked):
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
    if _ANY_FROM.search(blanked):
        raise InputError("a FROM clause of this query could not be read: write it as FROM <absolute IRI>")
    return _QueryDataset(default, named, spans)


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
    own = _query_dataset(query, base_iri)
    if own is not None:
        return keep(own.default), keep(own.named)
    return list(public), list(public)


def with_dataset(query: str, default: Sequence[str], named: Sequence[str], base_iri: str) -> str:
    """Return ``query`` with its FROM / FROM NAMED clauses replaced by ``default`` and ``named``.

    For stores reached only through query text (remote servers): an empty ``default`` becomes a graph that
    does not exist, so that the dataset is always fully named by the text.
    """
    own = _query_dataset(query, base_iri)
    masked = _mask(query)
    for start, end in reversed(own.spans if own else []):
        query = query[:start] + " " * (end - start) + query[end:]
        masked = masked[:start] + " " * (end - start) + masked[end:]
    clauses = [f"FROM {ox.NamedNode(g)}" for g in (default or [_NO_GRAPH])]
    clauses += [f"FROM NAMED {ox.NamedNode(g)}" for g in named]
    at = _dataset_insertion_point(masked)
    return query[:at] + " " + " ".join(clauses) + " " + query[at:]


def _dataset_insertion_point(masked: str) -> int:
    """Return where dataset clauses go: before the WHERE clause (after a CONSTRUCT template), else at the end."""
    word, i = _form_at(masked)
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


# --- content negotiation ----------------------------------------------------------------------------


def media_types_for(kind: QueryKind) -> tuple[str, ...]:
    """Return the media types a result of ``kind`` can be written in, the default first."""
    return GRAPH_MEDIA_TYPES if kind == "graph" else RESULT_MEDIA_TYPES


def choose_media_type(kind: QueryKind, accept: Sequence[str]) -> str | None:
    """Return the first media type of ``accept`` (wildcards allowed) that fits ``kind``; the default if empty."""
    offered = media_types_for(kind)
    if not accept:
        return offered[0]
    for item in accept:
        wanted = item.split(";", 1)[0].strip().lower()
        if wanted == "*/*":
            return offered[0]
        if wanted.endswith("/*"):
            major = wanted[:-1]
            for media in offered:
                if media.startswith(major):
                    return media
        elif wanted in offered:
            return wanted
    return None


# --- serialisation ----------------------------------------------------------------------------------


def serialise(result: Any, accept: Sequence[str], limit: int) -> QueryOutput:
    """Return ``result`` (solutions, boolean or triples) in the first fitting media type, capped at ``limit``."""
    if isinstance(result, ox.QueryBoolean):
        media = _media_or_refuse("ask", accept)
        return QueryOutput(result.serialize(format=_BOOLEAN_FORMATS[media]), media, False, "ask")
    if isinstance(result, ox.QuerySolutions):
        media = _media_or_refuse("select", accept)
        names = [v.value for v in result.variables]
        rows, truncated = _take(result, limit)
        writer = {SPARQL_JSON: _json_rows, JSON: _json_rows, SPARQL_XML: _xml_rows, CSV: _csv_rows, TSV: _tsv_rows}
        return QueryOutput(writer[media](names, rows), media, truncated, "select")
    media = _media_or_refuse("graph", accept)
    triples, truncated = _take(result, limit)
    return QueryOutput(_graph(triples, media, accept), media, truncated, "graph")


def _media_or_refuse(kind: QueryKind, accept: Sequence[str]) -> str:
    media = choose_media_type(kind, accept)
    if media is None:
        raise not_acceptable(kind, accept)
    return media


def _take(items: Iterable[Any], limit: int) -> tuple[list[Any], bool]:
    """Return at most ``limit`` items and whether there were more (reading one past the limit, no further)."""
    taken: list[Any] = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction is not None:
                out["its:dir"] = str(getattr(direction, "value", direction)).lower()
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _json_rows(names: list[str], rows: list[ox.QuerySolution]) -> bytes:
    out = io.StringIO()
    out.write('{"head":{"vars":')
    out.write(json.dumps(names, ensure_ascii=False))
    out.write('},"results":{"bindings":[')
    for n, row in enumerate(rows):
        binding = {name: _json_term(row[i]) for i, name in enumerate(names) if row[i] is not None}
        out.write(("," if n else "") + "\n" + json.dumps(binding, ensure_ascii=False, separators=(",", ":")))
    out.write("\n]}}\n")
    return out.getvalue().encode("utf-8")


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != _XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _xml_rows(names: list[str], rows: list[ox.QuerySolution]) -> bytes:
    out = io.StringIO()
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{_RESULTS_NS}">\n<head>')
    out.write("".join(f"<variable name={quoteattr(name)}/>" for name in names))
    out.write("</head>\n<results>\n")
    for row in rows:
        out.write("<result>")
        for i, name in enumerate(names):
            if row[i] is not None:
                out.write(f"<binding name={quoteattr(name)}>{_xml_term(row[i])}</binding>")
        out.write("</result>\n")
    out.write("</results>\n</sparql>\n")
    return out.getvalue().encode("utf-8")


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _csv_rows(names: list[str], rows: list[ox.QuerySolution]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_csv_value(row[i]) for i in range(len(names))])
    return out.getvalue().encode("utf-8")


def _tsv_rows(names: list[str], rows: list[ox.QuerySolution]) -> bytes:
    lines = ["\t".join(f"?{name}" for name in names)]
    for row in rows:
        # N-Triples term syntax already escapes newlines and quotes; a tab would split the cell.
        lines.append("\t".join("" if row[i] is None else str(row[i]).replace("\t", "\\t") for i in range(len(names))))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _graph(triples: list[ox.Triple], media: str, accept: Sequence[str]) -> bytes:
    fmt = _GRAPH_FORMATS[media]
    if fmt == ox.RdfFormat.RDF_XML:
        for triple in triples:
            if not _XML_LOCAL_NAME.search(triple.predicate.value):
                raise not_acceptable(
                    "graph",
                    accept,
                    f"this result cannot be written as RDF/XML: the predicate <{triple.predicate.value}> has no "
                    "XML local name; ask for text/turtle or application/n-triples",
                )
    if fmt == ox.RdfFormat.TURTLE:
        return ox.serialize(triples, format=fmt, prefixes=_used_prefixes(triples)) or b""
    try:
        return ox.serialize(triples, format=fmt) or b""
    except (ValueError, OSError) as exc:
        raise not_acceptable("graph", accept, f"this result cannot be written as {media}: {exc}") from exc


def _used_prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    iris = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal) and term.datatype.value not in (_RDF_LANG_STRING, _RDF_DIR_LANG_STRING):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}


# --- evaluation on a pyoxigraph store ---------------------------------------------------------------


def public_graph_names(store: ox.Store, base_iri: str) -> list[str]:
    """Return the public named graphs of a pyoxigraph store (not private, not staging)."""
    return sorted(
        g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and is_public_graph(base_iri, g.value)
    )


def only_public_graphs(store: ox.Store, base_iri: str) -> bool:
    """Return whether every named graph of ``store`` is public (then its union default graph is the public one)."""
    return all(isinstance(g, ox.NamedNode) and is_public_graph(base_iri, g.value) for g in store.named_graphs())


def _drop_private_graphs(path: str, base_iri: str) -> None:
    """Remove every graph that is not public from the checkpoint at ``path`` (never the live store).

    What is left is the public dataset alone, which lets the workers evaluate with pyoxigraph's union default
    graph: one index scan per pattern, where a default graph given as a list of N graphs costs N (ten times
    slower on a count over the 10,000-qualification store).
    """
    checkpoint = ox.Store(path)
    try:
        for graph in list(checkpoint.named_graphs()):
            if not (isinstance(graph, ox.NamedNode) and is_public_graph(base_iri, graph.value)):
                checkpoint.remove_graph(graph)
        checkpoint.clear_graph(ox.DefaultGraph())
        checkpoint.flush()
    finally:
        del checkpoint  # closes the RocksDB instance before any worker opens the directory read-only


def evaluate(
    store: ox.Store,
    query: str,
    accept: Sequence[str],
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    *,
    public: Sequence[str],
    base_iri: str,
    result_limit: int,
    union: bool = False,
) -> QueryOutput:
    """Return the serialised result of ``query`` on a pyoxigraph store, reading only graphs among ``public``.

    ``union`` says that every named graph of ``store`` is in ``public`` (a checkpoint without its private
    graphs, see ``only_public_graphs``): a query naming no dataset then runs on pyoxigraph's union default graph,
    the same dataset as the list of public graphs, evaluated far faster.
    """
    kind = check_query(query)
    if kind is not None:
        _media_or_refuse(kind, accept)
    whole = not default_graphs and not named_graphs and _query_dataset(query, base_iri) is None
    dataset: dict[str, Any]
    if union and whole:
        dataset = {"use_default_graph_as_union": True}
    else:
        default, named = resolve_dataset(query, public, default_graphs, named_graphs, base_iri)
        dataset = {
            "default_graph": [ox.NamedNode(g) for g in default],
            "named_graphs": [ox.NamedNode(g) for g in named],
        }
    try:
        result = store.query(query, prefixes=PREFIXES, base_iri=base_iri, **dataset)
        return serialise(result, accept, result_limit)
    except SyntaxError as exc:
        raise InputError(f"SPARQL syntax error: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"the query failed: {exc}") from exc


# --- process pool -----------------------------------------------------------------------------------


def _watch_parent(parent_pid: int) -> None:
    """Exit this worker when its parent is gone, even in the middle of a query (pyoxigraph releases the GIL)."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_main(conn: Connection, snapshot: str, base_iri: str, result_limit: int, parent_pid: int) -> None:
    """Serve queries sent through ``conn``, each on the read-only snapshot it names, until told to stop."""
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl-C must not print tracebacks here
    _watch_parent(parent_pid)
    store: ox.Store | None = None
    opened: str | None = None
    public: list[str] = []
    union = False
    with contextlib.suppress(OSError):  # open ahead of the first query; a failure is reported by that query
        store, opened = ox.Store.read_only(snapshot), snapshot
        public, union = public_graph_names(store, base_iri), only_public_graphs(store, base_iri)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        snapshot, query, accept, default_graphs, named_graphs = request
        reply: tuple[Any, ...]
        try:
            if store is None or snapshot != opened:
                store = opened = None  # release the old snapshot before opening the new one
                try:
                    store = ox.Store.read_only(snapshot)
                except OSError as exc:
                    raise StoreError(f"cannot open the store snapshot {snapshot} read-only: {exc}") from exc
                opened = snapshot
                public, union = public_graph_names(store, base_iri), only_public_graphs(store, base_iri)
            out = evaluate(
                store,
                query,
                accept,
                default_graphs,
                named_graphs,
                public=public,
                base_iri=base_iri,
                result_limit=result_limit,
                union=union,
            )
            reply = ("ok", out.body, out.media_type, out.truncated, out.kind)
        except NotAcceptable as exc:
            reply = ("not-acceptable", exc.kind, exc.accepted, str(exc))
        except InputError as exc:
            reply = ("input", str(exc))
        except Exception as exc:  # anything else is the store's or ours: reported, never fatal to the worker
            reply = ("store", f"{exc}" if isinstance(exc, StoreError) else f"the query failed: {exc}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _raise_reply(reply: tuple[Any, ...]) -> QueryOutput:
    """Return the output a worker sent, or raise the error it reported."""
    status = reply[0]
    if status == "ok":
        return QueryOutput(reply[1], reply[2], reply[3], reply[4])
    if status == "not-acceptable":
        raise not_acceptable(reply[1], reply[2], reply[3])
    if status == "input":
        raise InputError(reply[1])
    raise StoreError(reply[1])


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    snapshot: str  # the snapshot it has open (or will open at its next request)


@dataclass
class _Snapshot:
    path: str
    generation: int


class _Snapshots:
    """Immutable checkpoints of a read-write store, one per generation, for the workers to open read-only.

    pyoxigraph calls reading a store that another process is writing undefined behaviour, and it is real:
    a worker's snapshot of the live directory loses files to the writer's compactions ("No such file") or
    misses recent writes. A checkpoint (``Store.backup``) is a directory of its own, made of hard links to
    the store's immutable files when on the same file system (milliseconds), which nobody writes once its
    private graphs are removed (``_drop_private_graphs``, before it is handed out): workers read it safely.
    A checkpoint is removed once it is neither the newest nor open in any worker.
    """

    def __init__(self, store: OxigraphStore) -> None:
        assert store.path is not None
        self.store = store
        self.root = Path(tempfile.mkdtemp(prefix=f"{_SNAPSHOTS_PREFIX}{os.getpid()}-", dir=store.path.parent))
        self.latest: _Snapshot | None = None
        self._count = 0
        self._lock = threading.Lock()

    def current(self) -> str:
        """Return the checkpoint of the store's current generation, made now if there is none yet."""
        generation = public_generation(self.store)
        with self._lock:
            if self.latest is None or self.latest.generation != generation:
                self._count += 1
                path = self.root / f"generation-{generation}-{self._count}"
                try:
                    _raw_oxigraph(self.store).backup(str(path))  # type: ignore[union-attr]
                    _drop_private_graphs(str(path), self.store.base_iri)
                except OSError as exc:
                    raise StoreError(f"cannot checkpoint the store {self.store.path} for queries: {exc}") from exc
                self.latest = _Snapshot(str(path), generation)
            return self.latest.path

    def prune(self, in_use: Iterable[str]) -> None:
        """Remove every checkpoint but the newest and those in ``in_use``."""
        with self._lock:
            keep = set(in_use) | ({self.latest.path} if self.latest else set())
            for path in self.root.iterdir():
                if str(path) not in keep:
                    shutil.rmtree(path, ignore_errors=True)

    def remove(self) -> None:
        """Remove every checkpoint."""
        shutil.rmtree(self.root, ignore_errors=True)


def _remove_stale_snapshots(folder: Path) -> None:
    """Remove checkpoint folders left by runners of processes that no longer exist (a crash, a kill -9)."""
    with contextlib.suppress(OSError):
        for path in folder.glob(f"{_SNAPSHOTS_PREFIX}*"):
            pid = path.name[len(_SNAPSHOTS_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class ProcessQueryRunner:
    """Runs queries in a pool of worker processes on read-only snapshots of an on-disk store; kills runaways.

    For a store opened read-write here, the workers read checkpoints made by ``_Snapshots`` (a new one after
    each committed write, when the next query comes). For a store opened read-only, nothing in this process
    writes, and the workers open the store directory itself.
    """

    def __init__(
        self,
        store: OxigraphStore,
        *,
        timeout_s: float,
        result_limit: int,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        if store.path is None:
            raise ValueError("ProcessQueryRunner needs an on-disk store; use InlineQueryRunner for memory stores")
        self.store = store
        self.base_iri = store.base_iri
        self.timeout_s = timeout_s
        self.result_limit = result_limit
        self.size = max(1, workers)
        self._snapshots: _Snapshots | None = None
        if not store.read_only:
            _remove_stale_snapshots(store.path.parent)
            self._snapshots = _Snapshots(store)
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        first = self._snapshot()
        for _ in range(self.size):
            self._idle.put(self._start_worker(first))

    def _snapshot(self) -> str:
        return self._snapshots.current() if self._snapshots else str(self.store.path)

    def _start_worker(self, snapshot: str) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(child, snapshot, self.base_iri, self.result_limit, os.getpid()),
            name="cnc-sparql-worker",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent, snapshot)
        with self._lock:
            self._workers.append(worker)
        return worker

    def _stop_worker(self, worker: _Worker) -> None:
        with contextlib.suppress(OSError, ValueError):
            worker.process.kill()
        worker.process.join(_STOP_GRACE_S)
        with contextlib.suppress(OSError):
            worker.conn.close()
        with self._lock, contextlib.suppress(ValueError):
            self._workers.remove(worker)

    def _replace(self, worker: _Worker) -> None:
        self._stop_worker(worker)
        if not self._closed:
            self._idle.put(self._start_worker(self._snapshot()))

    def _prune(self) -> None:
        if self._snapshots is not None:
            with self._lock:
                self._snapshots.prune([w.snapshot for w in self._workers])

    def run(
        self,
        query: str,
        accept: list[str],
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryOutput:
        """Return the query's result from an idle worker; raise QueryTimeout when it runs past the limit."""
        if self._closed:
            raise StoreError("the query runner is closed")
        kind = check_query(query)  # refuse updates and SERVICE before a worker is taken
        if kind is not None:
            _media_or_refuse(kind, accept)
        deadline = time.monotonic() + self.timeout_s
        try:
            worker = self._idle.get(timeout=self.timeout_s)
        except queue.Empty:
            raise QueryTimeout(self.timeout_s, busy=True) from None
        with self._lock:  # with _prune's lock: a checkpoint handed to a worker is never removed under it
            try:
                snapshot = self._snapshot()
            except StoreError:
                self._idle.put(worker)
                raise
            stale = snapshot != worker.snapshot
            worker.snapshot = snapshot
        try:
            worker.conn.send((snapshot, query, list(accept), default_graphs, named_graphs))
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise QueryTimeout(self.timeout_s)
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            raise StoreError(f"the query worker stopped unexpectedly ({exc or type(exc).__name__}); try again") from exc
        self._idle.put(worker)
        if stale:
            self._prune()
        return _raise_reply(reply)

    def close(self) -> None:
        """Ask idle workers to stop, kill any still running a query, wait for them all, remove the snapshots."""
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            with contextlib.suppress(OSError, ValueError, BrokenPipeError):
                worker.conn.send(None)
        end = time.monotonic() + _STOP_GRACE_S
        for worker in workers:
            worker.process.join(max(0.0, end - time.monotonic()))
            if worker.process.is_alive():
                self._stop_worker(worker)
            else:
                with contextlib.suppress(OSError):
                    worker.conn.close()
        if self._snapshots is not None:
            self._snapshots.remove()


# --- in-process runner ------------------------------------------------------------------------------


class InlineQueryRunner:
    """Runs queries in threads of this process (memory and remote stores); a timed-out thread cannot be killed."""

    def __init__(
        self,
        store: GraphStore,
        *,
        timeout_s: float,
        result_limit: int,
        max_threads: int = DEFAULT_MAX_THREADS,
    ) -> None:
        self.store = store
        self.base_iri = store.base_iri
        self.timeout_s = timeout_s
        self.result_limit = result_limit
        self._slots = threading.BoundedSemaphore(max(1, max_threads))

    def run(
        self,
        query: str,
        accept: list[str],
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryOutput:
        """Return the query's result; raise QueryTimeout when it runs past the limit (the thread runs on)."""
        kind = check_query(query)
        if kind is not None:
            _media_or_refuse(kind, accept)
        if not self._slots.acquire(timeout=self.timeout_s):
            raise QueryTimeout(self.timeout_s, busy=True)
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["output"] = self._evaluate(query, list(accept), default_graphs, named_graphs)
            except BaseException as exc:  # handed to the waiting caller
                box["error"] = exc
            finally:
                self._slots.release()

        thread = threading.Thread(target=work, name="cnc-sparql-query", daemon=True)
        thread.start()
        thread.join(self.timeout_s)
        if thread.is_alive():
            raise QueryTimeout(self.timeout_s)
        if "error" in box:
            raise box["error"]
        return box["output"]  # type: ignore[no-any-return]

    def _evaluate(
        self, query: str, accept: list[str], default_graphs: list[str] | None, named_graphs: list[str] | None
    ) -> QueryOutput:
        raw = _raw_oxigraph(self.store)
        if raw is not None:
            return evaluate(
                raw,
                query,
                accept,
                default_graphs,
                named_graphs,
                public=public_graph_names(raw, self.base_iri),
                base_iri=self.base_iri,
                result_limit=self.result_limit,
            )
        # Any other store is reached through query text: a dataset is written into it as FROM clauses, which
        # then name every graph the query may read (``public_only=False`` adds none of its own to them).
        if default_graphs or named_graphs or _query_dataset(query, self.base_iri) is not None:
            default, named = resolve_dataset(query, self._public_graphs(), default_graphs, named_graphs, self.base_iri)
            result = self.store.query(with_dataset(query, default, named, self.base_iri), public_only=False)
        else:
            result = self.store.query(query, public_only=True)
        return serialise(result, accept, self.result_limit)

    def _public_graphs(self) -> list[str]:
        lister = getattr(self.store, "public_graphs", None)
        if lister is not None:
            return [g.value if isinstance(g, ox.NamedNode) else str(g) for g in lister()]
        return list(self.store.graphs(public_only=True))

    def close(self) -> None:
        """Nothing to release: the store belongs to the caller, and running threads end on their own."""


def _raw_oxigraph(store: GraphStore) -> ox.Store | None:
    """Return the pyoxigraph store inside an ``OxigraphStore`` (None for other stores).

    Needed twice: the protocol dataset must be passed to pyoxigraph as ``default_graph`` / ``named_graphs``
    (through query text it would not do, because ``OxigraphStore.query(public_only=False)`` unions every
    graph into the default graph, FROM clauses or not), and checkpoints are made with ``Store.backup``.
    """
    if isinstance(store, OxigraphStore):
        return store._store  # noqa: SLF001 — same package; OxigraphStore has no public dataset-taking query
    return None


def default_workers() -> int:
    """Return the number of query worker processes to start when none is configured (twice the CPUs, bounded)."""
    return max(MIN_WORKERS, min(MAX_WORKERS, 2 * (os.cpu_count() or 1)))


def make_query_runner(store: GraphStore, settings: Settings, workers: int | None = None) -> QueryRunner:
    """Return the runner for ``store``: worker processes for an on-disk Oxigraph store, threads otherwise."""
    size = workers or int(getattr(settings, "query_workers", 0)) or default_workers()
    if isinstance(store, OxigraphStore) and store.path is not None:
        return ProcessQueryRunner(
            store, timeout_s=settings.query_timeout_s, result_limit=settings.result_limit, workers=size
        )
    return InlineQueryRunner(store, timeout_s=settings.query_timeout_s, result_limit=settings.result_limit)

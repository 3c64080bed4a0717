"""SPARQL results: the media types each query form can be given in, and the serialisers that write them."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from cnc_graph.errors import NotAcceptable
from cnc_graph.iris import PREFIXES, RDF, XSD
from cnc_graph.rdf.syntaxes import written
from cnc_graph.sparql.text import QueryKind

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


_XML_LOCAL_NAME = re.compile(r"[^\W\d][\w.\-]*$")


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


def serialise(result: Any, accept: Sequence[str], limit: int) -> QueryOutput:
    """Return ``result`` (solutions, boolean or triples) in the first fitting media type, capped at ``limit``."""
    if isinstance(result, ox.QueryBoolean):
        media = media_or_refuse("ask", accept)
        return QueryOutput(written(result.serialize(format=_BOOLEAN_FORMATS[media])), media, False, "ask")
    if isinstance(result, ox.QuerySolutions):
        media = media_or_refuse("select", accept)
        names = [v.value for v in result.variables]
        rows, truncated = _take(result, limit)
        writer = {SPARQL_JSON: _json_rows, JSON: _json_rows, SPARQL_XML: _xml_rows, CSV: _csv_rows, TSV: _tsv_rows}
        return QueryOutput(writer[media](names, rows), media, truncated, "select")
    media = media_or_refuse("graph", accept)
    triples, truncated = _take(result, limit)
    return QueryOutput(_graph(triples, media, accept), media, truncated, "graph")


def media_or_refuse(kind: QueryKind, accept: Sequence[str]) -> str:
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

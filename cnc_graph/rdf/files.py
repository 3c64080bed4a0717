"""Reading RDF documents (Turtle, N-Triples, JSON-LD, RDF/XML…) into triples, with errors that name the line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.errors import InputError, Location

FORMATS_BY_SUFFIX: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}


def format_for(path: Path) -> ox.RdfFormat:
    """Return the RDF format of a file from its suffix, or raise an InputError listing known ones."""
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS_BY_SUFFIX))
        raise InputError(
            f"unknown RDF file type {path.suffix or '(no suffix)'!r}; use one of {known}",
            Location(file=str(path)),
        )
    return fmt


def parse_rdf_file(path: Path | str, base_iri: str) -> list[ox.Triple]:
    """Return the triples of one RDF file; relative IRIs resolve against ``base_iri``."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", Location(file=str(path)))
    if not path.is_file():
        raise InputError("not a regular file", Location(file=str(path)))
    fmt = format_for(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", Location(file=str(path))) from exc
    return parse_rdf_bytes(data, fmt, base_iri, source=str(path))


def parse_rdf_bytes(data: bytes, fmt: ox.RdfFormat, base_iri: str, source: str = "<input>") -> list[ox.Triple]:
    """Return the triples of an RDF document given as bytes; errors name ``source`` and the line."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("the file is not valid UTF-8 (save it as UTF-8)", Location(file=source, line=line)) from exc
    if not data.strip():
        raise InputError("the file is empty", Location(file=source))
    try:
        quads: Iterable[ox.Quad] = ox.parse(data, format=fmt, base_iri=base_iri)
        triples = []
        for quad in quads:
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                raise InputError(
                    "named graphs are not accepted here: give plain triples",
                    Location(file=source),
                )
            triples.append(quad.triple)
        return triples
    except SyntaxError as exc:
        message = _strip_parser_suffix(str(exc.msg if hasattr(exc, "msg") else exc))
        raise InputError(f"RDF syntax error: {message}", Location(file=source, line=exc.lineno)) from exc
    except ValueError as exc:  # pyoxigraph raises ValueError for some JSON-LD problems
        raise InputError(f"cannot read RDF: {exc}", Location(file=source)) from exc


def _strip_parser_suffix(message: str) -> str:
    """Drop oxigraph's trailing '(file, line N)' which our Location already says."""
    if message.endswith(")") and " (" in message:
        return message[: message.rindex(" (")]
    return message

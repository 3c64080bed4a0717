"""The RDF syntaxes the project reads and writes: one table of names, media types and file suffixes."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from cnc_graph.errors import InputError, Location


@dataclass(frozen=True)
class RdfSyntax:
    """An RDF serialisation we offer: name, file extension, media type, pyoxigraph format."""

    name: str
    extension: str
    media_type: str
    oxigraph: ox.RdfFormat


SYNTAXES: dict[str, RdfSyntax] = {
    "ttl": RdfSyntax("ttl", "ttl", "text/turtle", ox.RdfFormat.TURTLE),
    "nt": RdfSyntax("nt", "nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": RdfSyntax("jsonld", "jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": RdfSyntax("rdfxml", "rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
}


def syntax(name: str) -> RdfSyntax:
    """Return the syntax called ``name`` (ttl, nt, jsonld, rdfxml) or raise an InputError."""
    found = SYNTAXES.get(name)
    if found is None:
        raise InputError(f"unknown format « {name} »; use one of {', '.join(SYNTAXES)}", Location(field="format"))
    return found


def written(data: bytes | None) -> bytes:
    """Return what a pyoxigraph ``serialize`` call wrote when given no output: the bytes (never None then)."""
    if data is None:
        raise TypeError("serialize() was given an output: nothing to return")
    return data

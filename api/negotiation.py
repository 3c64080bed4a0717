"""Content negotiation: the one ``Accept`` parser, and the choice of an RDF representation (or ``format=``)."""

from __future__ import annotations

from typing import NamedTuple

from fastapi import Request

from cnc_graph.errors import NotAcceptable

HTML = "text/html"
RDF_MEDIA = {
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdfxml",
}
FORMAT_PARAM = {
    "jsonld": "jsonld",
    "json": "jsonld",
    "ttl": "ttl",
    "turtle": "ttl",
    "nt": "nt",
    "rdfxml": "rdfxml",
    "html": "html",
}


class MediaRange(NamedTuple):
    """One media range of an Accept header: the media type (lower-case), its q-value, its position."""

    media: str
    quality: float
    position: int


def parse_accept(header: str | None) -> list[MediaRange]:
    """Return the media ranges of an Accept header in the order given, with their q-values."""
    ranges: list[MediaRange] = []
    for position, part in enumerate((header or "").split(",")):
        fields = part.split(";")
        media = fields[0].strip().lower()
        if not media:
            continue
        quality = 1.0
        for field in fields[1:]:
            key, _, value = field.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        ranges.append(MediaRange(media, quality, position))
    return ranges


def accepted_media(header: str | None, specific_first: bool = False) -> list[str]:
    """Return the media types an Accept header accepts (q > 0), most wanted first.

    By q-value, then by the order given; with ``specific_first``, concrete types before wildcards of the same q.
    """

    def rank(r: MediaRange) -> tuple[float, int, int]:
        return (-r.quality, r.media.count("*") if specific_first else 0, r.position)

    return [r.media for r in sorted(parse_accept(header), key=rank) if r.quality > 0]


def choose_rdf(request: Request, default: str = "jsonld", allow_html: bool = True) -> str:
    """Return ``html`` or an RDF syntax name (jsonld, ttl, nt, rdfxml) for this request."""
    explicit = request.query_params.get("format")
    if explicit:
        chosen = FORMAT_PARAM.get(explicit.lower())
        if chosen is None or (chosen == "html" and not allow_html):
            raise NotAcceptable(f"unknown format « {explicit} »; use jsonld, ttl, nt or rdfxml")
        return chosen
    header = request.headers.get("accept")
    for media in accepted_media(header) if header else ["*/*"]:
        if media == HTML and allow_html:
            return "html"
        if media in RDF_MEDIA:
            return RDF_MEDIA[media]
        if media in ("*/*", "application/*"):
            return default
        if media == "text/*":
            return "html" if allow_html else "ttl"
    raise NotAcceptable(
        "none of the accepted media types can be produced: use application/ld+json, text/turtle, "
        "application/n-triples, application/rdf+xml or text/html"
    )

"""Content negotiation: pick a representation from the Accept header (and an explicit ``format=``)."""

from __future__ import annotations

from fastapi import Request

from cnc_graph.errors import CncError

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


class NotAcceptable(CncError):
    """No representation the client accepts can be produced (HTTP 406)."""

    http_status = 406


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Return the media ranges of an Accept header with their q-values, best first (stable)."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for index, part in enumerate(header.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((index, media.lower(), quality))
    ranges.sort(key=lambda r: (-r[2], r[0]))
    return [(media, q) for _, media, q in ranges]


def choose_rdf(request: Request, default: str = "jsonld", allow_html: bool = True) -> str:
    """Return ``html`` or an RDF syntax name (jsonld, ttl, nt, rdfxml) for this request."""
    explicit = request.query_params.get("format")
    if explicit:
        chosen = FORMAT_PARAM.get(explicit.lower())
        if chosen is None or (chosen == "html" and not allow_html):
            raise NotAcceptable(f"unknown format « {explicit} »; use jsonld, ttl, nt or rdfxml")
        return chosen
    for media, quality in parse_accept(request.headers.get("accept")):
        if quality <= 0:
            continue
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

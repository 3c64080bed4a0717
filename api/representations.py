"""Rendering one RDF description as JSON-LD, Turtle, N-Triples, RDF/XML or an HTML page."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api import html
from cnc_graph.export import SYNTAXES, serialise
from cnc_graph.labels import pick
from cnc_graph.settings import Settings


def context_url(request: Request) -> str:
    """Return the absolute URL of the published JSON-LD context on this server."""
    return str(request.url_for("jsonld_context"))


def rdf_response(
    request: Request, triples: list[ox.Triple], chosen: str, settings: Settings, title: str, subject: str, lang: str
) -> Response:
    """Return ``triples`` in the chosen representation (an RDF syntax name or ``html``)."""
    if chosen == "html":
        return HTMLResponse(
            describe_html(triples, title, subject, lang, settings.base_iri),
            headers={"Vary": "Accept, Accept-Language", "Content-Language": lang},
        )
    body = serialise(triples, chosen, settings, context_url(request))
    return Response(body, media_type=SYNTAXES[chosen].media_type, headers={"Vary": "Accept"})


def _local(iri: str, base: str) -> str:
    return "/id/" + iri.removeprefix(base) if iri.startswith(base) else iri


def describe_html(triples: list[ox.Triple], title: str, subject: str, lang: str, base: str) -> str:
    """Return an HTML page listing the subject's properties, objects labelled in ``lang`` when known."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for t in triples:
        if t.predicate.value == "http://www.w3.org/2004/02/skos/core#prefLabel" and isinstance(t.object, ox.Literal):
            labels[t.subject.value].setdefault(t.object.language or "und", t.object.value)
    rows: dict[str, list[str]] = defaultdict(list)
    nested: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    def cell(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        if isinstance(term, ox.Literal):
            return html.text(term.value, term.language, lang if term.language else None)
        text, text_lang = pick(labels.get(term.value, {}), lang)
        shown = html.link(_local(term.value, base), text or term.value)
        return shown + (html.text("", text_lang, lang) if text and text_lang != lang else "")

    for t in triples:
        name = t.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if t.subject.value == subject:
            rows[name].append(cell(t.object))
        elif t.subject.value.startswith(subject + "/"):
            nested[t.subject.value][name].append(cell(t.object))
    body = f"<p><code>{html.escape(subject)}</code></p>"
    body += html.table(["property", "value"], [[html.escape(k), "<br>".join(v)] for k, v in sorted(rows.items())])
    for node, props in sorted(nested.items()):
        body += f"<h2><code>{html.escape(node.removeprefix(subject))}</code></h2>"
        body += html.table(["property", "value"], [[html.escape(k), "<br>".join(v)] for k, v in sorted(props.items())])
    formats = " · ".join(html.link(f"?format={f}", f) for f in ("jsonld", "ttl", "nt", "rdfxml"))
    body += f"<p>Other formats: {formats}</p>"
    return html.page(title, body, lang)

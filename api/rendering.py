"""Responses: one RDF description as JSON-LD, Turtle, N-Triples, RDF/XML or an HTML page; the Jinja2 environment."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from cnc_graph.labels import pick
from cnc_graph.publish.serialise import serialise
from cnc_graph.rdf.syntaxes import SYNTAXES
from cnc_graph.settings import Settings
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: The one Jinja2 environment of every page; autoescaped. The stylesheet and scripts are trusted files of ours,
#: inlined so that each page is self-contained (the register must work offline, the SPARQL router mounted alone).
PAGES = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), auto_reload=False)
PAGES.globals["stylesheet"] = Markup((STATIC / "cnc.css").read_text(encoding="utf-8"))
PAGES.globals["sparql_script"] = Markup((STATIC / "sparql.js").read_text(encoding="utf-8"))


def render_page(template: str, **context: Any) -> str:
    """Return the HTML page rendered from ``template`` with ``context``."""
    return PAGES.get_template(template).render(**context)


def context_url(request: Request) -> str:
    """Return the absolute URL of the published JSON-LD context on this server."""
    return str(request.url_for("jsonld_context"))


def rdf_response(
    request: Request, triples: list[ox.Triple], chosen: str, settings: Settings, title: str, subject: str, lang: str
) -> Response:
    """Return ``triples`` in the chosen representation (an RDF syntax name or ``html``)."""
    body, media_type, headers = render(request, triples, chosen, settings, title, subject, lang)
    return Response(body, media_type=media_type, headers=headers)


def render(
    request: Request, triples: list[ox.Triple], chosen: str, settings: Settings, title: str, subject: str, lang: str
) -> tuple[bytes, str, dict[str, str]]:
    """Return the body, media type and headers of ``triples`` in the chosen representation."""
    if chosen == "html":
        page = describe_html(triples, title, subject, lang, settings.base_iri)
        return page.encode("utf-8"), "text/html", {"Vary": "Accept, Accept-Language", "Content-Language": lang}
    body = serialise(triples, chosen, settings, context_url(request))
    return body, SYNTAXES[chosen].media_type, {"Vary": "Accept"}


class RenderedDocuments:
    """Documents already rendered for one state of the public graphs, the most recently used kept.

    Built through ``cnc_graph.store.generation.per_generation``: a write to a public graph starts a new, empty one.
    """

    KEPT = 2_000  # about 10 kB each in JSON-LD

    def __init__(self, store: GraphStore) -> None:
        self._entries: OrderedDict[tuple[str, ...], tuple[bytes, str, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, key: tuple[str, ...], make: Callable[[], tuple[bytes, str, dict[str, str]]]
    ) -> tuple[bytes, str, dict[str, str]]:
        """Return the document kept under ``key``, made by ``make()`` (and kept) if there is none."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        found = make()
        with self._lock:
            self._entries[key] = found
            while len(self._entries) > self.KEPT:
                self._entries.popitem(last=False)
        return found


def described_response(
    request: Request,
    store: GraphStore,
    view: str,
    subject: str,
    describe: Callable[[], list[ox.Triple]],
    title_of: Callable[[list[ox.Triple]], str],
    chosen: str,
    settings: Settings,
    lang: str,
) -> Response:
    """Return ``rdf_response`` of ``describe()`` about ``subject``, rendered once per state of the public graphs.

    ``view`` names the route, whose HTML may differ (its title). ``describe`` must read public graphs only, so
    that a public write is what can change the answer; what it raises (NotFound…) is not kept.
    """

    def make() -> tuple[bytes, str, dict[str, str]]:
        triples = describe()
        return render(request, triples, chosen, settings, title_of(triples), subject, lang)

    link = context_url(request) if chosen == "jsonld" else ""
    key = (view, subject, chosen, lang if chosen == "html" else "", link, settings.base_iri, str(settings.root))
    body, media_type, headers = per_generation(store, RenderedDocuments).get(key, make)
    return Response(body, media_type=media_type, headers=dict(headers))


def term_value(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    """Return the IRI or blank-node id of a subject (the N-Triples text of a quoted triple)."""
    return str(term) if isinstance(term, ox.Triple) else term.value


def _local(iri: str, base: str) -> str:
    return "/id/" + iri.removeprefix(base) if iri.startswith(base) else iri


def describe_html(triples: list[ox.Triple], title: str, subject: str, lang: str, base: str) -> str:
    """Return an HTML page listing the subject's properties, objects labelled in ``lang`` when known."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for t in triples:
        if t.predicate.value == "http://www.w3.org/2004/02/skos/core#prefLabel" and isinstance(t.object, ox.Literal):
            labels[term_value(t.subject)].setdefault(t.object.language or "und", t.object.value)
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    nested: dict[str, dict[str, list[dict[str, object]]]] = defaultdict(lambda: defaultdict(list))

    def cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, object]:
        if isinstance(term, ox.Literal):
            return {
                "literal": True,
                "value": term.value,
                "lang": term.language,
                "wanted": lang if term.language else None,
            }
        value = str(term.value) if not isinstance(term, ox.Triple) else str(term)
        text, text_lang = pick(labels.get(value, {}), lang)
        shown_lang = text_lang if text and text_lang != lang else None
        return {"literal": False, "href": _local(value, base), "label": text or value, "label_lang": shown_lang}

    for t in triples:
        name = t.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        about = term_value(t.subject)
        if about == subject:
            rows[name].append(cell(t.object))
        elif about.startswith(subject + "/"):
            nested[about][name].append(cell(t.object))
    return render_page(
        "resource.html",
        title=title,
        lang=lang,
        subject=subject,
        rows=sorted(rows.items()),
        nested=[(node.removeprefix(subject), sorted(props.items())) for node, props in sorted(nested.items())],
    )

"""Responses: one RDF description as JSON-LD, Turtle, N-Triples, RDF/XML or an HTML page; the Jinja2 environment."""

from __future__ import annotations

import functools
import inspect
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from api.i18n import DIRECTION, language_links, message
from cnc_graph.iris import PREFIXES
from cnc_graph.labels import pick
from cnc_graph.publish.serialise import serialise
from cnc_graph.rdf.syntaxes import SYNTAXES
from cnc_graph.settings import Settings
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore

P = ParamSpec("P")
HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: The one Jinja2 environment of every page; autoescaped. Pages link the stylesheet and scripts of ``/static/``.
PAGES = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True), auto_reload=False)


#: ``t(key)`` without values, as rendered in each language: pages ask for the same few hundred texts again and again.
_PLAIN: dict[tuple[str, str], Markup] = {}
_PLAIN_KEPT = 20_000


@pass_context
def _translate(context: Context, key: str, **values: object) -> Markup:
    """``{{ t("nav.register") }}``: the interface text in the page's language, a fallback marked as such."""
    lang = context.get("lang", "fr")
    if not values and (kept := _PLAIN.get((key, lang))) is not None:
        return kept
    found = message(key, lang, values)
    if found.lang == lang:
        shown = Markup.escape(found.text)
    else:
        badge = message("language.fallback", lang).text
        shown = Markup("<span lang='{0}'>{1}</span>").format(found.lang or "und", found.text)
        shown += Markup("<span class='fallback' title='{0}'>{1}</span>").format(badge, found.lang or "?")
    if not values and len(_PLAIN) < _PLAIN_KEPT:
        _PLAIN[(key, lang)] = shown
    return shown


PAGES.globals["t"] = _translate


def render_page(request: Request | None, template: str, lang: str, **context: Any) -> str:
    """Return the HTML page rendered from ``template`` in ``lang`` with ``context`` and the layout's own values.

    ``request`` gives the language switch its links (this page, its query kept); without one (a page rendered
    once and kept), the switch links to this page's path only.
    """
    switch = language_links(request, lang) if request is not None else []
    return PAGES.get_template(template).render(lang=lang, dir=DIRECTION[lang], languages=switch, **context)


def context_url(request: Request) -> str:
    """Return the stable IRI of the published JSON-LD context: under the configured base (``CNC_BASE_IRI``), never
    built from the request's ``Host``, so that a document saved from one address keeps its context at another.
    ``/context.jsonld`` serves it, and so does its IRI dereferenced (``/id/context.jsonld``)."""
    return stable_iri(request.app.state.settings, "context.jsonld")


def stable_iri(settings: Settings, path: str) -> str:
    """Return the IRI of one of the service's own documents (``context.jsonld``, ``dumps``, ``sparql``…) under the
    configured base; ``/id/{path}`` leads to it on this server."""
    return settings.base_iri + path


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
        page = describe_html(request, triples, title, subject, lang, settings.base_iri)
        return page.encode("utf-8"), "text/html", {"Vary": "Accept, Accept-Language, Cookie", "Content-Language": lang}
    body = serialise(triples, chosen, settings, context_url(request), root=subject)
    return body, SYNTAXES[chosen].media_type, {"Vary": "Accept"}


class RenderedDocuments:
    """Documents already rendered for one state of the public graphs, the most recently used kept.

    Built through ``cnc_graph.store.generation.per_generation``: a write to a public graph starts a new, empty one.
    Bounded by their total size (``KEPT_BYTES``): the least recently used go first.
    """

    KEPT_BYTES = 64 * 2**20

    def __init__(self, store: GraphStore) -> None:
        self._entries: OrderedDict[tuple[str, ...], tuple[bytes, str, dict[str, str]]] = OrderedDict()
        self._bytes = 0
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
            previous = self._entries.pop(key, None)  # made meanwhile by another request
            self._bytes -= len(previous[0]) if previous else 0
            self._entries[key] = found
            self._bytes += len(found[0])
            while self._bytes > self.KEPT_BYTES and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped[0])
        return found


#: Two pages rendered at a time. Renders are Python bound: on one interpreter lock, eight at once take eight times
#: as long each and hold up every kept page (and the event loop) at each switch of the lock. Two, not one: one's
#: store reads, which release the lock, overlap the other's Python (100k qualifications, 8 clients: p95 of
#: qualification pages 66 ms with no bound, 61 with one at a time, 55 with two).
_RENDERING = threading.BoundedSemaphore(2)


def kept_per_generation(page: Callable[P, Response]) -> Callable[P, Response]:
    """Decorate a page function (with ``request`` and ``lang`` parameters) to render each page once per state of
    the public graphs: its URL (path and query) and language, on this application, name one kept rendering.

    The page must read public graphs only, so that a public write is what can change it; what it raises (NotFound,
    InputError…) is not kept. Its status and headers are kept with its body.
    """
    signature = inspect.signature(page)

    @functools.wraps(page)
    def kept(*args: P.args, **kwargs: P.kwargs) -> Response:
        arguments = signature.bind(*args, **kwargs).arguments
        request: Request = arguments["request"]
        lang = str(arguments["lang"])
        settings: Settings = request.app.state.settings

        def make() -> tuple[bytes, str, dict[str, str]]:
            with _RENDERING:
                response = page(*args, **kwargs)
            if response.status_code != 200:
                raise _NotKept(response)
            headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
            return bytes(response.body), response.media_type or "text/html", headers

        url = request.url
        key = ("page", str(request.base_url), url.path, url.query, lang, settings.base_iri, str(settings.root))
        try:
            body, media_type, headers = per_generation(request.app.state.store, RenderedDocuments).get(key, make)
        except _NotKept as answer:
            return answer.response
        return Response(body, media_type=media_type, headers=dict(headers))

    return kept


class _NotKept(Exception):
    """A page's answer other than 200 OK: given as it is, not kept."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


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


def short_iri(iri: str) -> str:
    """Return ``prefix:name`` for an IRI in one of the declared namespaces, else the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def local_path(iri: str, base: str) -> str:
    """Return the path of our own IRI on this server (/id/…), or the IRI itself when it is not ours."""
    return "/id/" + iri.removeprefix(base) if iri.startswith(base) else iri


def describe_html(request: Request, triples: list[ox.Triple], title: str, subject: str, lang: str, base: str) -> str:
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
        return {"literal": False, "href": local_path(value, base), "label": text or value, "label_lang": shown_lang}

    for t in triples:
        name = t.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        about = term_value(t.subject)
        if about == subject:
            rows[name].append(cell(t.object))
        elif about.startswith(subject + "/"):
            nested[about][name].append(cell(t.object))
    return render_page(
        request,
        "resource.html",
        lang,
        title=title,
        subject=subject,
        rows=sorted(rows.items()),
        nested=[(node.removeprefix(subject), sorted(props.items())) for node, props in sorted(nested.items())],
    )

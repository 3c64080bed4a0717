"""The ontology's page (``/id/ontology`` in a browser): its header, then a section per class and property.

Each term's section has the term's local name as its ``id``, so that ``/id/ontology#Qualification`` (the IRI
``…/ontology#Qualification`` dereferenced) lands on that term, not on the top of the page.
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import HTMLResponse

from api.i18n import message
from api.rendering import kept_per_generation, render_page, short_iri
from cnc_graph.iris import DCT, OWL
from cnc_graph.labels import pick
from cnc_graph.publish.describe import describe_resource
from cnc_graph.publish.vocabulary import Term, ontology_terms
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

HEADERS = {"Vary": "Accept, Accept-Language, Cookie"}


@kept_per_generation
def ontology_page(request: Request, store: GraphStore, settings: Settings, lang: str) -> HTMLResponse:
    """Return the ontology's page: title, description, version and licence, and every term it defines."""
    iri = settings.base_iri + "ontology"
    header = describe_resource(store, iri)
    terms = ontology_terms(store, iri)
    local = {t.iri: t.name for t in terms}

    def literal(predicate: str) -> tuple[str | None, str | None]:
        found = {
            t.object.language or "und": t.object.value
            for t in header
            if t.predicate.value == predicate and isinstance(t.object, ox.Literal)
        }
        return pick(found, lang)

    def link(target: str) -> dict[str, str]:
        if target in local:
            return {"href": f"#{local[target]}", "text": f"cnc:{local[target]}"}
        return {"href": target, "text": short_iri(target)}

    def entry(term: Term) -> dict[str, object]:
        related = {key: [link(o) | {"via": short_iri(p)} for p, o in pairs] for key, pairs in term.related.items()}
        return {
            "name": term.name,
            "iri": term.iri,
            "kind": term.kind,
            "label": pick(term.labels, lang),
            "definition": pick(term.definitions, lang),
            "comment": pick(term.comments, lang),
            "related": related,
            "properties": [link(t.iri) for t in terms if not t.is_class and _has(t, "domain", term.iri)],
            "subclasses": [link(t.iri) for t in terms if t.is_class and _has(t, "super", term.iri)],
        }

    title = literal(DCT + "title")
    body = render_page(
        request,
        "ontology.html",
        lang,
        section="",
        title=title[0] or message("ontology.title", lang).text,
        heading=title,
        iri=iri,
        description=literal(DCT + "description"),
        version=literal(OWL + "versionInfo")[0],
        classes=[entry(t) for t in terms if t.is_class],
        properties=[entry(t) for t in terms if not t.is_class],
    )
    return HTMLResponse(body, headers=HEADERS | {"Content-Language": lang})


def _has(term: Term, relation: str, target: str) -> bool:
    return any(o == target for _, o in term.related.get(relation, []))

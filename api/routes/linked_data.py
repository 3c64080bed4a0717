"""Dereferenceable IRIs (``/id/…``) and the published JSON-LD context (``/context.jsonld``).

Every resource IRI ``{base}{path}`` is served at ``/id/{path}`` directly (200, no 303 redirect):
HTML for browsers, JSON-LD, Turtle, N-Triples or RDF/XML on request (``Accept`` or ``format=``).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.deps import get_language, get_settings, get_store
from api.negotiation import choose_rdf
from api.rendering import described_response
from api.routes.framework_pages import framework_page, level_page
from api.routes.ontology_page import ontology_page
from api.routes.qualification_page import qualification_page
from cnc_graph.publish.describe import describe_resource
from cnc_graph.rdf.jsonld import context
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

SERVICE_PATHS = ("context.jsonld", "dumps", "sparql", "changes")
QUALIFICATION_PATH = re.compile(r"qualification/([A-Z0-9][A-Z0-9-]{0,63})")
FRAMEWORK_PATH = re.compile(r"framework/([a-z0-9-]{1,20})(?:/level/([A-Za-z0-9.-]{1,10}))?")

router = APIRouter(tags=["linked data"])


@router.get("/context.jsonld", name="jsonld_context", summary="The JSON-LD context of every JSON-LD response")
def jsonld_context(settings: Settings = Depends(get_settings)) -> JSONResponse:
    """Return the context, derived from the ontology (one term per property, typed values, prefixes)."""
    return JSONResponse(
        context(settings.root / "ontology" / "cnc.ttl"),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )


@router.get(
    "/id/{path:path}",
    summary="Dereference a resource IRI",
    responses={
        200: {
            "content": {
                "text/html": {},
                "application/ld+json": {},
                "text/turtle": {},
                "application/n-triples": {},
                "application/rdf+xml": {},
            }
        }
    },
)
def dereference(
    request: Request,
    path: str = Path(
        description="The IRI's path under the base, e.g. framework/cnc/level/6", examples=["framework/cnc/level/6"]
    ),
    format: str | None = Query(None, description="jsonld, ttl, nt, rdfxml or html (overrides Accept)."),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
    lang: str = Depends(get_language),
) -> Response:
    """Return what the graph says about ``{base}{path}``; 404 (problem+json) if nothing."""
    if path in SERVICE_PATHS or path.startswith("dumps/"):
        # The service's own documents have IRIs under the base too (the JSON-LD context, the catalogue and its
        # dumps, the endpoint, the feed): their IRI leads to where this server serves them.
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/{path}{query}", status_code=308)
    chosen = choose_rdf(request, default="jsonld")
    qualification = QUALIFICATION_PATH.fullmatch(path)
    if chosen == "html" and qualification:
        return qualification_page(request, store, settings, qualification.group(1), lang)
    framework = FRAMEWORK_PATH.fullmatch(path)
    if chosen == "html" and framework:
        key, notation = framework.groups()
        if notation is None:
            return framework_page(request, store, settings, key, lang)
        return level_page(request, store, settings, key, notation, lang)
    if chosen == "html" and path == "ontology":
        return ontology_page(request, store, settings, lang)
    iri = settings.base_iri + path
    return described_response(
        request, store, "id", iri, lambda: describe_resource(store, iri), lambda _: path, chosen, settings, lang
    )

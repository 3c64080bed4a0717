"""``/api/qualifications``: search and filter the register; one qualification in JSON-LD, Turtle or HTML."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import get_language, get_settings, get_store
from api.negotiation import choose_rdf
from api.rendering import context_url, described_response, term_value
from api.routes.qualification_page import qualification_page
from cnc_graph.compare.qualifications import comparable_qualifications
from cnc_graph.labels import pick
from cnc_graph.publish.describe import describe_qualification
from cnc_graph.publish.elm import elm_export
from cnc_graph.publish.search_jsonld import search_jsonld
from cnc_graph.publish.serialise import serialise
from cnc_graph.rdf.syntaxes import SYNTAXES
from cnc_graph.search import search_index
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

router = APIRouter(prefix="/api/qualifications", tags=["qualifications"])
CODE = Path(pattern=r"^[A-Z0-9][A-Z0-9-]{0,63}$", description="The qualification's code.", examples=["OFPPT-TS-TDI"])


@router.get("", summary="Search and filter qualifications")
def search_qualifications(
    request: Request,
    q: str | None = Query(
        None,
        max_length=200,
        description="Words of the title, in any language; accents and case are ignored.",
        examples=["developpement"],
    ),
    level: str | None = Query(
        None, description="A level: `5` (CNC) or `FRAMEWORK:LEVEL`, e.g. `cnc:5`, `eqf:6`.", examples=["cnc:5"]
    ),
    subsector: str | None = Query(
        None,
        description="general-education, vocational-training, higher-education or continuing-training.",
        examples=["vocational-training"],
    ),
    field: str | None = Query(None, description="ISCED-F code or prefix (2–4 digits).", examples=["06"]),
    page: int = Query(1, ge=1, le=100_000, description="Page number, from 1."),
    size: int = Query(20, ge=1, le=100, description="Items per page (1–100)."),
    format_: str | None = Query(None, alias="format", pattern="^(json|jsonld)$", description="json or jsonld."),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
    lang: str = Depends(get_language),
) -> Response:
    """Return one page of qualifications: `{"items": [{"id", "code", "title", "title_lang", "level": {"cnc": "5",
    "eqf": "5", …}, "subsector", "field", "awarding_body"}], "total", "page", "size"}`.

    `title_lang` differs from the requested language when the title is a fallback.
    """
    result = search_index(store).search(q, level, subsector, field, lang, page, size)
    wants_jsonld = format_ == "jsonld" or (
        format_ is None and "application/ld+json" in request.headers.get("accept", "")
    )
    if wants_jsonld:
        document = search_jsonld(result.items, result.total, settings.base_iri, context_url(request))
        return JSONResponse(document, media_type="application/ld+json", headers={"Vary": "Accept, Accept-Language"})
    body = {"items": result.items, "total": result.total, "page": result.page, "size": result.size, "lang": lang}
    return JSONResponse(body, headers={"Vary": "Accept, Accept-Language"})


@router.get(
    "/{code}",
    summary="One qualification (JSON-LD, Turtle, N-Triples, RDF/XML or HTML)",
    responses={
        200: {
            "content": {
                "application/ld+json": {},
                "text/turtle": {},
                "application/n-triples": {},
                "application/rdf+xml": {},
                "text/html": {},
            }
        }
    },
)
def get_qualification(
    request: Request,
    code: str = CODE,
    format: str | None = Query(None, description="jsonld, ttl, nt, rdfxml or html (overrides Accept)."),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
    lang: str = Depends(get_language),
) -> Response:
    """Return the qualification's card: JSON-LD (with the published context) by default, by `Accept` otherwise."""
    chosen = choose_rdf(request, default="jsonld")
    if chosen == "html":
        return qualification_page(request, store, settings, code, lang)
    subject = f"{settings.base_iri}qualification/{code}"

    def title_of(triples: list[ox.Triple]) -> str:
        titles = {
            t.object.language or "und": t.object.value  # type: ignore[union-attr]
            for t in triples
            if term_value(t.subject) == subject and t.predicate.value == "http://purl.org/dc/terms/title"
        }
        return pick(titles, lang)[0] or code

    return described_response(
        request,
        store,
        "qualification",
        subject,
        lambda: describe_qualification(store, code, settings.base_iri),
        title_of,
        chosen,
        settings,
        lang,
    )


@router.get(
    "/{code}/elm",
    summary="One qualification in the European Learning Model (ELM 3): Turtle or JSON-LD",
    responses={200: {"content": {"text/turtle": {}, "application/ld+json": {}, "application/n-triples": {}}}},
)
def get_qualification_elm(
    request: Request,
    code: str = CODE,
    format: str | None = Query(None, description="ttl, jsonld, nt or rdfxml (overrides Accept)."),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Return the qualification as an ``elm:Qualification`` (as ``cnc-graph export --format elm`` writes the
    register): title, description, ISCED-F field, NQF (CNC) level, learning outcomes, volume of learning."""
    chosen = choose_rdf(request, default="ttl")
    if chosen == "html":
        chosen = "ttl"
    found = elm_export(store, f"{settings.base_iri}qualification/{code}")
    body = serialise(found, chosen, settings, context_url(request))
    filename = f"{code}.elm.{SYNTAXES[chosen].extension}"
    return Response(
        body,
        media_type=SYNTAXES[chosen].media_type,
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Vary": "Accept"},
    )


@router.get("/{code}/comparable", summary="Qualifications comparable with this one, ranked")
def comparable(
    code: str = CODE,
    framework: str | None = Query(None, description="Only candidates with a level in this framework."),
    limit: int = Query(10, ge=1, le=100),
    store: GraphStore = Depends(get_store),
    lang: str = Depends(get_language),
) -> dict[str, object]:
    """Return `{"code", "items": [{"code", "score", "level", "field", "skills_jaccard", "reason"}]}`."""
    return {"code": code, "items": comparable_qualifications(store, code, framework, limit, lang)}

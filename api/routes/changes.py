"""``/changes``: the register's changes as an Atom feed (by default) or JSON (``Accept: application/json`` or
``format=json``), newest first, ``since`` a time for polling."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from api.deps import get_settings, get_store
from api.negotiation import accepted_media
from api.rendering import PAGES, stable_iri
from cnc_graph.labels import pick
from cnc_graph.publish.changes import MOST, register_changes
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

router = APIRouter(tags=["changes"])
ATOM = "application/atom+xml"
JSON = "application/json"


def _wants_json(request: Request, format_: str | None) -> bool:
    if format_ is not None:
        return format_ == "json"
    for media in accepted_media(request.headers.get("accept")):
        if media in (ATOM, "application/xml", "text/xml", "*/*"):
            return False
        if media == JSON:
            return True
    return False


@router.get(
    "/changes",
    summary="The register's changes (publications, amendments, withdrawals…), newest first: Atom, or JSON",
    responses={200: {"content": {ATOM: {}, JSON: {}}}},
)
def changes(
    request: Request,
    since: Annotated[str | None, Query(max_length=40, description="Only changes after this time (ISO 8601).")] = None,
    limit: Annotated[int, Query(ge=1, le=MOST, description="At most this many.")] = 100,
    format_: Annotated[str | None, Query(alias="format", pattern="^(atom|json)$")] = None,
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Return the changes to the register after ``since``, newest first."""
    found = register_changes(store, settings.base_iri, since, limit)
    headers = {"Vary": "Accept"}
    if _wants_json(request, format_):
        return JSONResponse({"changes": [c.to_dict() for c in found]}, headers=headers)
    # Links are the register's IRIs (they dereference to each page and its data), never built from the request's Host.
    entries = [
        {
            "change": c,
            "title": pick(c.titles, "fr")[0] or c.code,
            "page": c.qualification,
            "data": c.qualification,
            "version": c.version,
        }
        for c in found
    ]
    body = PAGES.get_template("changes.atom.xml").render(
        feed=stable_iri(settings, "changes"),
        feed_id=f"{settings.base_iri}changes",
        updated=found[0].time if found else "1970-01-01T00:00:00Z",
        entries=entries,
    )
    return Response(body, media_type=ATOM, headers=headers)

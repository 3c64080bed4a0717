"""The HTML pages that are not a resource's own representation: the home page and the register's search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.deps import get_language, get_store
from api.rendering import render_page
from api.routes.frameworks import list_frameworks
from cnc_graph.search import search_index
from cnc_graph.store.protocol import GraphStore

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, summary="Home page")
def home(lang: Annotated[str, Depends(get_language)], store: Annotated[GraphStore, Depends(get_store)]) -> str:
    """Return the home page: the frameworks and what one can do here."""
    return render_page("home.html", title="CNC Graph", lang=lang, frameworks=list_frameworks(store, lang))


@router.get("/qualifications", response_class=HTMLResponse, summary="Search page")
def qualifications_page(
    *,
    q: Annotated[str | None, Query(max_length=200)] = None,
    level: Annotated[str | None, Query(max_length=30)] = None,
    subsector: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
) -> str:
    """Return the register's search page (the same search as the API)."""
    result = search_index(store).search(q, level or None, subsector or None, None, lang, page, 50)
    return render_page(
        "qualifications.html",
        title="Qualifications",
        lang=lang,
        q=q or "",
        level=level or "",
        total=result.total,
        items=result.items,
    )

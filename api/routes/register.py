"""``/qualifications`` in a browser: the register's search page, with facets, sorting and pagination.

The same search as ``/api/qualifications`` (``cnc_graph.search``) with the facet counts of ``cnc_graph.facets``.
Filters are plain query parameters, so that every state of the page is a link: ``q``, ``cnc`` and ``eqf`` (level
notations), ``subsector`` (key), ``field`` (ISCED-F broad field, two digits), ``body`` (organisation id),
``region`` (region key), ``sort`` (code, title, level) and ``page``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import get_language, get_settings, get_store
from api.i18n import message
from api.rendering import kept_per_generation, render_page
from cnc_graph.facets import FACETS, search_facets
from cnc_graph.iris import organisation_iri, region_iri
from cnc_graph.search import SORTS, search_index
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

router = APIRouter(tags=["pages"])
PAGE_SIZE = 20
FILTERS = ("q", *FACETS)
PAGE_LINKS = 2  # page numbers shown on each side of the current one


def _state(request: Request) -> dict[str, str]:
    """The page's filters and sort as given (empty ones dropped), in a fixed order."""
    kept = {name: request.query_params.get(name, "").strip() for name in (*FILTERS, "level", "sort")}
    return {name: value for name, value in kept.items() if value}


def _href(state: dict[str, str], **changes: str | int | None) -> str:
    """Return the link to this page with ``changes`` applied (None removes a parameter)."""
    merged: dict[str, str] = dict(state)
    for name, value in changes.items():
        if value is None or value == "":
            merged.pop(name, None)
        else:
            merged[name] = str(value)
    return "/qualifications" + (f"?{urlencode(merged)}" if merged else "")


def _pages(current: int, last: int) -> list[int | None]:
    """Return the page numbers to show: the first, the last, those around ``current``; None for a gap."""
    shown = sorted({1, last, *range(max(1, current - PAGE_LINKS), min(last, current + PAGE_LINKS) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


@router.get("/qualifications", response_class=HTMLResponse, summary="Register search page")
@kept_per_generation
def register_page(
    request: Request,
    *,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cnc: Annotated[str | None, Query(max_length=4, description="CNC level, e.g. 5")] = None,
    eqf: Annotated[str | None, Query(max_length=4, description="EQF level, e.g. 6")] = None,
    subsector: Annotated[str | None, Query(max_length=40)] = None,
    field: Annotated[str | None, Query(max_length=4, description="ISCED-F field, e.g. 06")] = None,
    body: Annotated[str | None, Query(max_length=80, description="Awarding body id, e.g. ofppt")] = None,
    region: Annotated[str | None, Query(max_length=80, description="Region key")] = None,
    level: Annotated[str | None, Query(max_length=30, description="Any framework's level, e.g. acqf:5")] = None,
    sort: Annotated[str, Query(max_length=10)] = "code",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> HTMLResponse:
    """Return the register's search page: results with their levels, facets with counts, sorting, pages."""
    base = settings.base_iri
    filters = {
        "q": q or None,
        "level": level or None,
        "subsector": subsector or None,
        "field": field or None,
        "levels": tuple(f"{name}:{value}" for name, value in (("cnc", cnc), ("eqf", eqf)) if value),
        "body": organisation_iri(base, body) if body else None,
        "region": region_iri(base, region) if region else None,
    }
    index = search_index(store)
    result = index.search(**filters, lang=lang, page=page, size=PAGE_SIZE, sort=sort)  # type: ignore[arg-type]
    facets = search_facets(store, lang, **filters)
    state = _state(request)
    last = max(1, -(-result.total // PAGE_SIZE))
    prefixes = {"body": base + "organisation/", "region": base + "region/"}
    groups = []
    for name in FACETS:
        chosen = state.get(name)
        values = []
        for facet in facets[name]:
            value = facet.value.removeprefix(prefixes.get(name, ""))
            active = chosen == value
            values.append(
                {
                    "label": facet.label,
                    "label_lang": facet.label_lang,
                    "count": facet.count,
                    "active": active,
                    "href": _href(state, **{name: None if active else value, "page": None}),
                }
            )
        groups.append({"name": name, "values": values, "clear": _href(state, **{name: None, "page": None})})
    return HTMLResponse(
        render_page(
            request,
            "qualifications.html",
            lang,
            section="register",
            title=message("search.title", lang).text,
            state=state,
            q=q or "",
            total=result.total,
            items=result.items,
            first=(page - 1) * PAGE_SIZE + 1,
            groups=groups,
            sorts=[(key, _href(state, sort=None if key == "code" else key, page=None)) for key in SORTS],
            sort=sort,
            page=page,
            last=last,
            pages=[(n, _href(state, page=None if n == 1 else n) if n else None) for n in _pages(page, last)],
            previous=_href(state, page=None if page - 1 <= 1 else page - 1) if page > 1 else None,
            next=_href(state, page=page + 1) if page < last else None,
            hidden=[(name, value) for name, value in state.items() if name not in ("q", "sort")],
        ),
        headers={"Vary": "Accept-Language, Cookie", "Content-Language": lang},
    )

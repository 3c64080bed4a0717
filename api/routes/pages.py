"""The HTML pages that are not a resource's own representation: home and the frameworks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import get_language, get_settings, get_store
from api.i18n import message
from api.rendering import render_page
from api.routes.frameworks import list_frameworks
from cnc_graph.compare.levels import index_for
from cnc_graph.labels import pick
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

router = APIRouter(tags=["pages"])
HTML_HEADERS = {"Vary": "Accept-Language, Cookie"}


def _page(request: Request, template: str, lang: str, **context: object) -> HTMLResponse:
    body = render_page(request, template, lang, **context)
    return HTMLResponse(body, headers=HTML_HEADERS | {"Content-Language": lang})


@router.get("/", response_class=HTMLResponse, summary="Home page")
def home(
    request: Request,
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
) -> HTMLResponse:
    """Return the home page: the frameworks and what one can do here."""
    return _page(request, "home.html", lang, section="home", frameworks=list_frameworks(store, lang))


@router.get("/frameworks", response_class=HTMLResponse, summary="Frameworks page")
def frameworks_page(
    request: Request,
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> HTMLResponse:
    """Return the frameworks as ladders of levels, highest first, each level linked to its page."""
    index = index_for(store)
    frameworks = []
    for entry in list_frameworks(store, lang):
        levels = sorted(
            (lv for lv in index.levels.values() if lv.framework == entry["key"]),
            key=lambda lv: (lv.number or 0, lv.notation),
            reverse=True,
        )
        ladder = []
        for level in levels:
            label, label_lang = pick(level.labels, lang)
            ladder.append(
                {
                    "notation": level.notation,
                    "label": label,
                    "label_lang": label_lang,
                    "href": f"/frameworks/{level.framework}/levels/{level.notation}",
                }
            )
        frameworks.append(entry | {"ladder": ladder})
    title = message("frameworks.title", lang).text
    return _page(request, "frameworks.html", lang, section="frameworks", title=title, frameworks=frameworks)

"""The HTML pages that are not a resource's own representation: home and the frameworks."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import get_language, get_settings, get_store
from api.i18n import message
from api.rendering import kept_per_generation, render_page
from api.routes.framework_pages import framework_about
from api.routes.frameworks import list_frameworks
from cnc_graph.compare.levels import index_for
from cnc_graph.labels import pick
from cnc_graph.rdf.query_files import select, value
from cnc_graph.search import search_index
from cnc_graph.settings import Settings
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore

router = APIRouter(tags=["pages"])
CONTENT = Path(__file__).resolve().parent.parent / "content"
HTML_HEADERS = {"Vary": "Accept-Language, Cookie"}


def _page(request: Request, template: str, lang: str, **context: object) -> HTMLResponse:
    body = render_page(request, template, lang, **context)
    return HTMLResponse(body, headers=HTML_HEADERS | {"Content-Language": lang})


@router.get("/", response_class=HTMLResponse, summary="Home page")
@kept_per_generation
def home(
    request: Request,
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
) -> HTMLResponse:
    """Return the home page: what the CNC is (sourced), the register's counts, the ladders, where to start."""
    facts = [
        {"text": pick(fact["text"], lang), "sources": fact["sources"], "key": fact["key"]} for fact in home_facts()
    ]
    counts = per_generation(store, register_counts)
    return _page(
        request,
        "home.html",
        lang,
        section="home",
        cnc=framework_about(store, "cnc", lang),
        facts=facts,
        counts=counts,
        subsectors=_subsector_labels(store, counts["subsectors"], lang),
        frameworks=ladders(store, lang),
    )


def _subsector_labels(store: GraphStore, keys: list[str], lang: str) -> dict[str, tuple[str | None, str | None]]:
    labels = search_index(store).labels
    return {key: pick(labels[key], lang) for key in keys if key in labels}


@cache
def home_facts() -> list[dict[str, Any]]:
    """Return the sourced facts the home page states about the CNC (``api/content/home-facts.yaml``)."""
    return list(yaml.safe_load((CONTENT / "home-facts.yaml").read_text(encoding="utf-8"))["facts"])


def register_counts(store: GraphStore) -> dict[str, Any]:
    """Return the number of qualifications per sub-sector and CNC level, with the totals of each."""
    cells: dict[tuple[str, str], int] = {}
    for row in select(store, "qualifications_by_subsector_level"):
        level = value(row["level"])
        cells[(str(value(row["subsector"])), str(level) if level is not None else "")] = int(value(row["n"]) or 0)
    subsectors = sorted({s for s, _ in cells})
    levels = sorted({lv for _, lv in cells if lv}, key=lambda lv: (len(lv), lv))
    return {
        "cells": {f"{s}|{lv}": n for (s, lv), n in cells.items()},
        "subsectors": subsectors,
        "levels": levels,
        "by_subsector": {s: sum(n for (s2, _), n in cells.items() if s2 == s) for s in subsectors},
        "by_level": {lv: sum(n for (_, lv2), n in cells.items() if lv2 == lv) for lv in levels},
        "unplaced": sum(n for (_, lv), n in cells.items() if not lv),
        "total": sum(cells.values()),
    }


def ladders(store: GraphStore, lang: str) -> list[dict[str, object]]:
    """Return every framework with its levels as a ladder, highest first, each level linked to its page."""
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
    return frameworks


@router.get("/frameworks", response_class=HTMLResponse, summary="Frameworks page")
@kept_per_generation
def frameworks_page(
    request: Request,
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> HTMLResponse:
    """Return the frameworks as ladders of levels, highest first, each level linked to its page."""
    frameworks = ladders(store, lang)
    title = message("frameworks.title", lang).text
    return _page(request, "frameworks.html", lang, section="frameworks", title=title, frameworks=frameworks)

"""Dependencies injected into the routers: the store, the settings, the chosen language."""

from __future__ import annotations

from fastapi import Query, Request

from api.i18n import LANGUAGE_COOKIE
from cnc_graph.errors import InputError
from cnc_graph.labels import LANGUAGES, choose_language
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore


def get_store(request: Request) -> GraphStore:
    """Return the application's store."""
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    """Return the application's settings."""
    return request.app.state.settings


def get_language(
    request: Request,
    lang: str | None = Query(None, description="Label language: fr, ar or en (else Accept-Language, else fr)."),
) -> str:
    """Return the language asked for by ``lang=``, else the one kept by the language switch, else by
    ``Accept-Language``, else French."""
    if lang is None:
        kept = request.cookies.get(LANGUAGE_COOKIE)
        lang = kept if kept in LANGUAGES else None
    return choose_language(lang, request.headers.get("accept-language"))


def page_language(request: Request) -> str:
    """Return the language of a page outside the API's parameters (``lang=`` if valid, else as get_language)."""
    asked = request.query_params.get("lang")
    try:
        return get_language(request, asked)
    except InputError:
        return get_language(request, None)


__all__ = ["LANGUAGES", "get_language", "page_language", "get_settings", "get_store"]

"""Dependencies injected into the routers: the store, the settings, the chosen language."""

from __future__ import annotations

from fastapi import Query, Request

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
    """Return the language asked for by ``lang=``, else by ``Accept-Language``, else French."""
    return choose_language(lang, request.headers.get("accept-language"))


__all__ = ["LANGUAGES", "get_language", "get_settings", "get_store"]

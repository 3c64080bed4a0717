"""Service routes: liveness, and the favicon browsers ask for."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.deps import get_store
from cnc_graph import __version__
from cnc_graph.store.protocol import GraphStore

router = APIRouter()


@router.get("/health", summary="Liveness: the store answers a query", tags=["service"])
def health(store: Annotated[GraphStore, Depends(get_store)]) -> dict[str, object]:
    """Return ok when the store answers (a constant-time ASK, so it is cheap to poll)."""
    store.query("ASK { }")
    return {"status": "ok", "version": __version__}


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Return an empty answer: the register has no icon."""
    return Response(status_code=204)

"""``/api/esco/search``: ESCO skills and occupations by the words of their labels (the card form's search)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api.deps import get_language, get_store
from cnc_graph.concepts import concept_index
from cnc_graph.store.protocol import GraphStore

router = APIRouter(prefix="/api/esco", tags=["esco"])


@router.get("/search", summary="ESCO skills or occupations whose label holds every word of q")
def search_concepts(
    store: Annotated[GraphStore, Depends(get_store)],
    lang: Annotated[str, Depends(get_language)],
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words of the label, e.g. « base de données ».")],
    kind: Annotated[Literal["skill", "occupation"], Query(description="skill or occupation")] = "skill",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> JSONResponse:
    """Return the ESCO concepts of the register's graphs matching ``q``, best first, labelled in ``lang``."""
    items = concept_index(store).find(kind, q, lang, limit)
    return JSONResponse({"items": items, "total": len(items)}, headers={"Vary": "Accept-Language"})

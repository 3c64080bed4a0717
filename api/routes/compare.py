"""``/api/compare``: levels across frameworks (with the mapping path) and qualifications side by side."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from api.deps import get_language, get_store
from cnc_graph.compare.levels import compare_levels
from cnc_graph.compare.qualifications import compare_qualifications
from cnc_graph.errors import InputError, Location, NotFound
from cnc_graph.store.protocol import GraphStore

router = APIRouter(prefix="/api/compare", tags=["compare"])


@router.get("/levels", summary="Levels of another framework matching a level")
def levels(
    level: str = Query(description="The level, as FRAMEWORK:LEVEL.", examples=["cnc:6"], max_length=100),
    to: str = Query(description="The target framework key.", examples=["eqf"], max_length=50),
    store: GraphStore = Depends(get_store),
    lang: str = Depends(get_language),
) -> dict[str, object]:
    """Return `{"level": {…}, "to": "eqf", "matches": [{"level": {"id", "framework", "notation"}, "relation",
    "confidence", "justification", "source", "path": [mapping records]}]}`; direct matches beat derived ones.

    An unknown level or framework is a 400 naming what exists.
    """
    try:
        source, matches = compare_levels(store, level, to)
    except NotFound as exc:
        raise InputError(str(exc), Location(field="level/to")) from exc
    return {"level": source.to_dict(lang), "to": to, "matches": [m.to_dict(lang) for m in matches]}


@router.get("/qualifications", summary="Two qualifications side by side")
def qualifications(
    a: str = Query(pattern=r"^[A-Z0-9][A-Z0-9-]{0,63}$", examples=["OFPPT-TS-TDI"]),
    b: str = Query(pattern=r"^[A-Z0-9][A-Z0-9-]{0,63}$", examples=["BTS-DSI"]),
    store: GraphStore = Depends(get_store),
    lang: str = Depends(get_language),
) -> dict[str, object]:
    """Return levels of each in every framework, whether they match, ISCED-F field match, ESCO skills and
    occupations shared / only in a / only in b with Jaccard scores, learning outcomes, volume and duration."""
    return compare_qualifications(store, a, b, lang)

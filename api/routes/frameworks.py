"""``/api/frameworks``: the frameworks, their levels and level descriptors per domain and language."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Path

from api.deps import get_language, get_store
from cnc_graph.compare.levels import LevelRef, index_for
from cnc_graph.labels import pick
from cnc_graph.rdf.query_files import select
from cnc_graph.store.generation import memoised
from cnc_graph.store.protocol import GraphStore

router = APIRouter(prefix="/api/frameworks", tags=["frameworks"])


def _framework_dict(store: GraphStore, key: str, lang: str) -> dict[str, object]:
    index = index_for(store)
    label, label_lang = pick(index.frameworks.get(key, {}), lang)
    levels = [lv for lv in index.levels.values() if lv.framework == key]
    return {
        "id": index.framework_iris[key],
        "key": key,
        "label": label,
        "label_lang": label_lang,
        "levels": len(levels),
    }


def levels_with_descriptors(store: GraphStore, key: str, lang: str) -> list[dict[str, object]]:
    """Return the levels of framework ``key`` in order, each with its descriptor per domain (missing ones marked).

    Read once per state of the public graphs and language (the pages and the API share it; do not change it).
    """
    return list(memoised(store, ("levels_with_descriptors", key, lang), lambda: _read(store, key, lang)))


def _read(store: GraphStore, key: str, lang: str) -> list[dict[str, object]]:
    index = index_for(store)
    index.framework(key)
    descriptors: dict[str, list[dict[str, object]]] = defaultdict(list)
    domains: dict[str, tuple[str, dict[str, str]]] = {}
    texts: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in select(store, "level_descriptors", framework=ox.NamedNode(index.framework_iris[key])):
        domain = row["domain"].value  # type: ignore[union-attr]
        entry = domains.setdefault(domain, (row["key"].value, {}))  # type: ignore[union-attr]
        if row["domainLabel"] is not None:
            entry[1].setdefault(row["domainLabel"].language or "und", row["domainLabel"].value)  # type: ignore[union-attr]
        if row["level"] is not None and row["text"] is not None:
            texts[(row["level"].value, domain)][row["text"].language or "und"] = row["text"].value  # type: ignore[union-attr]
    ordered: list[LevelRef] = sorted(
        (lv for lv in index.levels.values() if lv.framework == key), key=lambda lv: (lv.number or 0, lv.notation)
    )
    result = []
    for level in ordered:
        for domain, (domain_key, labels) in sorted(domains.items(), key=lambda d: d[1][0]):
            domain_label, domain_lang = pick(labels, lang)
            text, text_lang = pick(texts.get((level.iri, domain), {}), lang)
            descriptors[level.iri].append(
                {
                    "domain": domain_key,
                    "domain_id": domain,
                    "domain_label": domain_label,
                    "domain_label_lang": domain_lang,
                    "text": text,
                    "lang": text_lang,
                    "available": text is not None,
                }
            )
        result.append(level.to_dict(lang) | {"number": level.number, "descriptors": descriptors[level.iri]})
    return result


@router.get("", summary="List the frameworks")
def list_frameworks(
    store: GraphStore = Depends(get_store), lang: str = Depends(get_language)
) -> list[dict[str, object]]:
    """Return every framework with its key, label (in ``lang`` or a marked fallback) and number of levels.

    Example: `GET /api/frameworks?lang=en` → `[{"id": "https://w3id.org/cnc-ma/framework/cnc", "key": "cnc",
    "label": "National Qualifications Framework (Morocco)", "label_lang": "en", "levels": 8}, …]`
    """
    index = index_for(store)
    return [_framework_dict(store, key, lang) for key in sorted(index.framework_iris)]


@router.get("/{key}/levels", summary="The levels of a framework with their descriptors")
def list_levels(
    key: str = Path(description="Framework key, e.g. cnc, eqf, acqf", examples=["cnc"]),
    store: GraphStore = Depends(get_store),
    lang: str = Depends(get_language),
) -> dict[str, object]:
    """Return a framework and its levels in order, each with its descriptor per domain (missing ones marked)."""
    index_for(store).framework(key)
    return {"framework": _framework_dict(store, key, lang), "levels": levels_with_descriptors(store, key, lang)}


@router.get("/{key}/levels/{notation}", summary="One level with its descriptors")
def get_level(
    key: str = Path(description="Framework key", examples=["cnc"]),
    notation: str = Path(description="Level notation", examples=["6"]),
    store: GraphStore = Depends(get_store),
    lang: str = Depends(get_language),
) -> dict[str, object]:
    """Return one level with its descriptors per domain; 404 for an unknown framework or level."""
    level = index_for(store).level(f"{key}:{notation}")
    for entry in levels_with_descriptors(store, key, lang):
        if entry["id"] == level.iri:
            return entry | {"framework_label": _framework_dict(store, key, lang)["label"]}
    raise AssertionError("level listed by the index but not by the descriptors query")

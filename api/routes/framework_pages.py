"""A framework's page and a level's page: ``/frameworks/{key}`` and ``/frameworks/{key}/levels/{notation}``, also
the HTML of ``/id/framework/{key}`` and ``/id/framework/{key}/level/{notation}``.

A level shows its descriptors per domain in the asked language (a missing text is shown as missing, with what the
framework's own provenance note says is missing and why), and the levels of every other framework that match it
side by side with their descriptors, each match with its relation, confidence, justification, the reasoning of
its record, its sources and, for a derived match, the path of records.
"""

from __future__ import annotations

import re
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import get_language, get_settings, get_store
from api.formatting import percent
from api.i18n import message
from api.rendering import kept_per_generation, local_path, render_page
from api.routes.frameworks import levels_with_descriptors
from cnc_graph.compare.levels import compare_levels, index_for
from cnc_graph.iris import DCT, RDFS, SKOS
from cnc_graph.labels import pick
from cnc_graph.publish.describe import LabelCache, describe_resource
from cnc_graph.settings import Settings
from cnc_graph.store.generation import memoised, per_generation
from cnc_graph.store.protocol import GraphStore

router = APIRouter(tags=["pages"])
KEY = Path(pattern=r"^[a-z0-9-]{1,20}$", description="Framework key", examples=["cnc"])
NOTATION = Path(pattern=r"^[A-Za-z0-9.-]{1,10}$", description="Level notation", examples=["5"])
HEADERS = {"Vary": "Accept, Accept-Language, Cookie"}
#: The framework's provenance note names what is missing in a paragraph starting so (data/frameworks/*.ttl).
MISSING = re.compile(r"MISSING[^\n]*\n(.*)", re.DOTALL)
# The register's page filters levels of these frameworks by their own parameter; any other by level=key:n.
REGISTER_FILTERS = {"cnc": "cnc", "eqf": "eqf"}


def _texts(triples: list[ox.Triple], subject: str, predicate: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for t in triples:
        if t.subject == ox.NamedNode(subject) and t.predicate.value == predicate and isinstance(t.object, ox.Literal):
            found.setdefault(t.object.language or "und", t.object.value)
    return found


def framework_about(store: GraphStore, key: str, lang: str) -> dict[str, object]:
    """The framework's name, definition, sources and what its provenance note says is missing."""
    return memoised(store, ("framework_about", key, lang), lambda: _read_about(store, key, lang))


def _read_about(store: GraphStore, key: str, lang: str) -> dict[str, object]:
    index = index_for(store)
    index.framework(key)  # NotFound for an unknown key
    iri = index.framework_iris[key]
    triples = describe_resource(store, iri)
    name, name_lang = pick(index.frameworks.get(key, {}), lang)
    definition = pick(_texts(triples, iri, SKOS + "definition"), lang)
    comment = pick(_texts(triples, iri, RDFS + "comment"), lang)
    missing = MISSING.search(comment[0] or "")
    sources = sorted(
        t.object.value
        for t in triples
        if t.subject == ox.NamedNode(iri) and t.predicate.value == DCT + "source" and isinstance(t.object, ox.NamedNode)
    )
    return {
        "key": key,
        "iri": iri,
        "name": name or key,
        "name_lang": name_lang,
        "definition": definition,
        "missing": (missing.group(1).strip(), comment[1]) if missing else None,
        "sources": sources,
    }


def _name_of(store: GraphStore, iri: str, lang: str) -> tuple[str, str | None]:
    """Return the name of a resource (its skos:prefLabel in ``lang`` or a fallback) and its language."""
    labels = per_generation(store, LabelCache).labels(store, [iri])
    name, name_lang = pick(_texts(labels, iri, SKOS + "prefLabel"), lang)
    return (name, name_lang) if name else (iri.rsplit("/", 1)[-1], None)


def _register_link(key: str, notation: str) -> str:
    name = REGISTER_FILTERS.get(key)
    return f"/qualifications?{name}={notation}" if name else f"/qualifications?level={key}:{notation}"


@kept_per_generation
def framework_page(request: Request, store: GraphStore, settings: Settings, key: str, lang: str) -> HTMLResponse:
    """Return the page of framework ``key``: what it is, its sources, its levels in order with their descriptors."""
    about = framework_about(store, key, lang)
    levels = levels_with_descriptors(store, key, lang)
    rows = [
        {
            "notation": lv["notation"],
            "label": lv["label"],
            "label_lang": lv["label_lang"],
            "href": f"/frameworks/{key}/levels/{lv['notation']}",
            "descriptors": lv["descriptors"],
        }
        for lv in levels
    ]
    body = render_page(
        request,
        "framework.html",
        lang,
        section="frameworks",
        title=about["name"],
        about=about,
        levels=rows,
    )
    return HTMLResponse(body, headers=HEADERS | {"Content-Language": lang})


@kept_per_generation
def level_page(
    request: Request, store: GraphStore, settings: Settings, key: str, notation: str, lang: str
) -> HTMLResponse:
    """Return the page of one level: its descriptors, and every other framework's matching levels beside them."""
    index = index_for(store)
    level = index.level(f"{key}:{notation}")
    about = framework_about(store, key, lang)
    own = next(lv for lv in levels_with_descriptors(store, key, lang) if lv["id"] == level.iri)
    comment = pick(_texts(describe_resource(store, level.iri), level.iri, RDFS + "comment"), lang)
    matches = []
    for other in sorted(index.framework_iris):
        if other == key:
            continue
        other_levels = None
        for match in compare_levels(store, level.iri, other)[1]:
            if other_levels is None:
                other_levels = {lv["id"]: lv for lv in levels_with_descriptors(store, other, lang)}
            data = match.to_dict(lang)
            target = other_levels.get(match.level.iri, {})
            name, name_lang = pick(index.frameworks.get(other, {}), lang)
            matches.append(
                {
                    "framework": name or other,
                    "framework_lang": name_lang,
                    "key": other,
                    "level": data["level"],
                    "href": f"/frameworks/{other}/levels/{match.level.notation}",
                    "relation": match.relation,
                    "confidence": percent(match.confidence),
                    "justification": match.justification.rsplit("/", 1)[-1],
                    "justification_iri": match.justification,
                    "derived": match.derived,
                    "path": [
                        {
                            "href": local_path(edge.record, settings.base_iri),
                            "name": "/".join(edge.record.rsplit("/", 2)[-2:]),
                            "comment": edge.comment,
                            "inverted": edge.inverted,
                        }
                        for edge in match.path
                    ],
                    "sources": match.sources,
                    "authors": [
                        {"href": local_path(a, settings.base_iri), "name": _name_of(store, a, lang)}
                        for a in sorted({a for edge in match.path for a in edge.authors})
                    ],
                    "descriptors": target.get("descriptors", []),
                }
            )
    body = render_page(
        request,
        "level.html",
        lang,
        section="frameworks",
        title=f"{own['label']} — {about['name']}",
        about=about,
        level=own,
        comment=comment,
        matches=matches,
        register=_register_link(key, notation),
        register_label=message("level.register", lang).text,
    )
    return HTMLResponse(body, headers=HEADERS | {"Content-Language": lang})


@router.get("/frameworks/{key}", response_class=HTMLResponse, summary="A framework's page")
def framework_route(
    request: Request,
    key: Annotated[str, KEY],
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    """Return the framework's page (its data: ``/api/frameworks/{key}/levels``)."""
    return framework_page(request, store, settings, key, lang)


@router.get("/frameworks/{key}/levels/{notation}", response_class=HTMLResponse, summary="A level's page")
def level_route(
    request: Request,
    key: Annotated[str, KEY],
    notation: Annotated[str, NOTATION],
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    """Return the level's page (its data: ``/api/frameworks/{key}/levels/{notation}``)."""
    return level_page(request, store, settings, key, notation, lang)

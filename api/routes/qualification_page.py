"""A qualification's page: the HTML view of ``/qualifications/{code}``, ``/id/qualification/{code}`` and
``/api/qualifications/{code}`` (the last two when the client asks for HTML).

Every card field in plain words (durations and dates in the reader's language, controlled values by their
labels), its level in every framework with the mapping that places it there, learning outcomes, ESCO skills and
occupations, providers and regions, quality assurance, sources, comparable qualifications, downloads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import get_language, get_settings, get_store
from api.formatting import date_text, duration_text, percent
from api.i18n import catalogue
from api.rendering import kept_per_generation, local_path, render_page
from cnc_graph.compare.levels import index_for
from cnc_graph.labels import pick
from cnc_graph.publish.profile import Profile, Value, qualification_profile
from cnc_graph.publish.record_life import record_life
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

router = APIRouter(tags=["pages"])
CODE = Path(pattern=r"^[A-Z0-9][A-Z0-9-]{0,63}$", description="The qualification's code.", examples=["OFPPT-TS-TDI"])
SECTIONS = {
    "identification": (
        "subsector",
        "awarding_body",
        "isced_f_field",
        "duration",
        "ects_credits",
        "volume_hours",
        "languages",
        "status",
        "url",
    ),
    "access": ("entry_requirements", "ways_to_acquire"),
    "quality": ("qa_body", "accreditation_date", "valid_until", "legal_basis", "legal_basis_date"),
    "esco": ("esco_occupations", "esco_skills"),
}
FRAMEWORK_ORDER = ("cnc", "eqf", "acqf", "isced-2011", "fr-nqf")
RPL = "validation-of-prior-learning"
DOWNLOADS = (("JSON-LD", "jsonld"), ("Turtle", "ttl"), ("N-Triples", "nt"), ("RDF/XML", "rdfxml"))
#: The European Learning Model view of the same qualification (as Europass reads qualifications).
ELM_DOWNLOADS = (("ELM (Turtle)", "ttl"), ("ELM (JSON-LD)", "jsonld"))


def _shown(name: str, v: Value, lang: str, base: str) -> dict[str, object]:
    """One value as the page shows it: its words, their language, and where it links (ours or outside)."""
    text, text_lang = v.text, v.lang
    if v.datatype == "duration":
        text, text_lang = duration_text(v.text, lang), lang
    elif v.datatype == "date":
        text, text_lang = date_text(v.text, lang), lang
    elif name == "languages":
        text, text_lang = _language_name(v.text, lang), lang
    href = None
    if v.iri is not None:
        href = local_path(v.iri, base)
    elif name == "url":
        href = v.text
    return {"text": text, "lang": text_lang, "href": href, "external": href is not None and not href.startswith("/")}


def _language_name(code: str, lang: str) -> str:
    return catalogue(lang).get(f"languages.{code}") or code


def _levels(profile: Profile, store: GraphStore, lang: str, base: str) -> list[dict[str, object]]:
    """The qualification's level in each framework, own level first, each with the mapping that places it."""
    index = index_for(store)
    rows = []
    for key in sorted(profile.levels, key=lambda k: (FRAMEWORK_ORDER + (k,)).index(k)):
        match = profile.levels[key]
        assert isinstance(match, dict)
        level = match["level"]
        name, name_lang = pick(index.frameworks.get(key, {}), lang)
        path = match.get("path") or []
        rows.append(
            {
                "key": key,
                "framework": name or key,
                "framework_lang": name_lang,
                "level": level["label"],
                "level_lang": level["label_lang"],
                "href": local_path(level["id"], base),
                "own": not path,
                "relation": match["relation_name"],
                "confidence": percent(match["confidence"]),
                "derived": match["derived"],
                "records": [local_path(step["record"], base) for step in path],
                "sources": match.get("source") or [],
            }
        )
    return rows


@kept_per_generation
def qualification_page(request: Request, store: GraphStore, settings: Settings, code: str, lang: str) -> HTMLResponse:
    """Return the page of the qualification with ``code`` in ``lang`` (NotFound if there is none)."""
    base = settings.base_iri
    profile = qualification_profile(store, code, base, lang)
    values = {name: [_shown(name, v, lang, base) for v in found] for name, found in profile.values.items()}
    titles = [v for name in ("title_fr", "title_ar", "title_en") for v in values.get(name, [])]
    texts = {str(v["lang"]): str(v["text"]) for n in ("description_fr", "description_en") for v in values.get(n, [])}
    description = pick(texts, lang)
    ways = {str(v.iri).rsplit("/", 1)[-1] for v in profile.values.get("ways_to_acquire", [])}
    opportunities = [
        {kind: [_shown(kind, v, lang, base) for v in found] for kind, found in o.items()} for o in profile.opportunities
    ]
    api = f"/api/qualifications/{code}"
    life = record_life(store, base, code)
    life_dates = {"registered": life.registration_date, "reviewed": life.last_reviewed, "ended": life.withdrawn}
    body = render_page(
        request,
        "qualification.html",
        lang,
        section="register",
        title=profile.title or code,
        profile=profile,
        code=code,
        title_lang=profile.title_lang,
        other_titles=[t for t in titles if t["text"] != profile.title],
        description=description,
        levels=_levels(profile, store, lang, base),
        sections={name: [(f, values[f]) for f in fields if f in values] for name, fields in SECTIONS.items()},
        rpl=RPL in ways,
        opportunities=opportunities,
        sources=values.get("source", []),
        outcomes=profile.outcomes,
        comparable=profile.comparable,
        life=life,
        life_dates={k: date_text(v, lang) if v else None for k, v in life_dates.items()},
        versions=[(n, local_path(iri, base), date_text(day, lang) if day else None) for n, iri, day in life.versions],
        downloads=[(label, f"{api}?format={fmt}") for label, fmt in DOWNLOADS]
        + [(label, f"{api}/elm?format={fmt}") for label, fmt in ELM_DOWNLOADS],
    )
    return HTMLResponse(body, headers={"Vary": "Accept, Accept-Language, Cookie", "Content-Language": lang})


@router.get("/qualifications/{code}", response_class=HTMLResponse, summary="A qualification's page")
def qualification_page_route(
    request: Request,
    code: Annotated[str, CODE],
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    """Return the qualification's page (its data: ``/api/qualifications/{code}``)."""
    return qualification_page(request, store, settings, code, lang)

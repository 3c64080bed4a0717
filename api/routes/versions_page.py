"""``/qualifications/{code}/versions``: a registered qualification's published versions and what changed between two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import get_language
from api.rendering import kept_per_generation, render_page
from api.routes.qualification_page import CODE
from api.routes.registrations import get_registry
from cnc_graph.card.form import form_fields
from cnc_graph.errors import InputError, Location
from cnc_graph.labels import pick
from cnc_graph.registry.service import Registry

router = APIRouter(tags=["pages"])
Number = Query(ge=1, le=100_000)


@router.get("/qualifications/{code}/versions", response_class=HTMLResponse, summary="A qualification's versions")
@kept_per_generation
def versions_page(
    request: Request,
    code: Annotated[str, CODE],
    lang: Annotated[str, Depends(get_language)],
    registry: Annotated[Registry, Depends(get_registry)],
    old: Annotated[int | None, Query(alias="from", ge=1, le=100_000)] = None,
    new: Annotated[int | None, Query(alias="to", ge=1, le=100_000)] = None,
) -> HTMLResponse:
    """Return the versions of ``code`` and the field-by-field differences between two (by default the last two)."""
    versions = registry.life.versions(code)
    numbers = [int(str(v["version"])) for v in versions]
    new = new or numbers[-1]
    old = old or (numbers[-2] if len(numbers) > 1 else numbers[-1])
    for name, n in (("from", old), ("to", new)):
        if n not in numbers:
            raise InputError(
                f"« {code} » has no version {n} (it has {', '.join(map(str, numbers))})", Location(field=name)
            )
    fields = form_fields()
    labels = {c: pick(f.label, lang) for c, f in fields.items()}
    body = render_page(
        request,
        "qualification_versions.html",
        lang,
        section="register",
        title_code=code,
        code=code,
        versions=versions,
        old=old,
        new=new,
        changes=registry.life.diff(code, old, new),
        labels=labels,
    )
    return HTMLResponse(body, headers={"Vary": "Accept-Language, Cookie", "Content-Language": lang})

"""The workspace's actions on published qualifications: start an amendment (a new application on the same code,
its card as published), and an admin's withdrawal or supersession. ``cnc_graph.registry`` does the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from api.routes.registrations import get_registry
from api.workbench import form_text, posted, see_other
from cnc_graph.card.json import cells_from_json
from cnc_graph.errors import InputError, Location
from cnc_graph.registry.service import Registry

router = APIRouter(tags=["workflow pages"], include_in_schema=False)
CODE = Path(pattern=r"^[A-Z0-9][A-Z0-9-]{0,63}$")


def _back(target: str, fallback: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else fallback


@router.post("/registrations/amend")
async def start_amendment(request: Request, registry: Annotated[Registry, Depends(get_registry)]) -> Response:
    """Create a draft amending a published qualification, its card as currently published, and open its form."""
    got = await posted(request)
    if isinstance(got, Response):
        return got
    who, form = got
    code = form_text(form, "code").upper()
    if not code:
        raise InputError("give the code of the published qualification to amend", Location(field="code"))
    cells = cells_from_json(registry.life.version(code)["card"])
    draft = registry.create(who.account, cells, form_text(form, "organisation") or None)
    return see_other(f"/registrations/{draft.id}/edit")


@router.post("/admin/qualifications/{code}/{action}")
async def end_qualification(
    request: Request,
    registry: Annotated[Registry, Depends(get_registry)],
    code: str = CODE,
    action: str = Path(pattern="^(withdraw|supersede)$"),
) -> Response:
    """Withdraw a published qualification (date, reason) or record the one that replaces it (admins)."""
    got = await posted(request, admin=True)
    if isinstance(got, Response):
        return got
    who, form = got
    date = form_text(form, "date") or None
    if action == "withdraw":
        registry.life.withdraw(who.account, code, date, form_text(form, "reason"))
    else:
        by = form_text(form, "by").upper()
        registry.life.supersede(who.account, code, by, form_text(form, "equivalent") == "yes", date)
    return see_other(_back(form_text(form, "back"), f"/qualifications/{code}") + f"?done={action}-qualification")

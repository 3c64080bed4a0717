"""The life of a published qualification over HTTP: its versions and their differences (anyone), its withdrawal
and supersession (an admin's bearer token). ``cnc_graph.registry.register_actions`` does the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.routes.qualification_page import CODE
from api.routes.registrations import current_account, get_registry
from cnc_graph.registry.accounts import Account
from cnc_graph.registry.service import Registry

router = APIRouter(prefix="/api/qualifications", tags=["qualifications"])
Code = Annotated[str, CODE]
Registered = Annotated[Registry, Depends(get_registry)]
VERSION = Path(ge=1, le=100_000, description="A version number (1 is the first publication).")


class Withdrawal(BaseModel):
    """Why and from when a qualification is withdrawn."""

    reason: str = Field(min_length=1, max_length=2_000, description="Why, in a few words.")
    date: str | None = Field(None, max_length=10, description="From when (YYYY-MM-DD); default today.")


class Supersession(BaseModel):
    """The qualification that replaces this one."""

    by: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{0,63}$", description="The code of the replacing qualification.")
    equivalent: bool = Field(description="Whether holders of the two are treated alike.")
    date: str | None = Field(None, max_length=10, description="From when (YYYY-MM-DD); default today.")


@router.get("/{code}/versions", summary="The published versions of a qualification, oldest first")
def versions(code: Code, registry: Registered) -> JSONResponse:
    """Return each version's number, IRI, date and the card fields it changed."""
    found = registry.life.versions(code)
    return JSONResponse({"code": code, "current": found[-1]["version"] if found else None, "versions": found})


@router.get("/{code}/versions/{number}", summary="One published version's card")
def version(code: Code, registry: Registered, number: Annotated[int, VERSION]) -> JSONResponse:
    """Return the card of one version, as it was published."""
    return JSONResponse(registry.life.version(code, number))


@router.get("/{code}/diff", summary="The fields that differ between two versions")
def diff(
    code: Code,
    registry: Registered,
    old: Annotated[int, Query(alias="from", ge=1, le=100_000, description="The earlier version.")],
    new: Annotated[int, Query(alias="to", ge=1, le=100_000, description="The later version.")],
) -> JSONResponse:
    """Return, field by field in card order, the values of each version where they differ."""
    return JSONResponse({"code": code, "from": old, "to": new, "fields": registry.life.diff(code, old, new)})


@router.post("/{code}/withdraw", summary="Withdraw a published qualification (admins)")
def withdraw(
    code: Code, body: Withdrawal, registry: Registered, account: Annotated[Account, Depends(current_account)]
) -> JSONResponse:
    """Archive the qualification with its withdrawal date and reason; it stays readable at its IRI."""
    return JSONResponse(registry.life.withdraw(account, code, body.date, body.reason))


@router.post("/{code}/supersede", summary="Record the qualification that replaces this one (admins)")
def supersede(
    code: Code, body: Supersession, registry: Registered, account: Annotated[Account, Depends(current_account)]
) -> JSONResponse:
    """Link the two (dct:isReplacedBy / dct:replaces, equivalent or not) and archive this one."""
    return JSONResponse(registry.life.supersede(account, code, body.by, body.equivalent, body.date))

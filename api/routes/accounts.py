"""``/api/accounts``: an admin manages the workflow's accounts while the register runs.

Create, list, read (with the account's history), revoke, reset the token. A token is in the answer that makes
it and nowhere else, ever (``Cache-Control: no-store``); only its hash is kept. Every change is in the accounts'
audit trail, with the admin who made it.
"""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import get_settings, get_store
from api.routes.registrations import current_account
from cnc_graph.registry.accounts import (
    Account,
    account_history,
    add_account,
    find_account,
    list_accounts,
    reset_token,
    revoke_account,
)
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

router = APIRouter(prefix="/api/accounts", tags=["accounts"])
NAME = Path(description="The account's name.", pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", examples=["ofppt-secretariat"])
NO_STORE = {"Cache-Control": "no-store"}
ACCOUNT_WRITES = threading.Lock()  # an account change reads then rewrites the accounts graph: one at a time


class NewAccount(BaseModel):
    """The account to create."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", description="Lower-case letters, digits, . _ -")
    role: Literal["applicant", "reviewer", "admin"]
    organisation: str | None = Field(None, max_length=200, description="Organisation id, e.g. ofppt (applicants).")
    subsector: str | None = Field(None, max_length=40, description="Sub-sector key (applicants).")


def admin_account(account: Annotated[Account, Depends(current_account)]) -> Account:
    """Return the caller's account if it is an admin's; 403 otherwise."""
    if account.role != "admin":
        raise HTTPException(403, f"only an admin manages accounts; « {account.name} » is {account.role}")
    return account


Admin = Annotated[Account, Depends(admin_account)]
Store = Annotated[GraphStore, Depends(get_store)]
Config = Annotated[Settings, Depends(get_settings)]


@router.get("", summary="List the accounts (never their tokens)")
def accounts(admin: Admin, store: Store, settings: Config) -> JSONResponse:
    """Return every account, revoked ones included, by name."""
    found = [a.to_dict(settings.base_iri) for a in list_accounts(store, settings.base_iri)]
    return JSONResponse({"accounts": found}, headers=NO_STORE)


@router.post("", status_code=201, summary="Create an account; its token is in this answer only")
def create_account(body: NewAccount, admin: Admin, store: Store, settings: Config) -> JSONResponse:
    """Create the account and return it with its bearer token, shown this once."""
    with ACCOUNT_WRITES:
        account, token = add_account(
            store, settings.base_iri, body.name, body.role, body.organisation, body.subsector, by=admin
        )
    return JSONResponse(
        {"account": account.to_dict(settings.base_iri), "token": token, "token_shown_once": True},
        status_code=201,
        headers=NO_STORE | {"Location": f"{router.prefix}/{account.name}"},
    )


@router.get("/{name}", summary="One account and its history")
def account(name: Annotated[str, NAME], admin: Admin, store: Store, settings: Config) -> JSONResponse:
    """Return the account and its changes (created, token reset, revoked: when, by whom)."""
    found = _existing(store, settings, name)
    history = account_history(store, settings.base_iri, name)
    return JSONResponse({"account": found.to_dict(settings.base_iri), "history": history}, headers=NO_STORE)


@router.post("/{name}/revoke", summary="Revoke an account: its token stops working at once")
def revoke(name: Annotated[str, NAME], admin: Admin, store: Store, settings: Config) -> JSONResponse:
    """Revoke the account (it stays, marked revoked, for the audit trail)."""
    if name == admin.name:
        raise HTTPException(409, "an admin cannot revoke their own account: ask another admin")
    with ACCOUNT_WRITES:
        done = revoke_account(store, settings.base_iri, name, by=admin)
    return JSONResponse({"account": done.to_dict(settings.base_iri)}, headers=NO_STORE)


@router.post("/{name}/token", summary="Reset an account's token; the new one is in this answer only")
def new_token(name: Annotated[str, NAME], admin: Admin, store: Store, settings: Config) -> JSONResponse:
    """Give the account a new token (the old one stops working at once) and return it, shown this once."""
    with ACCOUNT_WRITES:
        done, token = reset_token(store, settings.base_iri, name, by=admin)
    body = {"account": done.to_dict(settings.base_iri), "token": token, "token_shown_once": True}
    return JSONResponse(body, headers=NO_STORE)


def _existing(store: GraphStore, settings: Settings, name: str) -> Account:
    found = find_account(store, settings.base_iri, name)
    if found is None:
        raise HTTPException(404, f"no account « {name} »")
    return found

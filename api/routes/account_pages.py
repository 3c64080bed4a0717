"""``/admin/accounts``: an admin creates, revokes and resets accounts in the browser, while the register runs.

The same operations as ``/api/accounts`` (``cnc_graph.registry.accounts``), each in the accounts' audit trail
with the admin who made it. A new token is shown on the page that answers the change, once: the page is not
kept (``no-store``) and the token is nowhere else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import get_settings, get_store, page_language
from api.routes.accounts import ACCOUNT_WRITES
from api.workbench import SignedIn, form_text, posted, require_admin, signed_in, to_sign_in, workbench_page
from cnc_graph.card import fields as card
from cnc_graph.card.choices import card_choices
from cnc_graph.errors import CncError
from cnc_graph.registry.accounts import ROLES, add_account, list_accounts, reset_token, revoke_account
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

router = APIRouter(tags=["workflow pages"], include_in_schema=False)
NAME = Path(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
Store = Annotated[GraphStore, Depends(get_store)]
Config = Annotated[Settings, Depends(get_settings)]


def _page(
    request: Request,
    who: SignedIn,
    store: GraphStore,
    settings: Settings,
    status: int = 200,
    **context: object,
) -> HTMLResponse:
    lang = page_language(request)
    choices = card_choices(store, settings.base_iri)
    return workbench_page(
        request,
        who,
        "accounts.html",
        status,
        title_key="wb.accounts.title",
        accounts=[a.to_dict(settings.base_iri) for a in list_accounts(store, settings.base_iri)],
        roles=ROLES,
        subsectors=[(key, *choices.for_field("subsector", (key,))[0].label(lang)) for key in card.SUBSECTORS],
        organisations=[(c.value, *c.label(lang)) for c in choices.for_field("organisation", ())],
        **context,
    )


@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, store: Store, settings: Config) -> Response:
    """Return the accounts (never their tokens) and the form to create one."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    require_admin(who)
    return _page(request, who, store, settings)


@router.post("/admin/accounts", response_class=HTMLResponse)
async def create_account(request: Request, store: Store, settings: Config) -> Response:
    """Create an account and show its token, this once."""
    got = await posted(request, admin=True)
    if isinstance(got, Response):
        return got
    who, form = got
    asked = {k: form_text(form, k) for k in ("name", "role", "organisation", "subsector")}
    try:
        with ACCOUNT_WRITES:
            account, token = add_account(
                store,
                settings.base_iri,
                asked["name"],
                asked["role"],
                asked["organisation"] or None,
                asked["subsector"] or None,
                by=who.account,
            )
    except CncError as error:
        return _page(request, who, store, settings, error.http_status, error=error.user_message(), asked=asked)
    return _page(request, who, store, settings, 201, token=token, token_for=account.name, done="created")


@router.post("/admin/accounts/{name}/{action}", response_class=HTMLResponse)
async def change_account(
    request: Request,
    store: Store,
    settings: Config,
    name: str = NAME,
    action: str = Path(pattern="^(revoke|token)$"),
) -> Response:
    """Revoke an account, or give it a new token (shown this once)."""
    got = await posted(request, admin=True)
    if isinstance(got, Response):
        return got
    who, _form = got
    try:
        if action == "revoke":
            if name == who.account.name:
                raise _SelfRevocation()
            with ACCOUNT_WRITES:
                revoke_account(store, settings.base_iri, name, by=who.account)
            return _page(request, who, store, settings, done="revoked", token_for=name)
        with ACCOUNT_WRITES:
            account, token = reset_token(store, settings.base_iri, name, by=who.account)
    except CncError as error:
        return _page(request, who, store, settings, error.http_status, error=error.user_message())
    return _page(request, who, store, settings, token=token, token_for=account.name, done="reset")


class _SelfRevocation(CncError):
    http_status = 409

    def __init__(self) -> None:
        super().__init__("an admin cannot revoke their own account: ask another admin")

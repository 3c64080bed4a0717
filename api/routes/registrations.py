"""``/api/registrations``: the registration workflow over HTTP (token auth, ETags, problem+json errors).

Every request carries ``Authorization: Bearer <token>`` (tokens are made by ``cnc-graph users add``).
Every read answers with an ``ETag``; a write may send ``If-Match`` and gets 412 if the application has
changed since. A 2xx means the change is committed to the store (on disk for the embedded store).
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from api.deps import get_settings, get_store
from cnc_graph.card.json import Cells, cells_from_json, cells_from_jsonld, load_context
from cnc_graph.publish.serialise import to_jsonld
from cnc_graph.registry.accounts import Account, account_for_token
from cnc_graph.registry.records import Application
from cnc_graph.registry.service import Registry
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

router = APIRouter(prefix="/api/registrations", tags=["registrations"])
bearer = HTTPBearer(
    auto_error=False,
    description="A token made by `cnc-graph users add NAME --role applicant|reviewer|admin`.",
)
_REGISTRY_LOCK = threading.Lock()

ID = Path(description="The application's id, e.g. r3f9a0c1b2d4e", pattern=r"^r[0-9a-f]{12}$")
IF_MATCH = Header(None, alias="If-Match", description="The ETag read last; 412 if the application changed since.")
CARD_EXAMPLE = {
    "code": "OFPPT-TS-DEVWEB",
    "intitule_fr": "Technicien spécialisé en développement web",
    "sous_secteur": "vocational-training",
    "niveau_cnc": "5",
    "organisme_certificateur": "ofppt",
    "acquis_fr": ["Développer une application web", "Concevoir une base de données"],
    "statut": "active",
    "source": ["https://www.ofppt.ma/"],
}
CARD_BODY = Body(
    description="The card: JSON keyed by the inventory columns (French keys or English aliases; "
    "multi-valued columns as lists or `a | b`), or JSON-LD (`Content-Type: application/ld+json`) "
    "describing one cnc:Qualification.",
    examples=[CARD_EXAMPLE],
)


class Decision(BaseModel):
    """An optional comment on a workflow action."""

    comment: str | None = Field(None, max_length=10_000, description="Why, in a few words.")


class Assignment(Decision):
    """Who reviews the application (by default the caller)."""

    reviewer: str | None = Field(None, max_length=64, description="Account name of the reviewer.")


class ChangeRequest(Decision):
    """What the applicant must change: a general comment and/or comments per card field."""

    fields: dict[str, str] = Field(
        default_factory=dict,
        description='Comments keyed by card column, e.g. {"niveau_cnc": "justify level 5"}.',
    )


class Rejection(BaseModel):
    """Why the application is rejected."""

    reason: str = Field(min_length=1, max_length=10_000)


def get_registry(request: Request) -> Registry:
    """Return the application's registry (one per app, so one lock per store)."""
    state = request.app.state
    registry = getattr(state, "registry", None)
    if registry is None:
        with _REGISTRY_LOCK:
            registry = getattr(state, "registry", None)
            if registry is None:
                registry = Registry(get_store(request), get_settings(request))
                state.registry = registry
    return registry


def current_account(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> Account:
    """Return the account of the request's bearer token; 401 without a token or with an unknown or revoked one."""
    if credentials is None:
        raise HTTPException(
            401,
            "the registration workflow needs a token: send « Authorization: Bearer <token> »",
            headers={"WWW-Authenticate": 'Bearer realm="cnc-graph"'},
        )
    account = account_for_token(store, settings.base_iri, credentials.credentials)
    if account is None:
        raise HTTPException(
            401,
            "unknown or revoked token",
            headers={"WWW-Authenticate": 'Bearer realm="cnc-graph", error="invalid_token"'},
        )
    return account


def _reply(
    registry: Registry, app: Application, account: Account, status: int = 200, history: bool = False, **extra: object
) -> Response:
    body = registry.describe(app, account, history=history) | extra
    headers = {"ETag": app.etag}
    if status == 201:
        headers["Location"] = f"{router.prefix}/{app.id}"
    return JSONResponse(body, status_code=status, headers=headers)


def _cells(request: Request, body: Any, settings: Settings) -> Cells:
    if "ld+json" in request.headers.get("content-type", ""):
        return cells_from_jsonld(json.dumps(body).encode(), settings.base_iri, load_context(settings.root))
    return cells_from_json(body)


@router.get("", summary="List the registration applications the caller may see")
def list_registrations(
    status: str | None = Query(None, max_length=40, description="draft, submitted, under-review, …"),
    subsector: str | None = Query(None, max_length=40, description="e.g. vocational-training"),
    applicant: str | None = Query(None, max_length=200, description="Organisation id or IRI, e.g. ofppt"),
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Return the applications, newest change first (an applicant sees only its organisation's)."""
    items = registry.application_summaries(account, status, subsector, applicant)
    state = "|".join(f"{i['id']}:{i['version']}" for i in items)
    etag = '"' + hashlib.sha256(f"{account.name}|{state}".encode()).hexdigest()[:32] + '"'
    return JSONResponse({"items": items, "total": len(items)}, headers={"ETag": etag})


@router.post("", status_code=201, summary="Create a draft registration card")
def create_registration(
    request: Request,
    body: Any = CARD_BODY,
    organisation: str | None = Query(None, max_length=200, description="Admins: the applicant organisation."),
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Create a draft; values must be well-formed, completeness is checked at submission."""
    cells = _cells(request, body, settings)
    return _reply(registry, registry.create(account, cells, organisation), account, 201)


@router.get(
    "/{app_id}",
    summary="One application with its history",
    responses={200: {"content": {"application/json": {}, "application/ld+json": {}}}},
)
def get_registration(
    request: Request,
    app_id: str = ID,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Return the application (JSON; JSON-LD of the application and its card on ``Accept: application/ld+json``)."""
    app = registry.get(account, app_id)
    if "application/ld+json" in request.headers.get("accept", ""):
        triples = registry.application_triples(app)
        return Response(to_jsonld(triples, settings), media_type="application/ld+json", headers={"ETag": app.etag})
    return _reply(registry, app, account, history=True)


@router.put("/{app_id}", summary="Replace the card of a draft")
def replace_card(
    request: Request,
    app_id: str = ID,
    body: Any = CARD_BODY,
    if_match: str | None = IF_MATCH,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Replace the whole card (draft, or changes requested)."""
    cells = _cells(request, body, settings)
    return _reply(registry, registry.edit(account, app_id, cells, if_match), account)


@router.patch("/{app_id}", summary="Change some fields of a draft")
def update_card(
    request: Request,
    app_id: str = ID,
    body: Any = CARD_BODY,
    if_match: str | None = IF_MATCH,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Change the fields given (null or empty clears one), keep the others."""
    if "ld+json" in request.headers.get("content-type", ""):
        cells = _cells(request, body, settings)
    else:
        cells = cells_from_json(body, keep_empty=True)
    return _reply(registry, registry.edit(account, app_id, cells, if_match, merge=True), account)


@router.post("/{app_id}/submit", summary="Submit the card for review (shapes validate it)")
def submit(
    app_id: str = ID,
    if_match: str | None = IF_MATCH,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Submit; violations are 422 with each field and its messages in French and English; warnings do not block."""

    app, report = registry.submit(account, app_id, if_match)
    return _reply(registry, app, account, warnings=[w.to_dict() for w in report.warnings])


@router.post("/{app_id}/assign", summary="Take a submitted application under review")
def assign(
    app_id: str = ID,
    body: Assignment | None = Body(None),
    if_match: str | None = IF_MATCH,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Assign a reviewer (by default the caller)."""
    body = body or Assignment(reviewer=None, comment=None)
    return _reply(registry, registry.assign(account, app_id, if_match, body.reviewer, body.comment), account)


@router.post("/{app_id}/request-changes", summary="Send the card back to its applicant with comments")
def request_changes(
    body: ChangeRequest,
    app_id: str = ID,
    if_match: str | None = IF_MATCH,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Ask for changes: a general comment and/or comments per field."""
    return _reply(registry, registry.request_changes(account, app_id, if_match, body.comment, body.fields), account)


@router.post("/{app_id}/approve", summary="Approve the card")
def approve(
    app_id: str = ID,
    body: Decision | None = Body(None),
    if_match: str | None = IF_MATCH,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Approve an application under review."""
    comment = body.comment if body else None
    return _reply(registry, registry.approve(account, app_id, if_match, comment), account)


@router.post("/{app_id}/reject", summary="Reject the card, with the reason")
def reject(
    body: Rejection,
    app_id: str = ID,
    if_match: str | None = IF_MATCH,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Reject an application under review."""
    return _reply(registry, registry.reject(account, app_id, if_match, body.reason), account)


@router.post("/{app_id}/publish", summary="Publish an approved card in the register")
def publish(
    app_id: str = ID,
    if_match: str | None = IF_MATCH,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Give the registration number and date and write the qualification into the public register."""
    return _reply(registry, registry.publish(account, app_id, if_match), account)


@router.post("/{app_id}/withdraw", summary="Withdraw the application")
def withdraw(
    app_id: str = ID,
    body: Decision | None = Body(None),
    if_match: str | None = IF_MATCH,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Withdraw an application that is not published yet."""
    comment = body.comment if body else None
    return _reply(registry, registry.withdraw(account, app_id, if_match, comment), account)


@router.get("/{app_id}/history", summary="The audit trail of an application")
def history(
    app_id: str = ID,
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Return every change: action, agent, time, comments, card version before and after, fields changed."""
    app = registry.get(account, app_id)
    entries = [e.to_dict() for e in registry.history(account, app_id)]
    return JSONResponse({"id": app.id, "status": app.status, "history": entries}, headers={"ETag": app.etag})


@router.get("/{app_id}/versions/{number}", summary="One recorded version of the card")
def card_version(
    app_id: str = ID,
    number: int = Path(ge=1, le=1_000_000),
    account: Account = Depends(current_account),
    registry: Registry = Depends(get_registry),
) -> Response:
    """Return the card as it was at one version (as the audit trail recorded it)."""
    app = registry.get(account, app_id)
    return JSONResponse(registry.version(account, app_id, number), headers={"ETag": app.etag})

"""The workflow's pages: sign-in and sign-out, the dashboard, the review queue, an application and its actions.

Every page here needs a session (``api.workbench``); without one it sends the visitor to ``/login`` and back.
The pages call the same ``Registry`` as ``/api/registrations``: the same state machine, roles and checks;
a refused action is shown on the application's page with its reason, never a half-done change.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.card_view import card_sections, other_problems
from api.deps import page_language
from api.routes.registrations import get_registry
from api.session import cookie_header
from api.workbench import (
    SignedIn,
    checked_form,
    form_text,
    secure,
    see_other,
    session_keeper,
    signed_in,
    to_sign_in,
    workbench_page,
)
from cnc_graph.card import fields as card
from cnc_graph.card.choices import card_choices
from cnc_graph.card.json import card_json
from cnc_graph.errors import CncError, Forbidden, InputError, ValidationFailed
from cnc_graph.publish.record_life import record_life
from cnc_graph.registry.accounts import account_for_token, list_accounts, token_hash
from cnc_graph.registry.checks import CardReport, submitters_by_subsector
from cnc_graph.registry.records import Application, HistoryEntry
from cnc_graph.registry.service import Registry
from cnc_graph.registry.workflow import (
    ADMIN,
    APPLICANT,
    CHANGES_REQUESTED,
    PUBLISHED,
    REVIEWER,
    STATES,
    SUBMITTED,
    UNDER_REVIEW,
    allowed_transitions,
)

router = APIRouter(tags=["workflow pages"], include_in_schema=False)
ID = Path(pattern=r"^r[0-9a-f]{12}$")
#: The actions a page's buttons post; ``edit`` is the card form (``api.routes.card_form``).
PAGE_ACTIONS = ("submit", "assign", "request-changes", "approve", "reject", "publish", "withdraw")
#: Rows of per-field comments the request-changes form offers.
COMMENT_ROWS = 3
LOGIN_COOKIE = "cnc_login"


def _next(target: str) -> str:
    """Return where to go after sign-in: a path on this site, else the dashboard."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/registrations"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str, Query(max_length=500)] = "/registrations") -> Response:
    """Return the sign-in form (or go on, when already signed in)."""
    if signed_in(request) is not None:
        return see_other(_next(next))
    return _login_form(request, next)


def _login_form(request: Request, next: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    response = workbench_page(
        request,
        None,
        "login.html",
        status,
        title_key="wb.login.title",
        next=_next(next),
        login_nonce=nonce,
        error_key=error,
    )
    # Login CSRF: the form's nonce must come back with the same cookie (no other site can set or read it).
    response.headers.append("set-cookie", f"{LOGIN_COOKIE}={nonce}; Path=/login; HttpOnly; SameSite=Strict")
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Open a session for the account of the token given; refuse an unknown or revoked token."""
    form = await request.form(max_fields=10, max_files=0)
    target = _next(form_text(form, "next"))
    nonce = form_text(form, "login_nonce")
    if not nonce or nonce != request.cookies.get(LOGIN_COOKIE):
        return _login_form(request, target, "wb.login.stale", 403)
    token = form_text(form, "token")
    store, base = request.app.state.store, request.app.state.settings.base_iri
    account = account_for_token(store, base, token) if token else None
    if account is None:
        return _login_form(request, target, "wb.login.refused", 401)
    cookie = session_keeper(request).issue(account.name, token_hash(token))
    response = see_other(target)
    response.headers.append("set-cookie", cookie_header(cookie, secure(request)))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session (its cookie is refused from now on) and go back to the sign-in page."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    await checked_form(request, who)
    session_keeper(request).end(who.session)
    response = see_other("/login?signed_out=1")
    response.headers.append("set-cookie", cookie_header("", secure(request), 0))
    return response


@router.get("/registrations", response_class=HTMLResponse)
def dashboard(request: Request, registry: Annotated[Registry, Depends(get_registry)]) -> Response:
    """Return the dashboard: the applications the account may see, by status."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    items = registry.application_summaries(who.account)
    by_status = {s: [i for i in items if i["status"] == s] for s in STATES}
    return workbench_page(
        request,
        who,
        "registrations.html",
        title_key="wb.dashboard.title",
        by_status=by_status,
        total=len(items),
        may_create=who.account.role in (APPLICANT, ADMIN),
        who_submits=submitters_by_subsector(registry.policy, registry.store, registry.base)
        if who.account.role != APPLICANT
        else None,
    )


@router.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    registry: Annotated[Registry, Depends(get_registry)],
    subsector: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Return the reviewers' queue: submitted, assigned to me, changes requested — by sub-sector, oldest first."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    if who.account.role not in (REVIEWER, ADMIN):
        raise Forbidden(f"the review queue is for reviewers and admins; « {who.account.name} » is {who.account.role}")
    key = card.subsector_key(subsector) if subsector else None
    if subsector and key is None:
        raise InputError(f"« {subsector} » is not a sub-sector; use one of {', '.join(card.SUBSECTORS)}")
    items = registry.application_summaries(who.account, subsector=key)
    today = dt.datetime.now(dt.UTC)

    def age(item: dict[str, object]) -> int:
        moment = dt.datetime.fromisoformat(str(item["modified"]).replace("Z", "+00:00"))
        return (today - moment).days

    for item in items:
        item["age"] = age(item)
    oldest = sorted(items, key=lambda i: str(i["modified"]))
    queues = {
        "submitted": [i for i in oldest if i["status"] == SUBMITTED],
        "mine": [i for i in oldest if i["status"] == UNDER_REVIEW and i["reviewer"] == who.account.name],
        "others": [i for i in oldest if i["status"] == UNDER_REVIEW and i["reviewer"] != who.account.name],
        "changes": [i for i in oldest if i["status"] == CHANGES_REQUESTED],
    }
    return workbench_page(
        request,
        who,
        "review.html",
        title_key="wb.review.title",
        queues=queues,
        subsector=key,
        subsectors=list(card.SUBSECTORS),
    )


@router.get("/registrations/{app_id}", response_class=HTMLResponse)
def application_page(
    request: Request, registry: Annotated[Registry, Depends(get_registry)], app_id: str = ID
) -> Response:
    """Return one application: its card, checks, changes since the last review, history and the actions allowed."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    app = registry.get(who.account, app_id)
    return _application(request, who, registry, app)


def _application(
    request: Request,
    who: SignedIn,
    registry: Registry,
    app: Application,
    error: str | None = None,
    report: CardReport | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang_problems = report.problems if report is not None else registry.check_card(app).problems
    history = registry.records.history(app)
    review = _last_review(history) if app.status == CHANGES_REQUESTED else None
    cells = app.cells(registry.base)
    choices = card_choices(registry.store, registry.base)
    lang = page_language(request)
    allowed = [a for a, _ in allowed_transitions(app.status, who.account.role) if a in PAGE_ACTIONS]
    reviewers = []
    if "assign" in allowed and who.account.role == ADMIN:
        reviewers = [a.name for a in list_accounts(registry.store, registry.base) if a.active and a.role != APPLICANT]
    code = cells.get("code", "")
    life = record_life(registry.store, registry.base, code) if code and app.status == PUBLISHED else None
    return workbench_page(
        request,
        who,
        "registration.html",
        status,
        life=life,
        may_amend=app.status == PUBLISHED and who.account.role in (APPLICANT, ADMIN) and not (life and life.ended),
        published_diff=_against_published(registry, app, cells),
        title_key="wb.application.title",
        app=app,
        cells=cells,
        sections=card_sections(cells, lang, choices, lang_problems, review.fields if review else None),
        unplaced=other_problems(lang_problems, lang),
        problems=lang_problems,
        review=review,
        changes=_changes_since_review(registry, who, app, history),
        history=list(reversed(history)),
        allowed=allowed,
        editable=any(a == "edit" for a, _ in allowed_transitions(app.status, who.account.role)),
        reviewers=reviewers,
        comment_rows=range(1, COMMENT_ROWS + 1),
        columns=[(f.column, f.english) for f in card.FIELDS],
        error=error,
    )


def _against_published(
    registry: Registry, app: Application, cells: dict[str, str]
) -> tuple[int, list[tuple[str, list[str], list[str]]]] | None:
    """Return, for an amendment (a code already published through the workflow), the version it amends and the
    fields it changes; None for a first application."""
    code = cells.get("code")
    if not code or app.status == PUBLISHED:
        return None
    try:
        current = registry.life.version(code)
    except CncError:
        return None  # not in the register graph: a first application (or a code an inventory file holds)
    published = current["card"]
    assert isinstance(published, dict)
    return int(str(current["version"])), _field_changes(published, card_json(cells))


def _field_changes(then: Mapping[str, object], now: Mapping[str, object]) -> list[tuple[str, list[str], list[str]]]:
    """Return (column, values then, values now) for each card field whose values differ, in card order."""
    return [
        (f.column, _as_list(then.get(f.column)), _as_list(now.get(f.column)))
        for f in card.FIELDS
        if then.get(f.column) != now.get(f.column)
    ]


def _last_review(history: list[HistoryEntry]) -> HistoryEntry | None:
    return next((e for e in reversed(history) if e.action == "request-changes"), None)


def _changes_since_review(
    registry: Registry, who: SignedIn, app: Application, history: list[HistoryEntry]
) -> list[tuple[str, list[str], list[str]]]:
    """Return (column, values then, values now) for each field changed since the reviewer last sent it back."""
    review = _last_review(history)
    if review is None or review.card_after is None:
        return []
    then = registry.version(who.account, app.id, review.card_after)["card"]
    assert isinstance(then, dict)
    return _field_changes(then, card_json(app.cells(registry.base)))


def _as_list(found: object) -> list[str]:
    if found is None:
        return []
    return [str(v) for v in found] if isinstance(found, list) else [str(found)]


@router.post("/registrations/{app_id}/{action}", response_class=HTMLResponse)
async def application_action(
    request: Request,
    registry: Annotated[Registry, Depends(get_registry)],
    app_id: str = ID,
    action: str = Path(pattern="^(" + "|".join(PAGE_ACTIONS) + ")$"),
) -> Response:
    """Take one action on an application (the form's ETag guards against a change made meanwhile)."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    form = await checked_form(request, who)
    if_match = form_text(form, "etag") or None
    comment = form_text(form, "comment") or None
    account = who.account
    try:
        if action == "submit":
            registry.submit(account, app_id, if_match)
        elif action == "assign":
            registry.assign(account, app_id, if_match, form_text(form, "reviewer") or None, comment)
        elif action == "request-changes":
            notes = {}
            for n in range(1, COMMENT_ROWS + 1):
                column, text = form_text(form, f"field_{n}"), form_text(form, f"field_comment_{n}")
                if column and text:
                    notes[column] = text
            registry.request_changes(account, app_id, if_match, comment, notes)
        elif action == "approve":
            registry.approve(account, app_id, if_match, comment)
        elif action == "reject":
            registry.reject(account, app_id, if_match, form_text(form, "reason"))
        elif action == "publish":
            registry.publish(account, app_id, if_match)
        else:
            registry.withdraw(account, app_id, if_match, comment)
    except ValidationFailed as failed:
        app = registry.get(account, app_id)
        report = failed.report if isinstance(failed.report, CardReport) else None
        return _application(request, who, registry, app, str(failed), report, 422)
    except CncError as refused:
        if refused.http_status == 404:
            raise
        app = registry.get(account, app_id)
        return _application(request, who, registry, app, refused.user_message(), status=refused.http_status)
    return see_other(f"/registrations/{app_id}?done={action}")

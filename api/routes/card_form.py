"""The card form: a new application's card and a draft's edits, generated from the one card schema.

``GET /registrations/new`` and ``/registrations/{id}/edit`` show the form (``cnc_graph.card.form``: the shapes'
labels, help, requirements and limits; the store's choices). A post saves the draft — whatever it lacks — or,
with the « submit » button, saves and submits it; a value that cannot be read, or a submission the shapes
refuse, comes back on the form with each message next to its field and every value as typed, nothing lost.
``POST /registrations/check`` gives the same messages for the form's live checks, writing nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.card_view import card_sections, cells_from_form, other_problems
from api.deps import page_language
from api.routes.registrations import get_registry
from api.workbench import PRIVATE_HEADERS, SignedIn, checked_form, form_text, see_other, signed_in, to_sign_in
from api.workbench import workbench_page as page
from cnc_graph.card.choices import card_choices
from cnc_graph.errors import CncError, Forbidden, ValidationFailed
from cnc_graph.registry.checks import CardReport, FieldProblem
from cnc_graph.registry.records import Application
from cnc_graph.registry.service import Registry
from cnc_graph.registry.workflow import ADMIN, APPLICANT, CHANGES_REQUESTED

router = APIRouter(tags=["workflow pages"], include_in_schema=False)
ID = Path(pattern=r"^r[0-9a-f]{12}$")


def _form(
    request: Request,
    who: SignedIn,
    registry: Registry,
    cells: dict[str, str],
    app: Application | None,
    problems: list[FieldProblem] | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = page_language(request)
    choices = card_choices(registry.store, registry.base)
    comments = None
    if app is not None and app.status == CHANGES_REQUESTED:
        review = next((e for e in reversed(registry.records.history(app)) if e.action == "request-changes"), None)
        comments = review.fields if review else None
    return page(
        request,
        who,
        "card_form.html",
        status,
        title_key="wb.form.edit_title" if app else "wb.form.new_title",
        app=app,
        sections=card_sections(cells, lang, choices, problems or [], comments),
        unplaced=other_problems(problems or [], lang),
        organisations=[(c.value, *c.label(lang)) for c in choices.for_field("organisation", ())]
        if who.account.role == ADMIN
        else [],
        error=error,
        review_comment=_review_comment(registry, app),
    )


def _review_comment(registry: Registry, app: Application | None) -> str | None:
    if app is None or app.status != CHANGES_REQUESTED:
        return None
    review = next((e for e in reversed(registry.records.history(app)) if e.action == "request-changes"), None)
    return review.comment if review else None


@router.get("/registrations/new", response_class=HTMLResponse)
def new_card(request: Request, registry: Annotated[Registry, Depends(get_registry)]) -> Response:
    """Return the empty card form."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    if who.account.role not in (APPLICANT, ADMIN):
        raise Forbidden(f"reviewers do not create applications; « {who.account.name} » is {who.account.role}")
    return _form(request, who, registry, {}, None)


@router.post("/registrations/new", response_class=HTMLResponse)
async def create_card(request: Request, registry: Annotated[Registry, Depends(get_registry)]) -> Response:
    """Save a new draft (and submit it, with the « submit » button)."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    form = await checked_form(request, who)
    cells, refused = cells_from_form(form)
    if refused:
        return _form(request, who, registry, cells, None, refused, "wb.form.not_saved", 422)
    try:
        app = registry.create(who.account, cells, form_text(form, "organisation") or None)
    except ValidationFailed as failed:
        problems = failed.report.problems if isinstance(failed.report, CardReport) else []
        return _form(request, who, registry, cells, None, problems, "wb.form.not_saved", 422)
    except CncError as error:
        if error.http_status == 404:
            raise
        return _form(request, who, registry, cells, None, None, error.user_message(), error.http_status)
    return _saved(request, who, registry, app, cells, form_text(form, "then") == "submit")


def _saved(
    request: Request, who: SignedIn, registry: Registry, app: Application, cells: dict[str, str], submit: bool
) -> Response:
    if not submit:
        return see_other(f"/registrations/{app.id}?done=save")
    try:
        registry.submit(who.account, app.id, app.etag)
    except ValidationFailed as failed:
        saved = registry.get(who.account, app.id)
        problems = failed.report.problems if isinstance(failed.report, CardReport) else []
        return _form(request, who, registry, cells, saved, problems, "wb.form.saved_not_submitted", 422)
    except CncError as error:
        if error.http_status == 404:
            raise
        saved = registry.get(who.account, app.id)
        return _form(request, who, registry, cells, saved, None, error.user_message(), error.http_status)
    return see_other(f"/registrations/{app.id}?done=submit")


@router.get("/registrations/{app_id}/edit", response_class=HTMLResponse)
def edit_card(request: Request, registry: Annotated[Registry, Depends(get_registry)], app_id: str = ID) -> Response:
    """Return the form of a draft (or of a card sent back for changes), with the reviewer's comments."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    app = registry.get(who.account, app_id)
    return _form(request, who, registry, app.cells(registry.base), app)


@router.post("/registrations/{app_id}/edit", response_class=HTMLResponse)
async def save_card(
    request: Request, registry: Annotated[Registry, Depends(get_registry)], app_id: str = ID
) -> Response:
    """Save the draft's card as posted (and submit it, with the « submit » button)."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    form = await checked_form(request, who)
    app = registry.get(who.account, app_id)
    cells, refused = cells_from_form(form)
    if refused:
        return _form(request, who, registry, cells, app, refused, "wb.form.not_saved", 422)
    try:
        app = registry.edit(who.account, app_id, cells, form_text(form, "etag") or None)
    except ValidationFailed as failed:
        problems = failed.report.problems if isinstance(failed.report, CardReport) else []
        return _form(request, who, registry, cells, app, problems, "wb.form.not_saved", 422)
    except CncError as error:
        if error.http_status == 404:
            raise
        return _form(request, who, registry, cells, app, None, error.user_message(), error.http_status)
    return _saved(request, who, registry, app, cells, form_text(form, "then") == "submit")


@router.post("/registrations/check")
async def check_card(request: Request, registry: Annotated[Registry, Depends(get_registry)]) -> Response:
    """Return the checks' messages on a card as the form holds it now, by field, in the page's language."""
    who = signed_in(request)
    if who is None:
        return JSONResponse({"detail": "sign in again"}, status_code=401, headers=PRIVATE_HEADERS)
    form = await checked_form(request, who)
    cells, refused = cells_from_form(form)
    report = CardReport(refused) if refused else registry.check_cells(cells)
    lang = page_language(request)
    fields: dict[str, list[dict[str, str | None]]] = {}
    for p in report.problems:
        text = p.messages.get(lang) or p.messages.get("fr") or p.messages.get("en") or ""
        text_lang = lang if p.messages.get(lang) else ("fr" if p.messages.get("fr") else "en")
        fields.setdefault(p.field or "", []).append({"severity": p.severity, "text": text, "lang": text_lang})
    return JSONResponse({"fields": fields, "violations": len(report.violations)}, headers=PRIVATE_HEADERS)

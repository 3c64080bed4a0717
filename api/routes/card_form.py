"""The card form: a new application's card and a draft's edits, generated from the one card schema.

``GET /registrations/new`` and ``/registrations/{id}/edit`` show the form (``cnc_graph.card.form``: the shapes'
labels, help, requirements and limits; the store's choices). A post saves the draft — whatever it lacks — or,
with the « submit » button, saves and submits it; a value that cannot be read, or a submission the shapes
refuse, comes back on the form with each message next to its field and every value as typed, nothing lost.
``POST /registrations/check`` gives the same messages for the form's live checks, writing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import FormData

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
    review = None
    if app is not None and app.status == CHANGES_REQUESTED:
        review = next((e for e in reversed(registry.records.history(app)) if e.action == "request-changes"), None)
    return page(
        request,
        who,
        "card_form.html",
        status,
        title_key="wb.form.edit_title" if app else "wb.form.new_title",
        app=app,
        sections=card_sections(cells, lang, choices, problems or [], review.fields if review else None),
        unplaced=other_problems(problems or [], lang),
        organisations=[(c.value, *c.label(lang)) for c in choices.for_field("organisation", ())]
        if who.account.role == ADMIN
        else [],
        error=error,
        review_comment=review.comment if review else None,
    )


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
    organisation = form_text(form, "organisation") or None
    return _save(request, who, registry, form, None, lambda cells: registry.create(who.account, cells, organisation))


def _save(
    request: Request,
    who: SignedIn,
    registry: Registry,
    form: FormData,
    app: Application | None,
    write: Callable[[dict[str, str]], Application],
) -> Response:
    """Write the posted card (``write``), then submit it if asked; what is refused comes back on the form."""
    cells, refused = cells_from_form(form)
    if refused:
        return _form(request, who, registry, cells, app, refused, "wb.form.not_saved", 422)
    saved = _attempt(request, who, registry, cells, app, lambda: write(cells), "wb.form.not_saved")
    if not isinstance(saved, Application):
        return saved
    if form_text(form, "then") != "submit":
        return see_other(f"/registrations/{saved.id}?done=save")

    def submit() -> Application:
        return registry.submit(who.account, saved.id, saved.etag)[0]

    done = _attempt(request, who, registry, cells, saved, submit, "wb.form.saved_not_submitted")
    return done if not isinstance(done, Application) else see_other(f"/registrations/{saved.id}?done=submit")


def _attempt(
    request: Request,
    who: SignedIn,
    registry: Registry,
    cells: dict[str, str],
    app: Application | None,
    action: Callable[[], Application],
    not_done: str,
) -> Application | HTMLResponse:
    """Return what ``action`` returns, or the form with why it was refused (every value as typed)."""
    try:
        return action()
    except ValidationFailed as failed:
        shown = registry.get(who.account, app.id) if app is not None else None
        problems = failed.report.problems if isinstance(failed.report, CardReport) else []
        return _form(request, who, registry, cells, shown, problems, not_done, 422)
    except CncError as error:
        if error.http_status == 404:
            raise
        shown = registry.get(who.account, app.id) if app is not None else None
        return _form(request, who, registry, cells, shown, None, error.user_message(), error.http_status)


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
    etag = form_text(form, "etag") or None
    return _save(request, who, registry, form, app, lambda cells: registry.edit(who.account, app_id, cells, etag))


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

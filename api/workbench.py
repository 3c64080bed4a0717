"""The signed-in side of the site (the registration workflow's pages): who is signed in, their pages and forms.

``signed_in`` reads the session cookie (``api.session``) and the live account behind it; ``workbench_page``
renders a page of the workflow with the user, the session's CSRF token and a renewed cookie; ``checked_form``
reads a posted form and refuses it (403) without this session's CSRF token. These pages are never kept
(``Cache-Control: no-store``): they show private applications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from api.deps import get_settings, get_store, page_language
from api.rendering import render_page
from api.session import SESSION_COOKIE, Session, SessionKeeper, cookie_header
from cnc_graph.errors import Forbidden
from cnc_graph.registry.accounts import Account, live_account
from cnc_graph.registry.workflow import ADMIN

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Vary": "Cookie, Accept-Language"}
#: What ``?done=`` may say a page has just done (``wb.done.*``).
DONE = (
    "save",
    "submit",
    "assign",
    "request-changes",
    "approve",
    "reject",
    "publish",
    "withdraw",
    "withdraw-qualification",
    "supersede-qualification",
)
#: The largest form accepted from a page (the card with every field at its limit is well under it).
FORM_MAX_FIELDS = 5_000


@dataclass(frozen=True)
class SignedIn:
    """The account behind a request's session, the session and its CSRF token."""

    account: Account
    session: Session
    csrf: str


def session_keeper(request: Request) -> SessionKeeper:
    """Return the application's session keeper (made at the first request, with the settings' key)."""
    state = request.app.state
    keeper = getattr(state, "session_keeper", None)
    if keeper is None:
        settings = get_settings(request)
        keeper = SessionKeeper(settings.session_secret, settings.session_minutes * 60)
        state.session_keeper = keeper
    return keeper


def signed_in(request: Request) -> SignedIn | None:
    """Return who is signed in on this request, or None (no session, or one that ended, or a revoked account)."""
    keeper = session_keeper(request)
    session = keeper.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    found = live_account(get_store(request), get_settings(request).base_iri, session.name)
    if found is None or keeper.fingerprint(found[1]) != session.fingerprint:
        return None
    return SignedIn(found[0], session, keeper.csrf_token(session))


def secure(request: Request) -> bool:
    """Return whether the request came over HTTPS (the cookie is then marked Secure)."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def to_sign_in(request: Request) -> RedirectResponse:
    """Return the redirection to the sign-in page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303, headers=PRIVATE_HEADERS)
    if request.cookies.get(SESSION_COOKIE):
        response.headers.append("set-cookie", cookie_header("", secure(request), 0))
    return response


def workbench_page(
    request: Request, who: SignedIn | None, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """Return a page of the workflow in the visitor's language, its session renewed."""
    lang = page_language(request)
    settings = get_settings(request)
    done = request.query_params.get("done")
    body = render_page(
        request,
        template,
        lang,
        **{
            "section": "workspace",
            "user": who.account if who else None,
            "csrf": who.csrf if who else "",
            "submitters": settings.submitters,
            "session_minutes": settings.session_minutes,
            "done": done if done in DONE else None,
            "request_signed_out": request.query_params.get("signed_out") == "1",
        }
        | context,
    )
    response = HTMLResponse(body, status_code=status, headers=PRIVATE_HEADERS | {"Content-Language": lang})
    if who is not None:
        response.headers.append(
            "set-cookie", cookie_header(session_keeper(request).renewed(who.session), secure(request))
        )
    return response


async def checked_form(request: Request, who: SignedIn) -> FormData:
    """Return the posted form; Forbidden unless it carries this session's CSRF token."""
    form = await request.form(max_fields=FORM_MAX_FIELDS, max_files=0)
    token = form.get("csrf")
    if not session_keeper(request).csrf_ok(who.session, token if isinstance(token, str) else None):
        raise Forbidden(
            "this form was not sent from this session's page (its CSRF token is missing or wrong): "
            "reload the page and send it again"
        )
    return form


async def posted(request: Request, admin: bool = False) -> tuple[SignedIn, FormData] | Response:
    """Return who posted and the checked form; or the way to sign in; Forbidden for a non-admin when ``admin``."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    if admin:
        require_admin(who)
    return who, await checked_form(request, who)


def require_admin(who: SignedIn) -> None:
    """Raise Forbidden unless the signed-in account is an admin's."""
    if who.account.role != ADMIN:
        raise Forbidden(f"only an admin may do this; « {who.account.name} » is {who.account.role}")


def see_other(path: str) -> Response:
    """Return the redirection after a successful form post (the page is then reloaded by GET)."""
    return RedirectResponse(path, status_code=303, headers=PRIVATE_HEADERS)


def form_text(form: FormData, name: str) -> str:
    """Return a form field's text, stripped ('' when absent)."""
    found = form.get(name)
    return found.strip() if isinstance(found, str) else ""

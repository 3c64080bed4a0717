"""The one mapping of errors to answers: ``application/problem+json`` (RFC 9457), or an HTML page for browsers.

Each library error class carries its HTTP status and title (``cnc_graph.errors``); this module turns it, request
validation errors, HTTP errors and unexpected exceptions into the problem+json answer, or, for a client that
prefers ``text/html`` (a browser), into the error page in the site's layout with the same status and detail.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.i18n import LANGUAGE_COOKIE, catalogue
from api.negotiation import HTML, accepted_media
from api.rendering import render_page
from cnc_graph.errors import CncError, InputError
from cnc_graph.labels import choose_language

LOG = logging.getLogger("cnc_graph.api")

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    """Return a problem+json response."""
    body: dict[str, object] = {"type": "about:blank", "status": status, "title": title, "detail": detail} | extra
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def error_title(exc: CncError) -> str:
    """Return the problem title of a library error: its own, else the status's standard phrase."""
    if exc.http_title != CncError.http_title or exc.http_status == CncError.http_status:
        return exc.http_title
    return status_phrase(exc.http_status)


def error_problem(exc: CncError) -> JSONResponse:
    """Return the problem+json answer for a library error (its status, title, structured members and headers)."""
    response = problem(exc.http_status, error_title(exc), str(exc), **exc.problem_extra())
    response.headers.update(exc.http_headers())
    return response


def prefers_html(request: Request) -> bool:
    """Return whether the client ranks ``text/html`` above JSON (a browser's Accept does; an API client's not)."""
    for media in accepted_media(request.headers.get("accept"), specific_first=True):
        if media == HTML:
            return True
        if media in (PROBLEM_JSON, "application/json", "*/*") or media.endswith("+json"):
            return False
    return False


def error_page(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Return the HTML error page: the status in words in the visitor's language and what was wrong."""
    try:
        lang = choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))
    except InputError:
        lang = choose_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    heading = f"error.{status}" if f"error.{status}" in catalogue("fr") else "error.other"
    page = render_page(
        request, "error.html", lang, status=status, heading=heading, detail=detail, phrase=status_phrase(status)
    )
    return HTMLResponse(page, status_code=status, headers={**(headers or {}), "Vary": "Accept"})


def _answer(
    request: Request, status: int, title: str, detail: str, headers: dict[str, str], **extra: object
) -> Response:
    if prefers_html(request):
        return error_page(request, status, detail, headers)
    response = problem(status, title, detail, **extra)
    response.headers.update(headers)
    return response


def install_problem_handlers(app: FastAPI) -> None:
    """Map library errors, request validation errors, HTTP errors and unexpected exceptions to answers."""

    @app.exception_handler(CncError)
    async def cnc_error(request: Request, exc: CncError) -> Response:
        return _answer(request, exc.http_status, error_title(exc), str(exc), exc.http_headers(), **exc.problem_extra())

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', '')}" for err in exc.errors()
        )
        return _answer(request, 400, "Bad request", details or "invalid request", {})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(getattr(exc, "headers", None) or {})
        detail = str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found" and prefers_html(request):
            detail = f"nothing is published at {request.url.path}"
        return _answer(request, exc.status_code, status_phrase(exc.status_code), detail, headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        LOG.exception("unexpected error answering %s %s", request.method, request.url.path)
        return _answer(request, 500, "Internal Server Error", "an unexpected error happened; it was logged", {})


def status_phrase(status: int) -> str:
    """Return the standard phrase of an HTTP status ("Not Found"), or ``Error`` for an unknown one."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

"""The one mapping of errors to ``application/problem+json`` (RFC 9457): status, title, detail.

Each library error class carries its HTTP status and title (``cnc_graph.errors``); this module turns it, request
validation errors and HTTP errors into the problem+json answer.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cnc_graph.errors import CncError

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


def install_problem_handlers(app: FastAPI) -> None:
    """Map library errors, request validation errors and HTTP errors to problem+json."""

    @app.exception_handler(CncError)
    async def cnc_error(request: Request, exc: CncError) -> JSONResponse:
        return error_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', '')}" for err in exc.errors()
        )
        return problem(400, "Bad request", details or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(exc.status_code, status_phrase(exc.status_code), str(exc.detail))
        response.headers.update(getattr(exc, "headers", None) or {})
        return response


def status_phrase(status: int) -> str:
    """Return the standard phrase of an HTTP status ("Not Found"), or ``Error`` for an unknown one."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

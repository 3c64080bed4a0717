"""Errors mapped once to ``application/problem+json`` (RFC 9457): status, title, detail."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cnc_graph.errors import (
    CncError,
    Conflict,
    Forbidden,
    InputError,
    InputErrors,
    NotFound,
    StoreError,
    ValidationFailed,
)

PROBLEM_JSON = "application/problem+json"

STATUS: list[tuple[type[CncError], int, str]] = [
    (NotFound, 404, "Not found"),
    (Forbidden, 403, "Forbidden"),
    (Conflict, 409, "Conflict"),
    (ValidationFailed, 422, "Validation failed"),
    (InputErrors, 400, "Bad request"),
    (InputError, 400, "Bad request"),
    (StoreError, 503, "Store unavailable"),
]


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    """Return a problem+json response."""
    body: dict[str, object] = {"type": "about:blank", "status": status, "title": title, "detail": detail} | extra
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    """Map library errors, request validation errors and HTTP errors to problem+json."""

    @app.exception_handler(CncError)
    async def cnc_error(request: Request, exc: CncError) -> JSONResponse:
        own_status = getattr(exc, "http_status", None)
        if own_status:
            return problem(own_status, _title(own_status), str(exc))
        for kind, status, title in STATUS:
            if isinstance(exc, kind):
                extra: dict[str, object] = {}
                if isinstance(exc, ValidationFailed):
                    extra["errors"] = [r.to_dict() for r in exc.report.violations]  # type: ignore[attr-defined]
                if isinstance(exc, InputErrors):
                    extra["errors"] = [
                        {"detail": e.localised("en"), "detail_fr": e.localised("fr")} for e in exc.errors
                    ]
                return problem(status, title, str(exc), **extra)
        return problem(400, "Bad request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', '')}" for err in exc.errors()
        )
        return problem(400, "Bad request", details or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(exc.status_code, _title(exc.status_code), str(exc.detail))
        response.headers.update(getattr(exc, "headers", None) or {})
        return response


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"

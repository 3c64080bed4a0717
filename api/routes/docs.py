"""The API's documentation pages: Swagger UI at ``/docs`` and ReDoc at ``/redoc``, from our own ``/static/``.

FastAPI's default pages load both from a CDN; these load the vendored copies (``api/static/vendor/``), so the
documentation works offline and the pages load no third-party code. Without JavaScript each page still links
the OpenAPI description.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import get_language
from api.i18n import message
from api.rendering import render_page

router = APIRouter(tags=["pages"])
VIEWERS = {"swagger": "/docs", "redoc": "/redoc"}


def _docs_page(request: Request, lang: str, viewer: str) -> HTMLResponse:
    title = message(f"docs.{viewer}_title", lang).text
    body = render_page(
        request,
        "docs.html",
        lang,
        section="api",
        title=title,
        viewer=viewer,
        viewers=VIEWERS,
        spec=request.app.openapi_url or "/openapi.json",
    )
    return HTMLResponse(body, headers={"Vary": "Accept-Language, Cookie", "Content-Language": lang})


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def swagger_ui(request: Request, lang: Annotated[str, Depends(get_language)]) -> HTMLResponse:
    """Return the interactive API documentation (Swagger UI, served from ``/static/vendor/swagger-ui``)."""
    return _docs_page(request, lang, "swagger")


@router.get("/redoc", response_class=HTMLResponse, include_in_schema=False)
def redoc(request: Request, lang: Annotated[str, Depends(get_language)]) -> HTMLResponse:
    """Return the API reference (ReDoc, served from ``/static/vendor/redoc``)."""
    return _docs_page(request, lang, "redoc")

"""The FastAPI application: created once per process around one open store."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api import compare, dumps, frameworks, html, linked_data, qualifications, registrations, sparql
from api.deps import get_language, get_store
from api.problems import install_problem_handlers, problem
from cnc_graph import __version__
from cnc_graph.search import search_index
from cnc_graph.settings import Settings
from cnc_graph.sparql.cache import with_result_cache
from cnc_graph.sparql.runner import make_query_runner
from cnc_graph.store.protocol import GraphStore
from cnc_graph.store.selector import open_store

DESCRIPTION = """Linked-data knowledge graph of Morocco's National Qualifications Framework (CNC): frameworks and
levels (CNC, EQF, ACQF, ISCED), the register of qualifications, comparisons with their mapping evidence,
a read-only SPARQL 1.1 endpoint, dereferenceable IRIs and dumps. Errors are `application/problem+json`.
Labels follow `lang=` (fr, ar, en) or `Accept-Language`; a `*_lang` field shows the language actually used."""


class BodySizeLimit:
    """Refuse request bodies larger than the configured limit with 413, before reading them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> dict[str, object]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))  # type: ignore[arg-type]
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message  # type: ignore[return-value]

        try:
            await self.app(scope, limited_receive, send)  # type: ignore[arg-type]
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "Content Too Large", f"the request body is larger than {self.max_bytes} bytes")
        await response(scope, receive, send)


class BodyTooLarge(Exception):
    """Raised inside the body-size middleware when a streamed body passes the limit."""


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """Return the application serving ``store`` (opened from ``settings`` when not given)."""
    settings = settings or Settings.from_env()
    store = store or open_store(settings.store, settings.base_iri)
    store_path = getattr(store, "path", None)
    dumps_dir = Path(store_path).parent / "dumps" if store_path else Path(tempfile.mkdtemp(prefix="cnc-dumps-"))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        runner = getattr(app.state, "query_runner", None)
        if runner is not None:
            runner.close()

    app = FastAPI(title="CNC Graph", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.store = store
    app.state.dumps_dir = dumps_dir
    app.state.query_runner = with_result_cache(make_query_runner(store, settings), store, settings)
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-CNC-Results-Truncated", "X-CNC-Cache", "ETag", "Location"],
    )
    for module in (sparql, frameworks, qualifications, compare, linked_data, dumps, registrations):
        app.include_router(module.router)

    @app.get("/health", summary="Liveness: the store answers a query", tags=["service"])
    def health() -> dict[str, object]:
        """Return ok when the store answers (a constant-time ASK, so it is cheap to poll)."""
        store.query("ASK { }")
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse, summary="Home page", tags=["pages"])
    def home(lang: str = Depends(get_language)) -> str:
        """Return the home page: the frameworks and what one can do here."""
        rows = [
            [
                html.link(f"/api/frameworks/{f['key']}/levels?lang={lang}", str(f["key"])),
                html.text(f["label"], f["label_lang"], lang),
                str(f["levels"]),
            ]  # type: ignore[arg-type]
            for f in frameworks.list_frameworks(store, lang)
        ]
        body = (
            "<p>Morocco's National Qualifications Framework (CNC) as linked data: frameworks, the register of "
            "qualifications, comparisons with EQF, ACQF and ISCED, SPARQL and dumps.</p>"
            + html.table(["framework", "name", "levels"], rows)
            + "<p>"
            + html.link("/qualifications", "Search the register")
            + " · "
            + html.link("/sparql", "SPARQL")
            + " · "
            + html.link("/docs", "API documentation")
            + "</p>"
        )
        return html.page("CNC Graph", body, lang)

    @app.get("/qualifications", response_class=HTMLResponse, summary="Search page", tags=["pages"])
    def qualifications_page(
        q: str | None = Query(None, max_length=200),
        level: str | None = Query(None, max_length=30),
        subsector: str | None = Query(None, max_length=40),
        page: int = Query(1, ge=1, le=100_000),
        lang: str = Depends(get_language),
        graph_store: GraphStore = Depends(get_store),
    ) -> str:
        """Return the register's search page (the same search as the API)."""
        result = search_index(graph_store).search(q, level or None, subsector or None, None, lang, page, 50)
        rows = [
            [
                html.link(f"/api/qualifications/{i['code']}?lang={lang}", str(i["code"])),
                html.text(i["title"], i["title_lang"], lang),  # type: ignore[arg-type]
                html.escape(str(i["level"].get("cnc", "—"))),
                html.escape(str(i["subsector"])),
            ]  # type: ignore[union-attr]
            for i in result.items
        ]
        form = (
            "<form method='get'><input name='q' placeholder='titre, title, عنوان' value='"
            + html.escape(q or "", quote=True)
            + "'> <input name='level' placeholder='cnc:5' value='"
            + html.escape(level or "", quote=True)
            + "' size='8'> <button>Search</button></form>"
        )
        body = (
            form + f"<p>{result.total} qualification(s)</p>" + html.table(["code", "title", "CNC", "sub-sector"], rows)
        )
        return html.page("Qualifications", body, lang)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    return app


__all__ = ["Request", "create_app"]

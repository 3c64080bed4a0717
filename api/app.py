"""The FastAPI application: created once per process around one open store."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.middleware import BodySizeLimit, HeadAsGet, KeepLanguage, SecurityHeaders
from api.problems import install_problem_handlers
from api.rendering import STATIC
from api.routes import (
    account_pages,
    accounts,
    card_form,
    changes,
    compare,
    compare_pages,
    concepts,
    docs,
    dumps,
    framework_pages,
    frameworks,
    linked_data,
    pages,
    qualification_life,
    qualification_page,
    qualifications,
    register,
    register_pages,
    registrations,
    service,
    sparql,
    versions_page,
    workflow_pages,
)
from cnc_graph import __version__
from cnc_graph.settings import Settings
from cnc_graph.sparql.cache import with_result_cache
from cnc_graph.sparql.runner import QueryRunner, make_query_runner
from cnc_graph.store.protocol import GraphStore
from cnc_graph.store.selector import open_store

DESCRIPTION = """Linked-data knowledge graph of Morocco's National Qualifications Framework (CNC): frameworks and
levels (CNC, EQF, ACQF, ISCED), the register of qualifications, comparisons with their mapping evidence,
a read-only SPARQL 1.1 endpoint, dereferenceable IRIs and dumps. Errors are `application/problem+json`.
Labels follow `lang=` (fr, ar, en) or `Accept-Language`; a `*_lang` field shows the language actually used."""


def create_app(
    settings: Settings | None = None, store: GraphStore | None = None, runner: QueryRunner | None = None
) -> FastAPI:
    """Return the application serving ``store`` (opened from ``settings`` when not given).

    ``runner`` runs the ``/sparql`` queries; by default the store's own query runner behind the result cache.
    """
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

    app = FastAPI(
        title="CNC Graph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc are ours (api.routes.docs): their assets are served from /static/
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.dumps_dir = dumps_dir
    app.state.query_runner = runner or with_result_cache(make_query_runner(store, settings), store, settings)
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-CNC-Results-Truncated", "X-CNC-Cache", "ETag", "Location"],
    )
    app.add_middleware(KeepLanguage)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)  # outermost: every layer below sees a GET
    routers = [
        sparql,
        frameworks,
        qualification_life,
        qualifications,
        compare,
        linked_data,
        dumps,
        registrations,
        accounts,
        service,
    ]
    routers += [changes, pages, register]
    routers += [versions_page, qualification_page, framework_pages, compare_pages, docs, concepts]
    routers += [
        card_form,
        register_pages,
        workflow_pages,
        account_pages,
    ]  # card_form first: /registrations/new before /{id}
    for module in routers:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    return app

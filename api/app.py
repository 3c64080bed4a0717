"""The FastAPI application: created once per process around one open store."""

from __future__ import annotations

from html import escape

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from cnc_graph import __version__
from cnc_graph.queries import select, value
from cnc_graph.settings import Settings
from cnc_graph.store import GraphStore, open_store


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """Return the application serving ``store`` (opened from ``settings`` when not given)."""
    settings = settings or Settings.from_env()
    store = store or open_store(settings.store, settings.base_iri)
    app = FastAPI(
        title="CNC Graph",
        version=__version__,
        description="Linked-data knowledge graph of Morocco's National Qualifications Framework (CNC).",
    )
    app.state.settings = settings
    app.state.store = store

    @app.get("/health", summary="Liveness and store summary")
    def health() -> dict[str, object]:
        """Return ok and the number of public named graphs."""
        return {"status": "ok", "version": __version__, "graphs": len(store.graphs(public_only=True))}

    @app.get("/", response_class=HTMLResponse, summary="Home page")
    def home(request: Request) -> str:
        """Return a small HTML overview of the frameworks in the graph."""
        rows = select(store, "framework_levels")
        items = "".join(
            f"<tr><td>{escape(value(r['key']) or '')}</td><td>{escape(value(r['name']) or '')}</td>"
            f"<td>{escape(value(r['levels']) or '0')}</td><td>{escape(value(r['domains']) or '0')}</td></tr>"
            for r in rows
        )
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>CNC Graph</title></head><body>"
            "<h1>CNC Graph</h1><p>Morocco's National Qualifications Framework as linked data.</p>"
            "<table><thead><tr><th>framework</th><th>name</th><th>levels</th><th>descriptor domains</th></tr></thead>"
            f"<tbody>{items}</tbody></table><p><a href='/docs'>API documentation</a></p></body></html>"
        )

    return app

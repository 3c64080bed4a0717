"""The full ``cnc-graph`` command: the library's commands plus ``serve``, which starts this API.

``serve`` lives here, not in ``cnc_graph.cli``, so that the library never imports the API (DESIGN: api → cnc_graph).
"""

from __future__ import annotations

from typing import Annotated

import typer

from cnc_graph.cli import app
from cnc_graph.cli_support import StoreOption, run, settings_for
from cnc_graph.console import err
from cnc_graph.store.selector import open_store


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    store: StoreOption = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request (off: it costs under load).")
    ] = False,
) -> None:
    """Serve the API and web pages, building the graph first when the store is empty."""
    import uvicorn  # imported here so that the other commands start without the web stack

    from api.app import create_app
    from cnc_graph.build import build as build_graph

    settings = settings_for(store)

    def action() -> None:
        graph_store = open_store(settings.store, settings.base_iri)
        if not graph_store.graphs(public_only=True):
            err.print(f"the store {settings.store} is empty: building it first…")
            summary = build_graph(graph_store, settings)
            err.print(f"built: {sum(summary.graphs.values())} triples in {summary.seconds:.1f} s")
        err.print(f"serving on http://{host}:{port}/ (store {settings.store})")
        try:
            uvicorn.run(
                create_app(settings, graph_store),
                host=host,
                port=port,
                log_level="info",
                access_log=access_log,
            )
        finally:
            graph_store.close()

    run(action)


if __name__ == "__main__":  # pragma: no cover
    app()

"""``/dumps``: full dumps (whole graph and per named graph) described with DCAT and VoID, streamed from disk."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path as FsPath

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse, Response

from api.deps import get_settings, get_store, page_language
from api.i18n import message
from api.negotiation import choose_rdf
from api.rendering import render_page
from cnc_graph.errors import NotFound
from cnc_graph.publish.catalog import catalog as dump_catalog
from cnc_graph.publish.catalog import dump_keys
from cnc_graph.publish.dumps import dump_name, write_dump
from cnc_graph.publish.serialise import serialise
from cnc_graph.rdf.query_files import select, value
from cnc_graph.rdf.syntaxes import SYNTAXES
from cnc_graph.settings import Settings
from cnc_graph.store.generation import public_generation
from cnc_graph.store.protocol import GraphStore

router = APIRouter(tags=["dumps"])
_LOCK = threading.Lock()
NAME = re.compile(r"^[a-z0-9-]+\.(nt|ttl|jsonld)$")


def dumps_dir(request: Request) -> FsPath:
    """Return the folder where dumps are written (beside the store, or a temporary folder)."""
    return request.app.state.dumps_dir


@router.get(
    "/dumps",
    summary="The dumps on offer, described with DCAT and VoID",
    responses={200: {"content": {"application/ld+json": {}, "text/turtle": {}, "text/html": {}}}},
)
def list_dumps(
    request: Request, store: GraphStore = Depends(get_store), settings: Settings = Depends(get_settings)
) -> Response:
    """Return the DCAT catalogue (JSON-LD by default, Turtle by Accept, HTML for browsers)."""
    chosen = choose_rdf(request, default="jsonld")
    url = str(request.url_for("list_dumps"))
    if chosen == "html":
        listed = [
            {"key": key, "count": count, "links": [(s, f"{url}/{dump_name(key, s)}") for s in ("nt", "ttl", "jsonld")]}
            for key, count in dump_keys(store, settings.base_iri).items()
        ]
        lang = page_language(request)
        page = render_page(
            request, "dumps.html", lang, section="data", title=message("dumps.title", lang).text, dumps=listed
        )
        return Response(page, media_type="text/html", headers={"Vary": "Accept, Accept-Language, Cookie"})
    triples = dump_catalog(store, settings.base_iri, url)
    return Response(
        serialise(triples, chosen, settings, str(request.url_for("jsonld_context"))),
        media_type=SYNTAXES[chosen].media_type,
    )


@router.get("/dumps/{name}", summary="Download one dump (streamed)")
def get_dump(
    request: Request,
    name: str = Path(description="e.g. cnc-graph.nt or graph-framework-cnc.ttl", examples=["cnc-graph.nt"]),
    store: GraphStore = Depends(get_store),
    settings: Settings = Depends(get_settings),
) -> FileResponse:
    """Stream a dump file; it is written once per store generation and served from disk."""
    if not NAME.fullmatch(name):
        raise NotFound(f"no dump called « {name} »")
    extension = name.rsplit(".", 1)[1]
    syntax = "ttl" if extension == "ttl" else extension
    offered = dump_keys(store, settings.base_iri)
    keys = {dump_name(key, syntax): key for key in offered}
    if name not in keys:
        raise NotFound(f"no dump called « {name} »; see /dumps")
    # The folder is named after the store's state, so a rebuilt or changed graph never serves an old dump.
    built = select(store, "build_info")
    sizes = sorted((str(key), count) for key, count in offered.items())
    state = f"{public_generation(store)}|{built and value(built[0]['modified'])}|{sizes}"
    folder = dumps_dir(request) / hashlib.sha1(state.encode()).hexdigest()[:16]
    path = folder / name
    with _LOCK:
        if not path.exists():
            write_dump(store, path, syntax, keys[name], settings)
    return FileResponse(path, media_type=SYNTAXES[syntax].media_type, filename=name)

"""``/dumps``: full dumps (whole graph and per named graph) described with DCAT and VoID, streamed from disk."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path as FsPath

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse, Response

from api.deps import get_settings, get_store, page_language
from api.formatting import date_text, size_text
from api.i18n import message
from api.negotiation import choose_rdf
from api.rendering import context_url, render_page, short_iri, stable_iri
from api.routes.frameworks import list_frameworks
from cnc_graph.errors import NotFound
from cnc_graph.labels import pick
from cnc_graph.publish.catalog import LICENCE, dump_keys
from cnc_graph.publish.catalog import catalog as dump_catalog
from cnc_graph.publish.dumps import dump_name, write_dump
from cnc_graph.publish.serialise import serialise
from cnc_graph.rdf.query_files import select, value
from cnc_graph.rdf.syntaxes import SYNTAXES
from cnc_graph.search import search_index
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
    if chosen == "html":
        return _data_page(request, store, settings, "/dumps")
    triples = dump_catalog(store, settings.base_iri, stable_iri(settings, "dumps"))
    return Response(
        serialise(triples, chosen, settings, context_url(request)),
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
    path = ensure_dump(request, store, settings, keys[name], syntax)
    return FileResponse(path, media_type=SYNTAXES[syntax].media_type, filename=name)


def ensure_dump(request: Request, store: GraphStore, settings: Settings, key: str | None, syntax: str) -> FsPath:
    """Return the dump file of graph ``key`` (None: the whole graph) in ``syntax``, writing it if it is missing."""
    return _ensure(dump_folder(request, store, settings), store, settings, key, syntax)


def dump_folder(request: Request, store: GraphStore, settings: Settings) -> FsPath:
    """Return the folder of the dumps of the store's present state.

    It is named after that state, so a rebuilt or changed graph never serves an old dump.
    """
    built = select(store, "build_info")
    sizes = sorted((str(k), count) for k, count in dump_keys(store, settings.base_iri).items())
    state = f"{public_generation(store)}|{built and value(built[0]['modified'])}|{sizes}"
    return dumps_dir(request) / hashlib.sha1(state.encode()).hexdigest()[:16]


def _ensure(folder: FsPath, store: GraphStore, settings: Settings, key: str | None, syntax: str) -> FsPath:
    path = folder / dump_name(key, syntax)
    with _LOCK:
        if not path.exists():
            write_dump(store, path, syntax, key, settings)
    return path


SYNTAX_NAMES = {"nt": "N-Triples", "ttl": "Turtle", "jsonld": "JSON-LD"}


def _graph_label(
    key: str | None, lang: str, frameworks: dict[str, dict[str, object]], labels: dict[str, dict[str, str]]
) -> dict[str, str]:
    """What a dump holds, in words: the whole graph, a framework by its name, an inventory by its sub-sector;
    else the wording of the graph itself (``dumps.kind.isced_f``) or of its kind (``dumps.kind.mappings``)."""
    if key is None:
        return {"text": message("dumps.whole", lang).text, "lang": lang}
    kind, _, rest = key.partition("/")
    if kind == "framework" and rest in frameworks:
        return {"text": message("dumps.kind.framework", lang, {"name": frameworks[rest]["label"]}).text, "lang": lang}
    if kind == "inventory" and rest in labels:
        name, _ = pick(labels[rest], lang)
        return {"text": message("dumps.kind.inventory", lang, {"name": name}).text, "lang": lang}
    for word in (rest, kind):
        found = message(f"dumps.kind.{word.replace('-', '_')}", lang, {"name": rest}) if word else None
        if found is not None and found.lang:
            return {"text": found.text, "lang": found.lang}
    return {"text": key, "lang": "und"}


def _data_page(request: Request, store: GraphStore, settings: Settings, url: str) -> Response:
    """Return the data page: the dataset (licence, last change, version, size) and every dump with its files."""
    lang = page_language(request)
    frameworks = {str(f["key"]): f for f in list_frameworks(store, lang)}
    labels = search_index(store).labels
    folder = dump_folder(request, store, settings)
    listed = []
    for key, count in dump_keys(store, settings.base_iri).items():
        files = []
        for syntax in ("ttl", "nt", "jsonld"):
            path = _ensure(folder, store, settings, key, syntax)
            files.append(
                {
                    "name": SYNTAX_NAMES[syntax],
                    "href": f"{url}/{dump_name(key, syntax)}",
                    "media_type": SYNTAXES[syntax].media_type,
                    "size": size_text(path.stat().st_size, lang),
                }
            )
        label = _graph_label(key, lang, frameworks, labels)
        listed.append({"key": key, "label": label, "count": count, "files": files})
    built = select(store, "build_info")
    modified = str(value(built[0]["modified"])) if built and built[0]["modified"] is not None else None
    classes = [
        {"iri": str(value(row["class"])), "short": short_iri(str(value(row["class"]))), "n": int(value(row["n"]) or 0)}
        for row in select(store, "class_partition")
    ]
    page = render_page(
        request,
        "dumps.html",
        lang,
        section="data",
        title=message("dumps.title", lang).text,
        dumps=listed,
        licence=LICENCE,
        modified=date_text(modified[:10], lang) if modified else None,
        modified_iso=modified,
        version=str(value(built[0]["version"])) if built and built[0]["version"] is not None else None,
        classes=classes,
        catalogue=url,
        sparql=url.rsplit("/dumps", 1)[0] + "/sparql",
    )
    return Response(page, media_type="text/html", headers={"Vary": "Accept, Accept-Language, Cookie"})

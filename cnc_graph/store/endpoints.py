"""The endpoints of a remote SPARQL 1.1 server, read from its store selector."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from cnc_graph.errors import StoreError


@dataclass(frozen=True)
class Endpoints:
    """Where a SPARQL server answers queries, updates and Graph Store Protocol requests."""

    query: str
    update: str
    store: str | None
    dialect: str = "generic"


def parse_endpoints(selector: str) -> Endpoints:
    """Return the endpoints a remote store selector names (see the module docstring)."""
    if selector.startswith(("http://", "https://")):
        return _oxigraph_endpoints(selector)
    kind, sep, url = selector.partition(":")
    if not sep or not url.startswith(("http://", "https://")):
        raise StoreError(
            f"store selector {selector!r} is not understood: use http://HOST:PORT (Oxigraph server), "
            "sparql+virtuoso:URL, or sparql:QUERY_URL;update=UPDATE_URL;store=STORE_URL"
        )
    if kind == "sparql+oxigraph":
        return _oxigraph_endpoints(url)
    if kind == "sparql+virtuoso":
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        query = url if parts.path.strip("/") else origin + "/sparql"
        return Endpoints(query, query, origin + "/sparql-graph-crud", "virtuoso")
    if kind == "sparql":
        query, *options = re.split(r";(?=(?:update|store)=)", url)
        named = dict(option.split("=", 1) for option in options)
        return Endpoints(query, named.get("update", query), named.get("store"), "generic")
    raise StoreError(f"selector {selector!r}: unknown kind {kind!r}; use sparql, sparql+oxigraph or sparql+virtuoso")


def _oxigraph_endpoints(url: str) -> Endpoints:
    root = url.rstrip("/")
    return Endpoints(root + "/query", root + "/update", root + "/store", "oxigraph")

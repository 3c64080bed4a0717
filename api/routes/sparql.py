"""The public SPARQL endpoint: the SPARQL 1.1 Protocol *query* operation at ``/sparql``, read-only.

- ``GET /sparql?query=…``, ``POST`` with ``application/x-www-form-urlencoded`` (``query=…``) or with
  ``application/sparql-query`` (the body is the query, UTF-8); ``default-graph-uri`` and ``named-graph-uri``
  (repeatable) choose the dataset among the public graphs (see ``cnc_graph.sparql.runner``).
- Results by ``Accept`` (or a ``format=`` parameter, which wins): SELECT/ASK as SPARQL JSON (default), XML,
  CSV or TSV; CONSTRUCT/DESCRIBE as Turtle (default), N-Triples, JSON-LD or RDF/XML. A browser asking for
  ``text/html`` gets the query page, and with a query an HTML table of the results.
- Errors are ``application/problem+json`` (an HTML page for a browser that sent a query): an update
  (``update=``, ``using-graph-uri=``, an ``application/sparql-update`` body or update text) → 400 read-only;
  a malformed query → 400 with the parser's message; two queries or none → 400; PUT/DELETE/PATCH → 405;
  POST with another content type → 415; a body over ``max_body_bytes`` → 413; nothing acceptable → 406.
- A query running past ``query_timeout_s`` is stopped and answered with **503 Service Unavailable** (the
  detail names the limit; ``timeout_s`` carries it). 503 rather than 504: no gateway or upstream server is
  involved (504 would tell clients and proxies that one failed); this server stopped the work at its own
  resource limit, and may take a narrower query at once. When every query worker stays busy past the limit,
  the answer is 503 too, with ``Retry-After: 1``.
- Queries run off the event loop, in a thread pool of the endpoint's own (``SPARQL_THREADS``), through
  ``request.app.state.query_runner``, so the server keeps answering other requests while one runs.
  ``X-CNC-Results-Truncated: true`` says that the rows were cut at ``result_limit``. With the result cache
  (``cnc_graph.sparql.cache``), ``X-CNC-Cache: hit`` says the answer was not computed for this request (an
  identical query on the same public data was), ``miss`` that it was.

CORS is the application's job (its ``CORSMiddleware`` answers preflight requests before this router);
``OPTIONS /sparql`` without a preflight is answered here with the allowed methods.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import get_settings, page_language
from api.negotiation import accepted_media
from api.problems import error_problem, problem
from api.rendering import local_path, render_page, short_iri
from cnc_graph.errors import CncError, ContentTooLarge, InputError, NotFound, StoreError, UnsupportedMediaType
from cnc_graph.iris import PREFIXES
from cnc_graph.settings import Settings
from cnc_graph.sparql.examples import examples
from cnc_graph.sparql.results import CSV as TEXT_CSV
from cnc_graph.sparql.results import (
    GRAPH_MEDIA_TYPES,
    JSON_LD,
    N_TRIPLES,
    RDF_XML,
    RESULT_MEDIA_TYPES,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
    QueryOutput,
    choose_media_type,
    not_acceptable,
)
from cnc_graph.sparql.runner import QueryRunner
from cnc_graph.sparql.text import READ_ONLY_MESSAGE, check_query

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
HTML_TYPES = ("text/html", "application/xhtml+xml")
ALLOW = "GET, POST, OPTIONS"
TRUNCATED_HEADER = "X-CNC-Results-Truncated"
CACHE_HEADER = "X-CNC-Cache"
UPDATE_PARAMETERS = ("update", "using-graph-uri", "using-named-graph-uri")
#: Threads of the endpoint's own pool: requests beyond it wait on the event loop, not in a thread.
SPARQL_THREADS = 16

#: ``format=`` values (besides plain media types) and the media types they stand for, in preference order.
FORMATS: dict[str, list[str]] = {
    "json": [SPARQL_JSON, JSON_LD],
    "xml": [SPARQL_XML, RDF_XML],
    "csv": [TEXT_CSV],
    "tsv": [TSV],
    "turtle": [TURTLE],
    "ttl": [TURTLE],
    "n3": [TURTLE],
    "nt": [N_TRIPLES],
    "ntriples": [N_TRIPLES],
    "n-triples": [N_TRIPLES],
    "jsonld": [JSON_LD],
    "json-ld": [JSON_LD],
    "rdfxml": [RDF_XML],
    "rdf+xml": [RDF_XML],
    "rdf": [RDF_XML],
    "html": ["text/html"],
}


def _base_iri(request: Request, settings: Settings) -> str:
    """The base relative IRIs resolve against: the served store's, else the configured one."""
    return getattr(getattr(request.app.state, "store", None), "base_iri", settings.base_iri)


def get_query_runner(request: Request) -> QueryRunner:
    """Return the application's query runner (``app.state.query_runner``)."""
    runner = getattr(request.app.state, "query_runner", None)
    if runner is None:
        raise StoreError("the SPARQL endpoint is not configured: app.state.query_runner is not set")
    return runner


def _formats(values: list[str]) -> list[str]:
    """Return the media types named by ``format=`` values (names such as ``json`` or media types)."""
    media: list[str] = []
    for value in values:
        for token in value.split(","):
            token = token.strip().lower()
            if not token:
                continue
            if "/" in token:
                media.append(token.split(";", 1)[0].strip())
            elif token in FORMATS:
                media.extend(FORMATS[token])
            else:
                names = "json, xml, csv, tsv, turtle, nt, jsonld, rdfxml, html"
                raise InputError(f"unknown format={token!r}: use one of {names} or a media type")
    return media


def _wants_html(accept: list[str]) -> bool:
    """Return whether HTML ranks before any result type the endpoint can give."""
    known = set(RESULT_MEDIA_TYPES) | set(GRAPH_MEDIA_TYPES)
    for media in accept:
        if media in HTML_TYPES:
            return True
        if media in known or media.endswith("/*"):
            return False
    return False


async def _read_body(request: Request, limit: int) -> bytes:
    """Return the request body; 413 as soon as it is (or says it is) over ``limit`` bytes."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ContentTooLarge:
    return ContentTooLarge(f"the request body is over {limit} bytes; send a shorter query")


def _content_type(request: Request) -> tuple[str, dict[str, str]]:
    """Return the request's media type (lower-case, no parameters) and its parameters."""
    raw = request.headers.get("content-type", "")
    media, *rest = raw.split(";")
    params = {}
    for item in rest:
        key, _, value = item.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), params


def _utf8(body: bytes, charset: str | None, what: str) -> str:
    """Return ``body`` decoded as UTF-8; 400 for another declared charset or bytes that are not UTF-8."""
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise InputError(f"{what} must be UTF-8 encoded, not {charset}")
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        detail = f"{what} is not valid UTF-8 ({exc.reason} at byte {exc.start})"
        raise InputError(detail) from exc


def _form_pairs(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"the form body is not valid UTF-8 URL-encoding: {exc}") from exc


@router.get(
    "/sparql",
    summary="SPARQL query (GET)",
    response_class=Response,
    responses={
        200: {
            "description": "Query results",
            "content": {media: {} for media in (*RESULT_MEDIA_TYPES, *GRAPH_MEDIA_TYPES, "text/html")},
        },
        400: {"description": "Malformed query, update, or several queries"},
        406: {"description": "No acceptable media type for this kind of result"},
        503: {"description": "The query ran past the time limit"},
    },
)
async def sparql_get(
    request: Request,
    query: list[str] = Query([], description="The SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)."),
    default_graph_uri: list[str] = Query([], alias="default-graph-uri", description="A public graph to query."),
    named_graph_uri: list[str] = Query([], alias="named-graph-uri", description="A public graph for GRAPH."),
    format: list[str] = Query(
        [], description="Overrides Accept: json, xml, csv, tsv, turtle, nt, jsonld, rdfxml or html."
    ),
) -> Response:
    """Answer a query given in the URL; without one, the query page for a browser."""
    pairs = list(request.query_params.multi_items())
    return await _answer(request, pairs, direct=None, method="GET")


@router.post(
    "/sparql",
    summary="SPARQL query (POST, form-encoded or application/sparql-query)",
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
                SPARQL_QUERY: {"schema": {"type": "string"}},
            },
        }
    },
)
async def sparql_post(request: Request) -> Response:
    """Answer a query sent in a URL-encoded form or directly as the body."""
    html = _wants_html(accepted_media(request.headers.get("accept"), specific_first=True))
    try:
        media, params = _content_type(request)
        if media == SPARQL_UPDATE:
            raise InputError(READ_ONLY_MESSAGE)
        if media not in (FORM, SPARQL_QUERY):
            given = f"Content-Type {media}" if media else "no Content-Type"
            raise UnsupportedMediaType(
                f"a POST query needs Content-Type {FORM} (query=…) or {SPARQL_QUERY} (the query itself); got {given}",
            )
        body = await _read_body(request, get_settings(request).max_body_bytes)
        pairs = list(request.query_params.multi_items())
        if media == FORM:
            pairs += _form_pairs(_utf8(body, params.get("charset"), "the form body"))
            return await _answer(request, pairs, direct=None, method="POST")
        return await _answer(request, pairs, direct=_utf8(body, params.get("charset"), "the query"), method="POST")
    except CncError as exc:
        return _failure(request, exc, html, None)


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_wrong_method(request: Request) -> Response:
    """Refuse methods the protocol does not define for queries."""
    response = problem(405, "Method not allowed", f"{request.method} is not a SPARQL query operation: use GET or POST")
    response.headers["Allow"] = ALLOW
    return response


@router.options("/sparql", include_in_schema=False)
async def sparql_options() -> Response:
    """Say which methods the endpoint takes (CORS preflights are answered by the app's middleware)."""
    return Response(status_code=204, headers={"Allow": ALLOW})


@router.get(
    "/sparql/examples/{key}.rq",
    summary="One example question of the query page, as a SPARQL query file",
    response_class=Response,
    responses={200: {"content": {SPARQL_QUERY: {}}}, 404: {"description": "No example of that name"}},
)
def sparql_example(request: Request, key: str) -> Response:
    """Return the example ``key`` with its ``BASE`` and ``PREFIX`` lines, runnable on any SPARQL 1.1 endpoint."""
    found = next((e for e in examples() if e.key == key), None)
    if found is None:
        raise NotFound(f"no example query {key!r}; the examples are: {', '.join(e.key for e in examples())}")
    settings = get_settings(request)
    base = _base_iri(request, settings)
    title = found.titles["en"]
    body = f"# {title}\n" + found.declared(base)
    return Response(body, media_type=f"{SPARQL_QUERY}; charset=utf-8")


async def _answer(request: Request, pairs: list[tuple[str, str]], direct: str | None, method: str) -> Response:
    """Run the one query of a request and return its result (or the page, or the problem)."""
    accept = accepted_media(request.headers.get("accept"), specific_first=True)
    html = _wants_html(accept)
    query: str | None = None
    try:
        names = {name for name, _ in pairs}
        if any(name in names for name in UPDATE_PARAMETERS):
            raise InputError(READ_ONLY_MESSAGE)
        formats = [value for name, value in pairs if name == "format"]
        if formats:
            accept = _formats(formats)
            html = any(media in HTML_TYPES for media in accept[:1])
        queries = [value for name, value in pairs if name == "query"]
        if direct is not None:
            queries.append(direct)
        if len(queries) > 1:
            raise InputError(f"the request holds {len(queries)} queries; send exactly one")
        query = queries[0] if queries else None
        if query is None or not query.strip():
            if html and method == "GET":
                return HTMLResponse(_page(request))
            raise InputError(f"no query: give it as query=… or as an {SPARQL_QUERY} body (POST)")
        default_graphs = [value for name, value in pairs if name == "default-graph-uri"] or None
        named_graphs = [value for name, value in pairs if name == "named-graph-uri"] or None
        runner = get_query_runner(request)
        if html:
            output = await _run(request, runner, query, [SPARQL_JSON, N_TRIPLES], default_graphs, named_graphs)
            return HTMLResponse(_page(request, query, output), headers=_result_headers(output))
        kind = check_query(query)
        if kind is not None and choose_media_type(kind, accept) is None:
            raise not_acceptable(kind, accept)
        output = await _run(request, runner, query, accept, default_graphs, named_graphs)
        return Response(output.body, media_type=output.media_type, headers=_result_headers(output))
    except CncError as exc:
        return _failure(request, exc, html, query)


async def _run(
    request: Request,
    runner: QueryRunner,
    query: str,
    accept: list[str],
    default_graphs: list[str] | None,
    named_graphs: list[str] | None,
) -> QueryOutput:
    """Run the query in a worker thread of the endpoint's own pool, off the event loop.

    Not the shared thread pool of ``run_in_threadpool``: queries waiting for a free query worker would hold
    its threads, and the application's other (synchronous) routes would wait behind them.
    """
    limiter = getattr(request.app.state, "sparql_limiter", None)
    if limiter is None:  # one per application (and event loop); nothing awaits between the check and the set
        limiter = request.app.state.sparql_limiter = anyio.CapacityLimiter(SPARQL_THREADS)
    call = partial(runner.run, query, accept, default_graphs, named_graphs)
    return await anyio.to_thread.run_sync(call, limiter=limiter)


def _result_headers(output: QueryOutput) -> dict[str, str]:
    headers = {"Vary": "Accept"}
    if output.truncated:
        headers[TRUNCATED_HEADER] = "true"
    if output.cache is not None:
        headers[CACHE_HEADER] = output.cache
    return headers


def _failure(request: Request, exc: CncError, html: bool, query: str | None) -> Response:
    """Return the problem+json answer, or the query page showing the error to a browser that sent a query."""
    if html and query is not None:
        page = _page(request, query, error=str(exc))
        return HTMLResponse(page, status_code=exc.http_status, headers=exc.http_headers())
    return error_problem(exc)


# --- the HTML page -------------------------------------------------------------------------------------

_FORMAT_CHOICES = [
    ("html", "HTML table"),
    ("json", "SPARQL JSON / JSON-LD"),
    ("xml", "SPARQL XML / RDF/XML"),
    ("csv", "CSV"),
    ("tsv", "TSV"),
    ("turtle", "Turtle"),
    ("nt", "N-Triples"),
    ("jsonld", "JSON-LD"),
    ("rdfxml", "RDF/XML"),
]


def _page(
    request: Request, query: str | None = None, output: QueryOutput | None = None, error: str | None = None
) -> str:
    """Return the self-contained query page: form, examples, and the results or the error, if any."""
    settings = get_settings(request)
    lang = page_language(request)
    base = _base_iri(request, settings)
    shown = []
    for example in examples():
        title, title_lang = example.title(lang)
        shown.append(
            {
                "key": example.key,
                "title": title,
                "title_lang": title_lang,
                "topic": example.topic,
                "query": example.declared(base),
                "file": f"/sparql/examples/{example.key}.rq",
            }
        )
    return render_page(
        request,
        "sparql.html",
        lang,
        section="sparql",
        path=request.url.path,
        base=base,
        query=query if query is not None else shown[0]["query"],
        timeout_s=f"{settings.query_timeout_s:g}",
        result_limit=settings.result_limit,
        prefixes=PREFIXES,
        format_choices=_FORMAT_CHOICES,
        examples=shown,
        error=error,
        results=None if output is None else _results(output, base),
    )


def _results(output: QueryOutput, base: str) -> dict[str, object]:
    """Return the results as table rows of terms (or the boolean of an ASK) for the page."""
    if output.kind == "ask":
        return {"boolean": str(json.loads(output.body)["boolean"]).lower()}
    if output.kind == "select":
        document = json.loads(output.body)
        names: list[str] = document["head"]["vars"]
        bindings = document["results"]["bindings"]
        rows = [[_json_term(binding.get(name), base) for name in names] for binding in bindings]
    else:
        names = ["subject", "predicate", "object"]
        triples = [q.triple for q in ox.parse(output.body, format=ox.RdfFormat.N_TRIPLES)]
        rows = [[_ox_term(t.subject, base), _ox_term(t.predicate, base), _ox_term(t.object, base)] for t in triples]
    return {"boolean": None, "names": names, "rows": rows, "truncated": output.truncated}


def _iri(iri: str, base: str) -> dict[str, object]:
    """An IRI cell: ours link to their page here (``/id/…``), others to themselves when they are web IRIs."""
    href = local_path(iri, base) if iri.startswith(base) else iri if iri.startswith(("http://", "https://")) else None
    return {"kind": "iri", "value": iri, "short": short_iri(iri), "link": href}


def _literal(value: str, language: str | None, datatype: str | None) -> dict[str, object]:
    suffix = f"@{language}" if language else (f"^^{short_iri(datatype)}" if datatype else "")
    return {"kind": "literal", "value": value, "suffix": suffix}


def _json_term(term: dict[str, Any] | None, base: str) -> dict[str, object] | None:
    if term is None:
        return None
    kind = term["type"]
    if kind == "uri":
        return _iri(term["value"], base)
    if kind == "bnode":
        return {"kind": "bnode", "value": term["value"]}
    if kind in ("literal", "typed-literal"):
        return _literal(term["value"], term.get("xml:lang"), term.get("datatype"))
    value = term["value"]
    return {"kind": "triple"} | {k: _json_term(value[k], base) for k in ("subject", "predicate", "object")}


def _ox_term(term: Any, base: str) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return _iri(term.value, base)
    if isinstance(term, ox.BlankNode):
        return {"kind": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        datatype = None if term.language or term.datatype.value.endswith("#string") else term.datatype.value
        return _literal(term.value, term.language, datatype)
    return {"kind": "other", "value": str(term)}

"""The graph store on a SPARQL 1.1 server: SPARQL Protocol to query and update, Graph Store Protocol to load.

Selectors (``CNC_STORE`` / ``--store``; ``open_store`` sends every one of these here):

- ``http://HOST:PORT[/PATH]`` — an Oxigraph server (``oxigraph serve``): ``PATH/query``, ``PATH/update``
  and ``PATH/store``;
- ``sparql+oxigraph:URL`` — the same, said explicitly;
- ``sparql+virtuoso:http://HOST:PORT[/sparql]`` — Virtuoso 7: ``/sparql`` for queries and updates,
  ``/sparql-graph-crud`` for loads. The anonymous ``SPARQL`` user needs the ``SPARQL_UPDATE`` role
  (``isql-vt PORT dba PASSWORD 'exec=grant SPARQL_UPDATE to "SPARQL";'``), so keep such a server on a
  private network: this store sends no credentials;
- ``sparql:QUERY_URL;update=UPDATE_URL;store=STORE_URL`` — any other SPARQL 1.1 server (Fuseki, GraphDB…)
  with each endpoint named; ``update`` defaults to the query URL, ``store`` is needed only to write.

A program can also pass an ``Endpoints`` value instead of a selector.

Which graphs are ours. A shared server holds graphs that are not ours (Virtuoso keeps its own system
graphs, such as ``http://www.openlinksw.com/schemas/virtrdf#``), so this store manages the named graphs
whose IRI starts with the base IRI, and only those: ``graphs()`` lists them, writes outside the base are
refused. The **public graphs** are those of ours that ``is_public_graph`` accepts (not private, not staging).

Reading. A query that names no dataset sees the union of the public graphs, as with the embedded store:
the store lists them (``SELECT DISTINCT ?g``) and sends them as ``default-graph-uri`` and
``named-graph-uri``. With no public graph at all it sends one graph that cannot exist, since an empty
list would mean "the server's own default". A query's own ``FROM``/``FROM NAMED`` clauses are removed
when ``public_only``: the embedded store and Oxigraph let the protocol dataset override them, but
Virtuoso merges them in, which would let ``FROM NAMED <…/graph/private/…>`` read private graphs. With
``public_only=False`` a query sees all our graphs, private and staging ones too (still none of the
server's others), or the dataset it names itself. The prefixes and base IRI the embedded store declares
are declared too, on the query's first line and only when it uses them. Only SELECT, ASK,
CONSTRUCT and DESCRIBE are sent: Virtuoso runs an update given as ``query=``. Results are the same
pyoxigraph objects as the embedded store returns (``QuerySolutions``, ``QueryBoolean``), and CONSTRUCT or
DESCRIBE give ``RemoteTriples``, an iterator of ``ox.Triple`` with ``serialize()`` like ``QueryTriples``.

Writing. Each new graph content is serialised to N-Triples and PUT (Graph Store Protocol) into a private
staging graph with a name unique to the transaction; then one SPARQL Update request swaps every staged
graph in (``MOVE SILENT <staging> TO <g> ; …``, plus ``DROP``/``ADD`` for drops and additions), so readers
see the old graphs or the new ones, as far as the server runs one update request as one transaction
(Oxigraph and Virtuoso do). On any failure the staging graphs are dropped and the public graphs are left
as they were. Loads go through the Graph Store Protocol rather than ``INSERT DATA`` because Virtuoso
refuses blank nodes and ``xsd:duration`` literals in ``INSERT DATA``.

Errors. Every failure is a ``StoreError`` naming the endpoint URL and what happened: ``HTTP STATUS
REASON: first line of the server's message``, "cannot connect", or "no answer within N s". A query the
server rejects with 400 is a ``QueryRejected``, both a ``StoreError`` and an ``InputError`` (the caller's
query is at fault, as with the embedded store's syntax errors). Connection failures are retried with
exponential backoff; HTTP errors and timeouts are not. A request that may already have reached the
server (an update whose connection dropped) is not sent again.

Virtuoso quirks handled here (7.2.5, Debian's ``virtuoso-opensource``):

- ``GRAPH ?g {}`` yields one row with ``?g`` unbound: the graph listing matches ``GRAPH ?g { ?s ?p ?o }``.
- ASK answers in JSON are a SELECT result with one variable, ``__ASK_RETVAL``: one row is true, none is
  false; they become a ``QueryBoolean``.
- JSON results name blank nodes ``nodeID://b10000``, which pyoxigraph refuses: they become ``b10000``,
  the label Virtuoso's N-Triples use for the same node.
- Durations are stored as numbers: ``"P2Y"^^xsd:duration`` comes back as ``"24"`` (months) and
  ``"P1D"`` as ``"86400.0"`` (seconds); results are rewritten to ``P2Y`` and ``P1D``. Mixed durations
  (``P1Y2M3D``) are kept as written. Comparisons inside the server still see numbers: ``"P2Y"^^xsd:duration``
  matches ``"24"^^xsd:integer`` too, and ``STR(?duration)`` is ``"24"``.
- ``xsd:boolean`` is stored as an integer (``"true"`` and ``"1"^^xsd:integer`` on the same subject and
  predicate are one triple) and comes back in JSON as ``"1"``, rewritten to ``"true"``.
- Results are cut at ``[SPARQL] ResultSetMaxRows`` (10000 in Debian's ``virtuoso.ini``). A cut SELECT
  says so in ``X-SPARQL-MaxRows``, which raises a ``StoreError``. A cut CONSTRUCT or DESCRIBE says nothing:
  it gives the first limit + 1 triples (the Graph Store Protocol's GET too). So the store learns the limit
  once, from a SELECT of ``VALUES`` rows alone (no data read) that is cut in turn, and an answer of more
  triples than the limit is known to be cut. A cut CONSTRUCT is then read again in pages (``LIMIT``/``OFFSET``
  after its WHERE block, as many solutions as a ``COUNT`` of them says, each page under the limit, triples
  merged): the dumps and the import's validation context read every public triple that way, more than the
  stock limit. Pages are separate requests, in the server's order of solutions (the same for the same
  query): a write between two pages can make the result a mix. A DESCRIBE, or a CONSTRUCT with its own
  GROUP BY, HAVING, ORDER BY, LIMIT or OFFSET, cannot be paged: cut, it raises a ``StoreError``.

Both servers normalise literals the way the embedded store does (language tags lower-cased, numbers in
canonical form).
"""

from __future__ import annotations

import functools
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

import pyoxigraph as ox
import requests
from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper

from cnc_graph.errors import InputError, StoreError
from cnc_graph.iris import PREFIXES, is_public_graph, staging_graph_iri
from cnc_graph.rdf.syntaxes import written
from cnc_graph.sparql.text import (
    bind_values,
    declared_prefixes,
    declares_base,
    has_dataset_clause,
    mask,
    query_form,
    strip_dataset_clauses,
)
from cnc_graph.store.endpoints import Endpoints, parse_endpoints
from cnc_graph.store.protocol import RemoteTriples, StoreTransaction, Term
from cnc_graph.store.sparql_update import removal_updates
from cnc_graph.store.transport import HTTP_STATUS_OF, HttpFailure, retry_decision
from cnc_graph.store.virtuoso import CAP_PROBE, CAP_PROBE_ROWS, construct_pages, repair_json, repair_triple

T = TypeVar("T")

USER_AGENT = "cnc-graph (SparqlEndpointStore)"
N_TRIPLES = "application/n-triples"
LOAD_CHUNK = 50_000
_NO_GRAPH_SEGMENT = "graph/private/none"

_RELATIVE_IRI = re.compile(r"<(?![A-Za-z][A-Za-z0-9+.-]*:)[^<>\"{}|^`\\\x00-\x20]*>")


class QueryRejected(InputError, StoreError):
    """The server refused a query as malformed (HTTP 400): the caller's query is at fault."""


RemoteQueryResult = ox.QuerySolutions | ox.QueryBoolean | RemoteTriples


@dataclass
class _Answer:
    body: bytes
    content_type: str
    headers: Mapping[str, str]


class SparqlEndpointStore:
    """A ``GraphStore`` on a SPARQL 1.1 server (Oxigraph server, Virtuoso, or any other by its endpoints)."""

    def __init__(
        self,
        url: str | Endpoints,
        base_iri: str,
        timeout_s: float = 30,
        retries: int = 3,
        *,
        backoff_s: float = 0.25,
        read_only: bool = False,
    ) -> None:
        self.endpoints = url if isinstance(url, Endpoints) else parse_endpoints(url)
        self.url = self.endpoints.query
        self.base_iri = base_iri
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.read_only = read_only
        # Bumped on every write committed through this store, as OxigraphStore does, for the caches keyed on it;
        # writes by other clients of the same server do not bump it.
        self.generation = 0
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._row_cap: int | None = None  # Virtuoso's result limit, learned at the first CONSTRUCT or DESCRIBE

    def __repr__(self) -> str:
        return f"SparqlEndpointStore({self.url!r}, dialect={self.endpoints.dialect!r})"

    # --- reading -------------------------------------------------------------------------

    def our_graphs(self) -> list[str]:
        """Return every named graph under the base IRI, private and staging ones included."""
        pattern = "{ ?s ?p ?o }" if self.endpoints.dialect == "virtuoso" else "{}"
        base = ox.Literal(self.base_iri)
        text = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {pattern} FILTER(STRSTARTS(STR(?g), {base})) }}"
        rows = self._solutions(text, "listing the named graphs")
        return sorted(
            row["g"].value
            for row in rows
            if isinstance(row["g"], ox.NamedNode) and row["g"].value.startswith(self.base_iri)
        )

    def public_graphs(self) -> list[ox.NamedNode]:
        """Return the named graphs that form the public default graph."""
        return [ox.NamedNode(g) for g in self.our_graphs() if is_public_graph(self.base_iri, g)]

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term | Sequence[Term]] | None = None,
        public_only: bool = True,
    ) -> RemoteQueryResult:
        """Return the result of a SPARQL query; without a dataset clause it sees the union of public graphs."""
        if bindings:
            sparql = bind_values(sparql, bindings)
        form = query_form(sparql)
        has_dataset = has_dataset_clause(sparql)
        if public_only:
            if has_dataset:
                sparql = strip_dataset_clauses(sparql)
            dataset: list[str] | None = [g.value for g in self.public_graphs()]
        else:
            dataset = None if has_dataset else self.our_graphs()
        if dataset is not None and not dataset:
            dataset = [self.base_iri + _NO_GRAPH_SEGMENT]
        answer = self._attempts("query", self.url, lambda: self._post_query(self._prologue(sparql), form, dataset))
        if form in ("SELECT", "ASK"):
            return self._parse_solutions(answer, "query", form)
        triples = list(self._parse_triples(answer))
        if self.endpoints.dialect == "virtuoso" and triples and len(triples) > self._virtuoso_row_cap():
            triples = self._virtuoso_pages(sparql, form, dataset)
        return RemoteTriples(triples)

    def graphs(self, public_only: bool = False) -> dict[str, int]:
        """Return the named graphs under the base IRI with their triple counts."""
        text = (
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {ox.Literal(self.base_iri)})) }} GROUP BY ?g"
        )
        counts: dict[str, int] = {}
        for row in self._solutions(text, "counting the triples of each graph"):
            name = row["g"].value
            if not name.startswith(self.base_iri) or (public_only and not is_public_graph(self.base_iri, name)):
                continue
            counts[name] = int(row["n"].value)
        return dict(sorted(counts.items()))

    def is_empty(self) -> bool:
        """Return whether the store holds no public graph at all."""
        return not self.public_graphs()

    # --- writing -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[StoreTransaction]:
        """Collect changes; at the end stage them on the server and swap them in with one update, or none on error."""
        tx = StoreTransaction()
        yield tx
        self._commit(tx)

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``, atomically."""
        with self.transaction() as tx:
            tx.replace_graph(graph, triples)

    def add(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add ``triples`` to ``graph``, atomically."""
        with self.transaction() as tx:
            tx.add(graph, triples)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._session.close()

    def _commit(self, tx: StoreTransaction) -> None:
        if self.read_only:
            raise StoreError(f"SPARQL endpoint {self.url}: this store was opened read-only")
        replacements = {self._own(g): triples for g, triples in tx.replacements.items()}
        additions = {self._own(g): triples for g, triples in tx.additions.items() if triples}
        drops = {self._own(g) for g in tx.drops} | {g for g, triples in replacements.items() if not triples}
        removals = {self._own(g): triples for g, triples in tx.removals.items() if triples}
        if not (replacements or additions or drops or removals):
            return
        token = uuid.uuid4().hex[:12]
        staged: list[str] = []
        operations: list[str] = []
        try:
            for graph, triples in replacements.items():
                if triples:
                    staging = _staging(graph, token)
                    staged.append(staging)
                    self._load(staging, triples, graph)
                    operations.append(f"MOVE SILENT {_iri(staging)} TO {_iri(graph)}")
            operations += [f"DROP SILENT GRAPH {_iri(g)}" for g in sorted(drops)]
            operations += removal_updates(removals, f"SPARQL endpoint {self.url}")
            for graph, triples in additions.items():
                staging = _staging(graph + "-add", token)
                staged.append(staging)
                self._load(staging, triples, graph)
                operations.append(f"ADD SILENT {_iri(staging)} TO {_iri(graph)}")
                operations.append(f"DROP SILENT GRAPH {_iri(staging)}")
            self._update(" ;\n".join(operations), f"swapping in {len(replacements) + len(additions)} graph(s)")
            self.generation += 1
        except BaseException:
            self._discard(staged)
            raise

    def _own(self, graph: str) -> str:
        try:
            ox.NamedNode(graph)
        except ValueError as exc:
            raise StoreError(f"SPARQL endpoint {self.url}: <{graph}> is not a valid graph IRI: {exc}") from exc
        if not graph.startswith(self.base_iri):
            raise StoreError(
                f"SPARQL endpoint {self.url}: graph <{graph}> is outside the base IRI {self.base_iri}; "
                "this store only manages graphs under it"
            )
        return graph

    def _load(self, staging: str, triples: Sequence[ox.Triple], graph: str) -> None:
        if not self.endpoints.store:
            raise StoreError(
                f"SPARQL endpoint {self.url}: no Graph Store Protocol endpoint to load into; "
                "add ;store=URL to the sparql: selector"
            )
        store_url = self.endpoints.store
        with tempfile.TemporaryFile() as body:
            it = iter(triples)
            while chunk := list(islice(it, LOAD_CHUNK)):
                body.write(written(ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)))
            size = body.tell()

            def put() -> None:
                body.seek(0)
                response = self._session.put(
                    store_url,
                    params={"graph": staging},
                    data=body,
                    headers={"Content-Type": N_TRIPLES, "Content-Length": str(size)},
                    timeout=self.timeout_s,
                )
                if not response.ok:
                    raise HttpFailure(response.status_code, response.reason, response.content)

            self._attempts(f"loading {len(triples)} triple(s) for <{graph}>", store_url, put, idempotent=True)

    def _update(self, text: str, what: str, retries: int | None = None) -> None:
        def send() -> None:
            wrapper = SPARQLWrapper(self.url, updateEndpoint=self.endpoints.update, agent=USER_AGENT)
            wrapper.setMethod(POST)
            wrapper.setRequestMethod(URLENCODED)
            wrapper.setReturnFormat(JSON)
            wrapper.setQuery(text)
            if not wrapper.isSparqlUpdateRequest():
                raise StoreError(f"internal error: not a SPARQL update: {text[:80]}")
            wrapper.timeout = self.timeout_s  # type: ignore[assignment]  # setTimeout() would cut it to an int
            wrapper.query().response.read()

        self._attempts(what, self.endpoints.update, send, idempotent=False, retries=retries)

    def _discard(self, staged: list[str]) -> None:
        if not staged:
            return
        with suppress(StoreError):  # best effort: the error being raised is the one to report
            self._update(" ;\n".join(f"DROP SILENT GRAPH {_iri(g)}" for g in staged), "dropping staging graphs", 0)

    # --- Virtuoso's result limit ----------------------------------------------------------------

    def _virtuoso_row_cap(self) -> int:
        """Return how many rows (or triples) this Virtuoso gives at most in one answer; asked once per store."""
        if self._row_cap is None:

            def probe() -> _Answer:
                response = self._session.post(
                    self.url, data={"query": CAP_PROBE}, headers={"Accept": "text/csv"}, timeout=self.timeout_s
                )
                if not response.ok:
                    raise HttpFailure(response.status_code, response.reason, response.content)
                headers = {name.lower(): text for name, text in response.headers.items()}
                return _Answer(response.content, headers.get("content-type", ""), headers)

            cut = self._attempts("finding the result limit", self.url, probe).headers.get("x-sparql-maxrows", "")
            self._row_cap = int(cut) if cut.isdigit() and int(cut) > 0 else CAP_PROBE_ROWS
        return self._row_cap

    def _virtuoso_pages(self, sparql: str, form: str, dataset: Sequence[str] | None) -> list[ox.Triple]:
        """Return every triple of a CONSTRUCT that Virtuoso cut, read again in pages under its result limit."""
        cap = self._virtuoso_row_cap()
        paging = construct_pages(sparql) if form == "CONSTRUCT" else None
        if paging is None:
            raise StoreError(
                f"SPARQL endpoint {self.url}: query: the server cut the {form} answer at {cap + 1} triples "
                "(Virtuoso's [SPARQL] ResultSetMaxRows) and this query cannot be read in pages (a DESCRIBE, or "
                "its own GROUP BY, HAVING, ORDER BY, LIMIT or OFFSET); raise that limit"
            )
        count_text, page = paging
        counted = self._attempts(
            "counting the solutions of a cut CONSTRUCT",
            self.url,
            lambda: self._post_query(self._prologue(count_text), "SELECT", dataset),
        )
        result = self._parse_solutions(counted, "counting the solutions of a cut CONSTRUCT", "SELECT")
        rows = list(result) if isinstance(result, ox.QuerySolutions) else []
        total = int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0
        triples: dict[ox.Triple, None] = {}
        size, offset = cap, 0
        while offset < total:
            text = self._prologue(page(size, offset))
            answer = self._attempts(
                "query (a page)", self.url, functools.partial(self._post_query, text, form, dataset)
            )
            found = list(self._parse_triples(answer))
            if len(found) > cap:  # several triples per solution: this page was cut too, make pages smaller
                if size == 1:
                    raise StoreError(
                        f"SPARQL endpoint {self.url}: query: one solution gives more than {cap} triples "
                        "(Virtuoso's [SPARQL] ResultSetMaxRows); raise that limit"
                    )
                size //= 2
                continue
            triples.update(dict.fromkeys(found))
            offset += size
        return list(triples)

    # --- the protocol ----------------------------------------------------------------------

    def _prologue(self, sparql: str) -> str:
        """Return ``sparql`` after the base and the prefixes it uses without declaring them, as the embedded store.

        They go on its first line, and only those it needs, so that the server's error positions stay right
        from the second line on.
        """
        masked = mask(sparql)
        declared = declared_prefixes(sparql)
        words = []
        if _RELATIVE_IRI.search(sparql) and not declares_base(sparql):
            words.append(f"BASE <{self.base_iri}>")
        for prefix, iri in PREFIXES.items():
            if prefix not in declared and re.search(rf"(?<![\w.\-?$:]){prefix}:", masked):
                words.append(f"PREFIX {prefix}: <{iri}>")
        return " ".join([*words, sparql])

    def _solutions(self, text: str, what: str) -> ox.QuerySolutions:
        answer = self._attempts(what, self.url, lambda: self._post_query(text, "SELECT", None))
        result = self._parse_solutions(answer, what, "SELECT")
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError(f"SPARQL endpoint {self.url}: {what}: the server answered a SELECT with a boolean")
        return result

    def _post_query(self, text: str, form: str, dataset: Sequence[str] | None) -> _Answer:
        wrapper = SPARQLWrapper(self.url, agent=USER_AGENT)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)
        wrapper.setQuery(text)
        wrapper.queryType = form  # ours, from the query text; never an update sent as a query
        if form in ("SELECT", "ASK"):
            wrapper.setReturnFormat(JSON)
        else:
            wrapper.addCustomHttpHeader("Accept", f"{N_TRIPLES}, text/plain;q=0.5")
        for graph in dataset or ():
            wrapper.addParameter("default-graph-uri", graph)
            wrapper.addParameter("named-graph-uri", graph)
        wrapper.timeout = self.timeout_s  # type: ignore[assignment]  # setTimeout() would cut it to an int
        response = wrapper.query().response
        headers = {name.lower(): text for name, text in response.headers.items()}
        return _Answer(response.read(), headers.get("content-type", ""), headers)

    def _parse_solutions(self, answer: _Answer, what: str, form: str) -> ox.QuerySolutions | ox.QueryBoolean:
        cut = answer.headers.get("x-sparql-maxrows")
        if cut:
            raise StoreError(
                f"SPARQL endpoint {self.url}: {what}: the server cut the result at {cut} rows "
                "(Virtuoso's [SPARQL] ResultSetMaxRows); raise that limit or page with LIMIT/OFFSET"
            )
        try:
            body = repair_json(answer.body, self.endpoints.dialect == "virtuoso", form == "ASK")
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(
                f"SPARQL endpoint {self.url}: {what}: unreadable answer ({answer.content_type or 'no type'}): {exc}"
            ) from exc

    def _parse_triples(self, answer: _Answer) -> Iterator[ox.Triple]:
        media = answer.content_type.split(";")[0].strip()
        fmt = ox.RdfFormat.N_TRIPLES if media in ("", "text/plain") else ox.RdfFormat.from_media_type(media)
        if fmt is None:
            raise StoreError(f"SPARQL endpoint {self.url}: query: answer in an unknown RDF format {media!r}")
        try:
            triples = [q.triple for q in ox.parse(answer.body, format=fmt)]
        except SyntaxError as exc:
            raise StoreError(f"SPARQL endpoint {self.url}: query: unreadable {media} answer: {exc}") from exc
        if self.endpoints.dialect == "virtuoso":
            return iter([repair_triple(t) for t in triples])
        return iter(triples)

    def _attempts(
        self, what: str, url: str, call: Callable[[], T], *, idempotent: bool = True, retries: int | None = None
    ) -> T:
        """Run ``call``, retrying connection failures with backoff; raise every failure as a StoreError."""
        retries = self.retries if retries is None else retries
        attempt = 0
        while True:
            try:
                return call()
            except StoreError:
                raise
            except Exception as exc:  # every transport error is mapped below, or re-raised
                retry, message = retry_decision(exc, idempotent, self.timeout_s)
                if message is None:
                    raise
                if retry and attempt < retries:
                    time.sleep(self.backoff_s * 2**attempt)
                    attempt += 1
                    continue
                tries = f" after {attempt + 1} attempts" if attempt else ""
                text = f"SPARQL endpoint {url}: {what}: {message}{tries}"
                status = getattr(exc, "status", None) or HTTP_STATUS_OF.get(type(exc))
                if status == 404:
                    text += " (check the store selector: see cnc_graph.store.remote for the endpoint conventions)"
                if self.endpoints.dialect == "virtuoso" and "SECURITY" in message:
                    text += ' (grant SPARQL_UPDATE to "SPARQL" in Virtuoso: see cnc_graph.store.remote)'
                if status == 400 and what == "query":
                    raise QueryRejected(text) from exc
                raise StoreError(text) from exc


# --- query text ----------------------------------------------------------------------------


# --- server output ---------------------------------------------------------------------------


def _staging(graph: str, token: str) -> str:
    """Return a staging graph for ``graph`` unique to one transaction, never public."""
    staging = staging_graph_iri(graph)
    return staging if staging.endswith("#staging") else f"{staging}/{token}"


def _iri(graph: str) -> str:
    return str(ox.NamedNode(graph))

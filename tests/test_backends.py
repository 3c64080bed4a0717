"""The library and the API on every store backend: embedded pyoxigraph, a real Oxigraph server, a real Virtuoso 7.

Issue #7: build, compare, search, describe, import and dumps run against each backend and must give the
answers the embedded store gives. The reference is the session's ``built`` store (``tests/conftest.py``: the
shipped graph built by ``cnc_graph.build.build`` into an embedded store). One module-scoped, parametrised
fixture gives each backend in turn (a fresh in-memory embedded store, an Oxigraph server, a Virtuoso server
started by ``tests/servers.py``) with the shipped graph built into it by ``build``. A server that cannot
start fails every test of its backend: it never skips. Then, on each remote backend, a real ``cnc-graph serve
--store SELECTOR`` answers a few API requests, compared with the same requests to the application serving the
reference store (the embedded store's API is ``tests/test_api.py``'s).

Builds and imports (each validates the whole graph with SHACL: 4 to 6 s) dominate the run time (about 75 s
in all); ``pytest -s`` prints the timings per backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cnc_graph.build import BuildSummary, build, summarise
from cnc_graph.compare.levels import compare_levels
from cnc_graph.compare.qualifications import comparable_qualifications, compare_qualifications
from cnc_graph.errors import StoreError, ValidationFailed
from cnc_graph.importing import import_inventory
from cnc_graph.iris import DCT, graph_iri
from cnc_graph.publish.describe import describe_qualification
from cnc_graph.publish.dumps import dump_name, write_dump
from cnc_graph.rdf.query_files import load_query
from cnc_graph.search import search_index
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.protocol import GraphStore
from cnc_graph.store.selector import open_store
from cnc_graph.store.virtuoso import construct_pages
from tests import servers
from tests.conftest import DATA, ROOT
from tests.servers import live_server

pytestmark = pytest.mark.servers

BACKENDS = ["embedded", "oxigraph-server", "virtuoso"]
REMOTES = ["oxigraph-server", "virtuoso"]
SERVERS: dict[str, Callable[[Path], AbstractContextManager[servers.RunningServer]]] = {
    "oxigraph-server": servers.oxigraph_server,
    "virtuoso": servers.virtuoso_server,
}
INVENTORY = DATA / "inventory"
CNC_LEVELS = [f"cnc:{n}" for n in range(1, 9)]
QUALIFICATION_PAIRS = [("OFPPT-TS-TDI", "BTS-DSI"), ("OFPPT-TS-TDI", "DUT-ESTS-TM"), ("BAC-SM-A", "ING-ENSAM-GM")]
SEARCHES: list[dict[str, object]] = [
    {"q": "développement"},
    {"q": "DEVELOPPEMENT", "lang": "en"},
    {"q": "بكالوريا", "lang": "ar"},
    {"q": "ingenieur", "size": 100},
    {"level": "cnc:5", "size": 100},
    {"level": "5", "size": 100},
    {"level": "eqf:6", "size": 100},
    {"level": "acqf:7", "lang": "en", "size": 100},
    {"subsector": "higher-education", "field": "06", "size": 100},
    {"size": 10, "page": 3, "lang": "ar"},
]
# The build graph says when it was built: that one triple differs between any two builds.
BUILD_TIME = DCT + "modified"


@dataclass
class Backend:
    """A store of one backend with the shipped graph built into it."""

    name: str
    selector: str
    settings: Settings
    store: GraphStore
    summary: BuildSummary
    workdir: Path
    timings: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """Each backend in turn, its server (if any) started for this module, the shipped graph built into it."""
    name: str = request.param
    workdir = tmp_path_factory.mktemp(name)
    timings: dict[str, float] = {}
    try:
        with ExitStack() as running:
            started = time.perf_counter()
            server = None if name == "embedded" else running.enter_context(servers.started(SERVERS[name], workdir))
            selector = "memory" if server is None else server.selector
            timings["start_s"] = time.perf_counter() - started
            settings = Settings(store=selector, root=ROOT)
            store = open_store(selector, settings.base_iri)
            started = time.perf_counter()
            summary = build(store, settings)
            timings["build_s"] = time.perf_counter() - started
            yield Backend(name, selector, settings, store, summary, workdir, timings)
            store.close()
    finally:
        print(f"\n{name}: " + ", ".join(f"{key} {seconds:.1f} s" for key, seconds in timings.items()))


@pytest.fixture(scope="module")
def reference(built: tuple[OxigraphStore, BuildSummary]) -> OxigraphStore:
    """The embedded store built from the shipped data (the session's), whose answers every backend must give."""
    return built[0]


@pytest.fixture(scope="module")
def reference_summary(built: tuple[OxigraphStore, BuildSummary]) -> BuildSummary:
    """What the build of the reference store reported."""
    return built[1]


# --- helpers ---------------------------------------------------------------------------------------


def canonical(triples: Iterable[ox.Triple | ox.Quad]) -> set[str]:
    """Return ``triples`` (or the quads of a parse) as N-Triples lines, blank nodes relabelled canonically.

    The build time (``dct:modified`` of the build graph) is left out: it differs between any two builds.
    """
    kept = [item.triple if isinstance(item, ox.Quad) else item for item in triples]
    kept = [t for t in kept if t.predicate.value != BUILD_TIME]
    if not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in kept):
        return {str(t) for t in kept}
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in kept)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(quad.triple) for quad in dataset}


def public_counts(store: GraphStore) -> dict[str, int]:
    """Return the triples per public graph of ``store``."""
    return store.graphs(public_only=True)


def described_codes(store: GraphStore) -> list[str]:
    """Return a few codes worth describing: the first of each sub-sector, and one per distinct duration."""
    rows = store.query(
        """SELECT ?code ?sub ?duration WHERE {
             ?q cnc:code ?code . OPTIONAL { ?q cnc:subSector/skos:notation ?sub }
             OPTIONAL { ?q ?p ?duration FILTER(DATATYPE(?duration) = xsd:duration) } } ORDER BY ?code"""
    )
    codes: dict[str, str] = {}
    for row in rows:  # type: ignore[union-attr]
        for column in ("sub", "duration"):
            term = row[column]
            if term is not None:
                codes.setdefault(f"{column}={term.value}", row["code"].value)
    return sorted(set(codes.values()) | {"OFPPT-TS-TDI", "BTS-DSI"})


# --- build ---------------------------------------------------------------------------------------------


def test_build_gives_the_same_graphs_classes_and_counts(backend: Backend, reference_summary: BuildSummary) -> None:
    summary = backend.summary
    assert not summary.report.violations
    assert summary.graphs == reference_summary.graphs
    assert summary.classes == reference_summary.classes
    assert sorted(summary.frameworks, key=str) == sorted(reference_summary.frameworks, key=str)
    assert sorted(summary.qualifications, key=str) == sorted(reference_summary.qualifications, key=str)
    assert summarise(backend.store).graphs == summary.graphs
    assert sum(int(row["n"] or 0) for row in summary.qualifications) >= 150


# --- compare -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("framework", ["eqf", "acqf", "fr-nqf"])
def test_compare_levels_gives_the_same_matches(backend: Backend, reference: OxigraphStore, framework: str) -> None:
    for level in CNC_LEVELS:
        source, matches = compare_levels(backend.store, level, framework)
        ref_source, ref_matches = compare_levels(reference, level, framework)
        assert source.to_dict() == ref_source.to_dict()
        assert matches, f"no {framework} match for {level}"
        for lang in ("fr", "en", "ar"):
            assert [m.to_dict(lang) for m in matches] == [m.to_dict(lang) for m in ref_matches], (level, lang)
        if framework == "fr-nqf":
            assert matches[0].derived and len(matches[0].path) == 2


def test_compare_levels_walks_mappings_backwards(backend: Backend, reference: OxigraphStore) -> None:
    for level in ("eqf:5", "acqf:10", "fr-nqf:6"):
        got = [m.to_dict("en") for m in compare_levels(backend.store, level, "cnc")[1]]
        assert got == [m.to_dict("en") for m in compare_levels(reference, level, "cnc")[1]], level


@pytest.mark.parametrize(("a", "b"), QUALIFICATION_PAIRS)
def test_compare_qualifications_gives_the_same_comparison(
    backend: Backend, reference: OxigraphStore, a: str, b: str
) -> None:
    for lang in ("fr", "ar"):
        assert compare_qualifications(backend.store, a, b, lang) == compare_qualifications(reference, a, b, lang)


def test_comparable_qualifications_rank_the_same(backend: Backend, reference: OxigraphStore) -> None:
    for code, framework in (("OFPPT-TS-TDI", None), ("BTS-DSI", "eqf")):
        got = comparable_qualifications(backend.store, code, framework=framework, limit=20)
        assert got == comparable_qualifications(reference, code, framework=framework, limit=20)


# --- search and describe -------------------------------------------------------------------------------


@pytest.mark.parametrize("params", SEARCHES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_search_gives_the_same_page(backend: Backend, reference: OxigraphStore, params: dict[str, object]) -> None:
    got = search_index(backend.store).search(**params)  # type: ignore[arg-type]
    expected = search_index(reference).search(**params)  # type: ignore[arg-type]
    assert expected.total > 0
    assert (got.total, got.page, got.size) == (expected.total, expected.page, expected.size)
    assert got.items == expected.items


def test_describe_qualification_gives_isomorphic_graphs(backend: Backend, reference: OxigraphStore) -> None:
    base = backend.settings.base_iri
    codes = described_codes(reference)
    assert len(codes) >= 5
    for code in codes:
        got = describe_qualification(backend.store, code, base)
        expected = describe_qualification(reference, code, base)
        assert canonical(got) == canonical(expected), code


# --- dumps -------------------------------------------------------------------------------------------


DUMP_FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}
TURTLE_DUMPS = ("framework/cnc", "inventory/higher-education", "shapes")


def dumps_of(store: GraphStore, folder: Path, settings: Settings) -> dict[str, tuple[str | None, list[ox.Quad]]]:
    """Write every dump of ``store`` (each public graph and the whole graph in N-Triples, a few in Turtle) into
    ``folder`` with ``write_dump``; return, by file name, the graph IRI (None: the whole graph) and the parse."""
    parsed: dict[str, tuple[str | None, list[ox.Quad]]] = {}
    for graph in [None, *public_counts(store)]:
        key = None if graph is None else graph.removeprefix(settings.base_iri + "graph/")
        for syntax in ("nt", "ttl") if key in TURTLE_DUMPS else ("nt",):
            path = write_dump(store, folder / dump_name(key, syntax), syntax, key, settings)
            parsed[path.name] = (graph, list(ox.parse(path=str(path), format=DUMP_FORMATS[syntax])))
    return parsed


@pytest.fixture(scope="module")
def reference_dumps(reference: OxigraphStore, tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """The reference store's dumps, as canonical triples by file name."""
    folder = tmp_path_factory.mktemp("reference-dumps")
    settings = Settings(store="memory", root=ROOT)
    return {name: canonical(quads) for name, (_, quads) in dumps_of(reference, folder, settings).items()}


def test_dumps_parse_back_to_the_same_triples(
    backend: Backend, reference: OxigraphStore, reference_dumps: dict[str, set[str]]
) -> None:
    settings = backend.settings
    dumps = dumps_of(backend.store, backend.workdir / "dumps", settings)
    assert set(dumps) == set(reference_dumps)
    counts = public_counts(reference)
    assert len(dumps["cnc-graph.nt"][1]) > 10_001  # more than a stock Virtuoso gives in one answer
    for name, (graph, quads) in dumps.items():
        assert canonical(quads) == reference_dumps[name], name
        if graph is not None:
            assert len(quads) == counts[graph], name


def test_a_describe_larger_than_virtuosos_limit_is_whole_or_refused(backend: Backend) -> None:
    """A DESCRIBE cannot be read in pages: it comes back whole, or (Virtuoso, cut) as a StoreError naming the limit.

    The large CONSTRUCTs (every public triple: more than a stock Virtuoso answers at once) are the whole dump and
    the import's validation context, checked above and below.
    """
    describe = "DESCRIBE ?s WHERE { ?s ?p ?o }"
    if backend.name == "virtuoso":
        with pytest.raises(StoreError, match=r"cut the DESCRIBE answer at 10001 triples .*ResultSetMaxRows"):
            backend.store.query(describe)
        assert backend.store._row_cap == servers.VIRTUOSO_RESULT_ROWS  # type: ignore[attr-defined]
    else:
        assert len(list(backend.store.query(describe))) > servers.VIRTUOSO_RESULT_ROWS + 1  # type: ignore[arg-type]


PAGED_QUERIES = [
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "PREFIX ex: <http://example.org/>\n# a comment with } and {\nCONSTRUCT { ?s ex:label '}{' . ?s ?p ?o }\n"
    'WHERE { ?s ?p ?o FILTER(?o != "{") } VALUES ?p { ex:p ex:q }',
    "CONSTRUCT { ?s <http://example.org/n> ?n } WHERE { { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } "
    "GROUP BY ?s LIMIT 3 } }",
]


@pytest.mark.parametrize("query", PAGED_QUERIES)
def test_a_cut_construct_reads_the_same_in_pages(query: str) -> None:
    """The COUNT and the pages that read a cut CONSTRUCT again (remote_store, Virtuoso) give the query's answer."""
    store = ox.Store()
    ex = "http://example.org/"
    store.extend(
        ox.Quad(ox.NamedNode(f"{ex}s{i % 4}"), ox.NamedNode(ex + "pq"[i % 2]), ox.Literal(f"v{i}"), ox.DefaultGraph())
        for i in range(11)
    )
    paging = construct_pages(query)
    assert paging is not None
    count, page = paging
    total = int(next(iter(store.query(count)))["n"].value)  # type: ignore[index,call-overload]
    pages: set[str] = set()
    for offset in range(0, total + 2, 2):
        pages |= {str(t) for t in store.query(page(2, offset))}  # type: ignore[union-attr]
    assert total > 2 and pages == {str(t) for t in store.query(query)}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "query",
    [
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } offset 5",
        "DESCRIBE ?s WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o ",
    ],
)
def test_a_construct_with_its_own_modifiers_is_not_paged(query: str) -> None:
    assert construct_pages(query) is None


# --- import (last: it writes; the graph it replaces is put back) ----------------------------------------


def test_import_a_bad_file_changes_nothing_and_a_good_file_adds_to_one_graph(
    backend: Backend, reference: OxigraphStore
) -> None:
    """A rejected file leaves every public graph as it was; a valid one replaces its sub-sector's graph only.

    The import validates the file with the whole graph as context: on Virtuoso that context (every public
    triple, one CONSTRUCT) is larger than the stock result limit.
    """
    store, settings = backend.store, backend.settings
    graph = graph_iri(settings.base_iri, "inventory/vocational-training")
    before = public_counts(store)
    assert before == public_counts(reference)
    saved = list(store.query(load_query("graph_triples"), bindings={"g": ox.NamedNode(graph)}))  # type: ignore[call-overload]

    with pytest.raises(ValidationFailed) as failed:
        import_inventory(store, settings, INVENTORY / "missing-title.csv")
    assert len(failed.value.report.violations) == 1
    assert public_counts(store) == before

    try:
        result = import_inventory(store, settings, INVENTORY / "valid.csv")
        assert result.written and result.graph == graph and result.qualifications == 2
        assert not result.report.violations
        after = public_counts(store)
        assert {g: n for g, n in after.items() if g != graph} == {g: n for g, n in before.items() if g != graph}
        assert after[graph] == before[graph] + result.triples  # two records added, the sub-sector's others kept
        rows = store.query("SELECT ?c WHERE { ?q cnc:code ?c ; cnc:subSector/skos:notation 'vocational-training' }")
        codes = {row["c"].value for row in rows}  # type: ignore[index,union-attr]
        assert {"TEST-TS-A", "TEST-TS-B", "OFPPT-TS-TDI"} <= codes and len(codes) == result.kept + 2
        durations = store.query("SELECT ?d WHERE { ?q cnc:code 'TEST-TS-A' ; ?p ?d FILTER(isLiteral(?d)) }")
        assert '"P2Y"^^<http://www.w3.org/2001/XMLSchema#duration>' in {str(r["d"]) for r in durations}  # type: ignore[index,union-attr]
    finally:
        store.replace_graph(graph, saved)
    assert public_counts(store) == before


# --- the API, live, on each remote backend ----------------------------------------------------------------

API_JSON = [
    ("/api/frameworks", {"lang": "en"}),
    ("/api/frameworks/cnc/levels", {"lang": "ar"}),
    ("/api/qualifications", {"q": "développement"}),
    ("/api/qualifications", {"q": "بكالوريا", "lang": "ar", "size": 50}),
    ("/api/qualifications", {"level": "eqf:5", "size": 100}),
    ("/api/compare/levels", {"level": "cnc:6", "to": "eqf"}),
    ("/api/compare/levels", {"level": "cnc:6", "to": "fr-nqf"}),
    ("/api/compare/qualifications", {"a": "OFPPT-TS-TDI", "b": "BTS-DSI", "lang": "en"}),
]
SPARQL_SELECT = """SELECT ?key (COUNT(DISTINCT ?level) AS ?levels) (SAMPLE(?fw) AS ?framework) WHERE {
  ?fw a cnc:Framework ; skos:notation ?key . ?level skos:inScheme ?fw
} GROUP BY ?key ORDER BY ?key"""
SPARQL_LABELS = """SELECT ?notation ?label WHERE {
  ?level skos:inScheme/skos:notation 'cnc' ; skos:notation ?notation ; skos:prefLabel ?label
} ORDER BY ?notation ?label"""


@pytest.fixture(scope="module")
def reference_api(reference: OxigraphStore) -> Iterator[TestClient]:
    """The application on the embedded reference store, in this process."""
    with TestClient(create_app(Settings(store="memory", root=ROOT), reference)) as client:
        yield client


@pytest.fixture(scope="module")
def live(backend: Backend) -> Iterator[httpx.Client]:
    """A real ``cnc-graph serve --store SELECTOR`` on a remote backend; the app in-process on the embedded one
    (its in-memory store cannot be shared with another process; tests/test_api.py serves it live from disk)."""
    if backend.name not in REMOTES:
        with TestClient(create_app(Settings(store="memory", root=ROOT), backend.store)) as client:
            yield client  # type: ignore[misc]
        return
    started = time.perf_counter()
    with live_server(selector=backend.selector, log_dir=backend.workdir) as url:
        backend.timings["serve_start_s"] = time.perf_counter() - started
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


def _bindings(document: dict[str, object]) -> list[dict[str, dict[str, str]]]:
    return document["results"]["bindings"]  # type: ignore[index,no-any-return]


@pytest.mark.parametrize(("path", "params"), API_JSON, ids=lambda v: str(v) if isinstance(v, str) else None)
def test_live_api_answers_as_on_the_embedded_store(
    live: httpx.Client, reference_api: TestClient, path: str, params: dict[str, object]
) -> None:
    got = live.get(path, params=params)  # type: ignore[arg-type]
    expected = reference_api.get(path, params=params)  # type: ignore[arg-type]
    assert got.status_code == expected.status_code == 200, got.text
    assert got.json() == expected.json()


def test_live_qualification_turtle_is_the_same_graph(live: httpx.Client, reference_api: TestClient) -> None:
    for code in ("OFPPT-TS-TDI", "ING-ENSAM-GM"):
        got = live.get(f"/api/qualifications/{code}", headers={"Accept": "text/turtle"})
        expected = reference_api.get(f"/api/qualifications/{code}", headers={"Accept": "text/turtle"})
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/turtle")
        turtle = ox.RdfFormat.TURTLE
        assert canonical(ox.parse(got.content, format=turtle)) == canonical(ox.parse(expected.content, format=turtle))
    assert live.get("/api/qualifications/NO-SUCH-CODE").status_code == 404


def test_live_sparql_select_gives_the_same_results(live: httpx.Client, reference_api: TestClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    for query in (SPARQL_SELECT, SPARQL_LABELS):
        got = live.get("/sparql", params={"query": query}, headers=accept)
        expected = reference_api.get("/sparql", params={"query": query}, headers=accept)
        assert got.status_code == 200, got.text
        assert _bindings(got.json()) == _bindings(expected.json())
        assert _bindings(got.json())


def test_live_dump_is_the_same_graph(live: httpx.Client, reference_api: TestClient) -> None:
    got = live.get("/dumps/graph-framework-cnc.nt")
    expected = reference_api.get("/dumps/graph-framework-cnc.nt")
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/n-triples")
    nt = ox.RdfFormat.N_TRIPLES
    assert canonical(ox.parse(got.content, format=nt)) == canonical(ox.parse(expected.content, format=nt))

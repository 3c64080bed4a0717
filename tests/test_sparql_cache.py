"""The /sparql result cache: repeated identical queries on unchanged public data are answered without running
them again; a public write, a new accept list or a new dataset is a miss; errors are never kept; memory is bounded.

Unit tests run a real ``InlineQueryRunner`` on a real in-memory store (a counting subclass where the number of
runs matters); the HTTP tests run the application of ``api.app.create_app`` in a live uvicorn server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import requests
import uvicorn

from api.app import create_app
from api.routes.sparql import CACHE_HEADER
from cnc_graph.errors import InputError, QueryTimeout, StoreError
from cnc_graph.settings import Settings
from cnc_graph.sparql.cache import CachingQueryRunner, cache_key, entry_size, with_result_cache
from cnc_graph.sparql.results import CSV, SPARQL_JSON, QueryOutput
from cnc_graph.sparql.runner import InlineQueryRunner
from cnc_graph.sparql.text import is_volatile
from cnc_graph.sparql.workers import ProcessQueryRunner
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.remote import SparqlEndpointStore
from tests import servers
from tests.conftest import BASE, ROOT

PUBLIC = BASE + "graph/framework/test"
OTHER_PUBLIC = BASE + "graph/framework/other"
PRIVATE = BASE + "graph/private/accounts"
NAME = ox.NamedNode("http://example.org/name")
NAMES = "SELECT ?s ?name WHERE { ?s <http://example.org/name> ?name } ORDER BY ?s"
JSON_ONLY = [SPARQL_JSON]


def triple(n: int, name: str) -> ox.Triple:
    """Return ``<BASE item/n> ex:name "name"``."""
    return ox.Triple(ox.NamedNode(f"{BASE}item/{n}"), NAME, ox.Literal(name))


def names(output: QueryOutput) -> list[str]:
    """Return the ``?name`` column of a SPARQL JSON result."""
    return [row["name"]["value"] for row in json.loads(output.body)["results"]["bindings"]]


class CountingRunner(InlineQueryRunner):
    """An ``InlineQueryRunner`` that counts its runs and, while ``gate`` is clear, holds each run before it starts."""

    def __init__(self, store: OxigraphStore, *, timeout_s: float = 5.0, fail_first: bool = False) -> None:
        super().__init__(store, timeout_s=timeout_s, result_limit=1000)
        self.calls = 0
        self.gate = threading.Event()
        self.gate.set()
        self.fail_first = fail_first
        self._count_lock = threading.Lock()

    def run(
        self,
        query: str,
        accept: list[str],
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryOutput:
        """Count the call, wait for the gate, fail if it is the first of a ``fail_first`` runner, then run."""
        with self._count_lock:
            self.calls += 1
            first = self.calls == 1
        self.gate.wait(10)
        if first and self.fail_first:
            raise StoreError("the query worker stopped unexpectedly; try again")
        return super().run(query, accept, default_graphs, named_graphs)


@pytest.fixture()
def store() -> OxigraphStore:
    """A memory store with two public graphs and a private one."""
    store = OxigraphStore(None, BASE)
    store.replace_graph(PUBLIC, [triple(1, "un"), triple(2, "deux")])
    store.replace_graph(OTHER_PUBLIC, [triple(3, "trois")])
    store.replace_graph(PRIVATE, [triple(9, "secret")])
    return store


@pytest.fixture()
def inner(store: OxigraphStore) -> CountingRunner:
    """A counting inline runner on the store."""
    return CountingRunner(store)


@pytest.fixture()
def cached(store: OxigraphStore, inner: CountingRunner) -> CachingQueryRunner:
    """The cache with its default bounds in front of the counting runner."""
    return CachingQueryRunner(inner, store)


# --- hits and misses ------------------------------------------------------------------------------------


def test_a_repeated_query_is_a_hit_with_the_same_bytes(cached: CachingQueryRunner, inner: CountingRunner) -> None:
    first = cached.run(NAMES, JSON_ONLY)
    second = cached.run(NAMES, JSON_ONLY)
    assert (first.cache, second.cache) == ("miss", "hit")
    assert second.body == first.body and names(first) == ["un", "deux", "trois"]
    assert (second.media_type, second.kind, second.truncated) == (SPARQL_JSON, "select", False)
    assert inner.calls == 1


def test_another_accept_list_or_dataset_or_text_is_a_miss(cached: CachingQueryRunner, inner: CountingRunner) -> None:
    assert cached.run(NAMES, JSON_ONLY).cache == "miss"
    as_csv = cached.run(NAMES, [CSV])
    assert as_csv.cache == "miss" and as_csv.media_type == CSV and as_csv.body.startswith(b"s,name")
    only_public = cached.run(NAMES, JSON_ONLY, default_graphs=[PUBLIC])
    assert only_public.cache == "miss" and names(only_public) == ["un", "deux"]
    assert cached.run(NAMES, JSON_ONLY, default_graphs=[PUBLIC], named_graphs=[PUBLIC]).cache == "miss"
    assert cached.run(NAMES + " ", JSON_ONLY).cache == "miss"  # the text exactly, not its meaning
    assert inner.calls == 5
    assert cached.run(NAMES, [CSV]).cache == "hit"
    assert cached.run(NAMES, JSON_ONLY, default_graphs=[PUBLIC]).cache == "hit"
    assert inner.calls == 5


def test_a_public_write_makes_the_next_query_a_miss_with_the_new_data(
    store: OxigraphStore, cached: CachingQueryRunner, inner: CountingRunner
) -> None:
    assert names(cached.run(NAMES, JSON_ONLY)) == ["un", "deux", "trois"]
    assert cached.run(NAMES, JSON_ONLY).cache == "hit"
    store.replace_graph(PUBLIC, [triple(1, "one")])
    after = cached.run(NAMES, JSON_ONLY)
    assert after.cache == "miss" and names(after) == ["one", "trois"]
    assert len(cached) == 1  # the entry of the old generation was dropped, not only passed over
    assert cached.run(NAMES, JSON_ONLY).cache == "hit"
    assert inner.calls == 2


def test_a_private_write_keeps_the_entries(
    store: OxigraphStore, cached: CachingQueryRunner, inner: CountingRunner
) -> None:
    first = cached.run(NAMES, JSON_ONLY)
    store.replace_graph(PRIVATE, [triple(9, "autre secret")])
    again = cached.run(NAMES, JSON_ONLY)
    assert again.cache == "hit" and again.body == first.body and "secret" not in again.body.decode()
    assert inner.calls == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT ?s WHERE { ?s ?p }", "error"),
        ("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }", "read-only"),
    ],
)
def test_a_failing_query_is_never_kept_and_fails_every_time(
    cached: CachingQueryRunner, inner: CountingRunner, query: str, message: str
) -> None:
    for _ in range(3):
        with pytest.raises(InputError, match=message):
            cached.run(query, JSON_ONLY)
    assert inner.calls == 3 and len(cached) == 0 and cached.size_bytes == 0


def test_a_query_calling_now_or_rand_is_run_every_time(cached: CachingQueryRunner, inner: CountingRunner) -> None:
    query = "SELECT (NOW() AS ?t) (RAND() AS ?r) WHERE {}"
    assert is_volatile(query) and not is_volatile('SELECT ?s WHERE { ?s ?p "NOW()" } # RAND()')
    first, second = cached.run(query, JSON_ONLY), cached.run(query, JSON_ONLY)
    assert (first.cache, second.cache) == ("miss", "miss") and inner.calls == 2
    assert first.body != second.body  # RAND() differs; a replayed answer would be identical


# --- bounds ---------------------------------------------------------------------------------------------


def test_a_result_over_the_entry_cap_is_returned_but_not_kept(store: OxigraphStore, inner: CountingRunner) -> None:
    small = "ASK { ?s ?p ?o }"
    small_size = entry_size(cache_key(small, JSON_ONLY, None, None, 0), inner.run(small, JSON_ONLY))
    big_size = entry_size(cache_key(NAMES, JSON_ONLY, None, None, 0), inner.run(NAMES, JSON_ONLY))
    assert small_size < big_size
    cached = CachingQueryRunner(inner, store, max_entry_bytes=big_size - 1)
    inner.calls = 0
    assert [cached.run(NAMES, JSON_ONLY).cache for _ in range(2)] == ["miss", "miss"]
    assert names(cached.run(NAMES, JSON_ONLY)) == ["un", "deux", "trois"]
    assert [cached.run(small, JSON_ONLY).cache for _ in range(2)] == ["miss", "hit"]
    assert inner.calls == 4 and len(cached) == 1 and cached.size_bytes == small_size


def test_the_byte_bound_evicts_the_least_recently_used(store: OxigraphStore, inner: CountingRunner) -> None:
    queries = [f"SELECT ?name WHERE {{ <{BASE}item/{n}> <http://example.org/name> ?name }}" for n in (1, 2, 3)]
    sizes = [entry_size(cache_key(q, JSON_ONLY, None, None, 0), inner.run(q, JSON_ONLY)) for q in queries]
    cached = CachingQueryRunner(inner, store, max_bytes=sizes[0] + sizes[1] + sizes[2] - 1)  # room for two
    a, b, c = queries
    assert [cached.run(q, JSON_ONLY).cache for q in (a, b)] == ["miss", "miss"]
    assert cached.run(a, JSON_ONLY).cache == "hit"  # a is now the most recently used
    assert cached.run(c, JSON_ONLY).cache == "miss"  # makes room by evicting b
    assert len(cached) == 2 and cached.size_bytes == sizes[0] + sizes[2] <= cached.max_bytes
    assert cached.run(a, JSON_ONLY).cache == "hit"
    assert cached.run(c, JSON_ONLY).cache == "hit"
    assert cached.run(b, JSON_ONLY).cache == "miss"


# --- concurrent misses ----------------------------------------------------------------------------------


def test_concurrent_identical_misses_run_the_query_once(cached: CachingQueryRunner, inner: CountingRunner) -> None:
    inner.gate.clear()  # the first run holds until every caller has arrived
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(cached.run, NAMES, JSON_ONLY) for _ in range(6)]
        time.sleep(0.3)
        inner.gate.set()
        outputs = [f.result(timeout=10) for f in futures]
    assert inner.calls == 1
    assert sorted(o.cache or "" for o in outputs) == ["hit"] * 5 + ["miss"]
    assert {o.body for o in outputs} == {outputs[0].body}


def test_waiters_run_the_query_themselves_when_the_computing_call_fails(store: OxigraphStore) -> None:
    inner = CountingRunner(store, fail_first=True)
    cached = CachingQueryRunner(inner, store)
    inner.gate.clear()
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(cached.run, NAMES, JSON_ONLY) for _ in range(4)]
        time.sleep(0.3)
        inner.gate.set()
        results: list[Any] = []
        for future in futures:
            try:
                results.append(future.result(timeout=10))
            except StoreError as exc:
                results.append(exc)
    failures = [r for r in results if isinstance(r, StoreError)]
    answers = [r for r in results if isinstance(r, QueryOutput)]
    assert len(failures) == 1 and len(answers) == 3
    assert all(names(a) == ["un", "deux", "trois"] for a in answers)
    assert inner.calls == 4  # the failed run, then one per waiter
    assert cached.run(NAMES, JSON_ONLY).cache == "hit"


def test_a_waiter_gives_up_at_the_runner_timeout(store: OxigraphStore) -> None:
    inner = CountingRunner(store, timeout_s=0.3)
    cached = CachingQueryRunner(inner, store)
    assert cached.wait_s == 0.3
    inner.gate.clear()
    with ThreadPoolExecutor(2) as pool:
        computing = pool.submit(cached.run, NAMES, JSON_ONLY)
        time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="longer than 0.3 s"):
            cached.run(NAMES, JSON_ONLY)
        assert time.monotonic() - started < 1.0
        inner.gate.set()
        assert computing.result(timeout=10).cache == "miss"
    assert inner.calls == 1


# --- where the cache is used ----------------------------------------------------------------------------


def test_the_cache_stands_only_before_a_store_whose_generation_sees_every_write(tmp_path: Path) -> None:
    settings = Settings(store="memory")
    memory = OxigraphStore(None, BASE)
    assert isinstance(with_result_cache(InlineQueryRunner(memory, timeout_s=1, result_limit=10), memory, settings),
                      CachingQueryRunner)  # fmt: skip
    off = InlineQueryRunner(memory, timeout_s=1, result_limit=10)
    assert with_result_cache(off, memory, Settings(store="memory", sparql_cache_mb=0)) is off
    remote = SparqlEndpointStore("http://127.0.0.1:9/sparql", BASE)  # other clients may write the server
    runner = InlineQueryRunner(remote, timeout_s=1, result_limit=10)
    assert with_result_cache(runner, remote, settings) is runner
    writer = OxigraphStore(tmp_path / "store", BASE)
    writer.replace_graph(PUBLIC, [triple(1, "un")])
    writer.close()
    read_only = OxigraphStore(tmp_path / "store", BASE, read_only=True)  # another process may write it
    runner = InlineQueryRunner(read_only, timeout_s=1, result_limit=10)
    assert with_result_cache(runner, read_only, settings) is runner
    read_only.close()


def test_the_setting_is_read_from_cnc_sparql_cache_mb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CNC_SPARQL_CACHE_MB", raising=False)
    assert Settings.from_env().sparql_cache_mb == 64
    monkeypatch.setenv("CNC_SPARQL_CACHE_MB", "0")
    assert Settings.from_env().sparql_cache_mb == 0


# --- through the application, over HTTP -----------------------------------------------------------------


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Start uvicorn on a free port of 127.0.0.1 in a thread; return it, its thread and the /sparql URL."""
    port = servers.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="uvicorn-sparql-cache", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}/sparql"


@contextmanager
def live_app(store: OxigraphStore, settings: Settings) -> Iterator[tuple[str, Any]]:
    """Serve ``create_app(settings, store)``; yield the /sparql URL and the app's runner; stop and close after."""
    app = create_app(settings, store)
    server, thread, url = serve(app)
    try:
        yield url, app.state.query_runner
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.query_runner.close()


@pytest.fixture(params=["memory", "disk"])
def endpoint(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, OxigraphStore, Any]]:
    """The application with its default cache, over a memory store (threads) or on disk (a worker process)."""
    path = tmp_path / "store" if request.param == "disk" else None
    store = OxigraphStore(path, BASE)
    store.replace_graph(PUBLIC, [triple(1, "un"), triple(2, "deux")])
    settings = Settings(store=f"oxigraph:{path}" if path else "memory", root=ROOT, query_workers=1)
    with live_app(store, settings) as (url, runner):
        yield url, store, runner
    store.close()


def get(url: str, query: str, accept: str = SPARQL_JSON) -> requests.Response:
    """Send ``query`` by GET asking for ``accept``."""
    response = requests.get(url, params={"query": query}, headers={"Accept": accept}, timeout=20)
    assert response.status_code == 200, response.text
    return response


def http_names(response: requests.Response) -> list[str]:
    """Return the ``?name`` column of a SPARQL JSON answer."""
    return [row["name"]["value"] for row in response.json()["results"]["bindings"]]


def test_the_endpoint_says_miss_then_hit_and_misses_after_a_write(endpoint: tuple[str, OxigraphStore, Any]) -> None:
    url, store, runner = endpoint
    expected = ProcessQueryRunner if store.path is not None else InlineQueryRunner
    assert isinstance(runner, CachingQueryRunner) and isinstance(runner.inner, expected)
    first, second = get(url, NAMES), get(url, NAMES)
    assert (first.headers[CACHE_HEADER], second.headers[CACHE_HEADER]) == ("miss", "hit")
    assert second.content == first.content and http_names(first) == ["un", "deux"]
    assert get(url, NAMES, accept=CSV).headers[CACHE_HEADER] == "miss"
    store.replace_graph(PRIVATE, [triple(9, "secret")])
    assert get(url, NAMES).headers[CACHE_HEADER] == "hit"
    store.replace_graph(PUBLIC, [triple(1, "un"), triple(2, "deux"), triple(4, "quatre")])
    after = get(url, NAMES)
    assert after.headers[CACHE_HEADER] == "miss" and http_names(after) == ["un", "deux", "quatre"]
    assert get(url, NAMES).headers[CACHE_HEADER] == "hit"
    html = requests.get(url, params={"query": NAMES}, headers={"Accept": "text/html"}, timeout=20)
    assert html.status_code == 200 and "quatre" in html.text and html.headers[CACHE_HEADER] == "miss"
    bad = requests.get(url, params={"query": "SELECT ?s WHERE { ?s ?p }"}, timeout=20)
    assert bad.status_code == 400 and CACHE_HEADER not in bad.headers


def test_cnc_sparql_cache_mb_0_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNC_SPARQL_CACHE_MB", "0")
    store = OxigraphStore(None, BASE)
    store.replace_graph(PUBLIC, [triple(1, "un")])
    with live_app(store, Settings.from_env(store="memory", root=ROOT)) as (url, runner):
        assert isinstance(runner, InlineQueryRunner)
        answers = [get(url, NAMES) for _ in range(2)]
        assert all(CACHE_HEADER not in a.headers for a in answers)
        store.replace_graph(PUBLIC, [triple(1, "one")])
        assert http_names(get(url, NAMES)) == ["one"]

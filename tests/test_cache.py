"""Per-generation values: built once per state of the public graphs, by one request at a time."""

from __future__ import annotations

import gc
import threading
import weakref

from cnc_graph.store import generation
from cnc_graph.store.generation import per_generation


class FakeStore:
    """Just the counter that the caches key on."""

    public_generation = 0


def test_a_value_is_kept_until_a_public_write() -> None:
    store = FakeStore()
    built: list[int] = []

    def make(s: FakeStore) -> int:
        built.append(s.public_generation)
        return s.public_generation

    assert per_generation(store, make) == 0 and per_generation(store, make) == 0
    store.public_generation += 1
    assert per_generation(store, make) == 1
    assert built == [0, 1]


def test_requests_waiting_for_a_build_share_it() -> None:
    store = FakeStore()
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow(s: FakeStore) -> str:
        calls.append(1)
        entered.set()
        release.wait(timeout=30)
        return "index"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(per_generation(store, slow))) for _ in range(8)]
    for t in threads:
        t.start()
    entered.wait(timeout=30)
    release.set()
    for t in threads:
        t.join(timeout=30)
    assert results == ["index"] * 8
    assert len(calls) == 1


class Node:
    """An object the cyclic collector tracks (it can be in a cycle)."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_a_large_index_is_hidden_from_the_collector_and_still_freed_once_dropped(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(generation, "SETTLE_AFTER_S", 0.0)  # every build counts as large
    store = FakeStore()

    def build(s: FakeStore) -> list[Node]:
        return [Node() for _ in range(1000 if s.public_generation == 0 else 1)]

    garbage = Node()
    garbage.other = Node()
    garbage.other.other = garbage  # a cycle: only the collector frees it
    cycle = weakref.ref(garbage)
    del garbage
    try:
        index = per_generation(store, build)
        assert cycle() is None  # collected before the freeze, not kept for ever in the frozen generation
        assert gc.get_freeze_count() >= 1000
        tracked = {id(o) for o in gc.get_objects()}  # the collector's generations, the frozen one left out
        assert not any(id(node) in tracked for node in index)
        kept = weakref.ref(index[0])
        del index
        store.public_generation += 1
        assert len(per_generation(store, build)) == 1  # a write: the next build replaces the first index
        assert kept() is None  # frozen objects are freed by reference counting
    finally:
        gc.unfreeze()

"""Per-generation values: built once per state of the public graphs, by one request at a time."""

from __future__ import annotations

import threading

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

"""Indexes read from the store once and kept until the store's next committed write."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

_CACHES: weakref.WeakKeyDictionary[object, dict[object, tuple[int, object]]] = weakref.WeakKeyDictionary()
_BUILDING: weakref.WeakKeyDictionary[object, dict[object, threading.Lock]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
#: An index that took longer than this to build is large enough to hide from the collector (see ``_settle``).
SETTLE_AFTER_S = 1.0


def per_generation(store: object, factory: Callable[..., T]) -> T:
    """Return ``factory(store)``, built once per state of the public graphs (a public write rebuilds it).

    Requests that need the value while it is being built wait for that build instead of starting their
    own: after a write, a server under load builds each index once, not once per waiting request.
    """
    generation = public_generation(store)
    with _LOCK:
        entries = _CACHES.setdefault(store, {})
        cached = entries.get(factory)
        building = _BUILDING.setdefault(store, {}).setdefault(factory, threading.Lock())
    if cached is not None and cached[0] == generation:
        return cached[1]  # type: ignore[return-value]
    with building:
        generation = public_generation(store)
        with _LOCK:
            cached = entries.get(factory)
        if cached is not None and cached[0] == generation:
            return cached[1]  # type: ignore[return-value]  # built while this request waited
        start = time.perf_counter()
        value = factory(store)
        with _LOCK:
            entries[factory] = (generation, value)
        if time.perf_counter() - start > SETTLE_AFTER_S:
            _settle()
    return value


def _settle() -> None:
    """Collect the garbage, then leave every object alive now out of the collector's later full passes.

    A large index is a million objects or more that live until the next write; each full pass of the cyclic
    collector walks them all (0.3 s at 100,000 qualifications), stopping every request meanwhile. Frozen, they are
    still freed by reference counting once dropped; the next settle (after the next large build) first thaws them,
    so that a cycle among them is collected then.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def public_generation(store: object) -> int:
    """Return the store's counter of public-graph writes (its write counter if it keeps no separate one)."""
    return int(getattr(store, "public_generation", getattr(store, "generation", 0)))


class _Memo(dict):
    """Values of ``memoised``, kept for one state of the public graphs."""

    def __init__(self, _store: object) -> None:
        super().__init__()


def memoised(store: object, key: Hashable, compute: Callable[[], T]) -> T:
    """Return ``compute()``, computed once per state of the public graphs and ``key``.

    For small values read on many requests (a framework's levels in a language, …): ``key`` must take few
    values, since they are all kept until the next public write. Callers must not change what they get.
    """
    memo = per_generation(store, _Memo)
    if key not in memo:
        memo[key] = compute()
    return memo[key]

"""Indexes read from the store once and kept until the store's next committed write."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

_CACHES: weakref.WeakKeyDictionary[object, dict[object, tuple[int, object]]] = weakref.WeakKeyDictionary()
_BUILDING: weakref.WeakKeyDictionary[object, dict[object, threading.Lock]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


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
        value = factory(store)
        with _LOCK:
            entries[factory] = (generation, value)
    return value


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

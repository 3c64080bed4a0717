"""Indexes read from the store once and kept until the store's next committed write."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_CACHES: weakref.WeakKeyDictionary[object, dict[object, tuple[int, object]]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def per_generation(store: object, factory: Callable[..., T]) -> T:
    """Return ``factory(store)``, built once per store generation (a write makes the next call rebuild it)."""
    generation = getattr(store, "generation", 0)
    with _LOCK:
        entries = _CACHES.setdefault(store, {})
        cached = entries.get(factory)
    if cached is not None and cached[0] == generation:
        return cached[1]  # type: ignore[return-value]
    value = factory(store)
    with _LOCK:
        entries[factory] = (generation, value)
    return value

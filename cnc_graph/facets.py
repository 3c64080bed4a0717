"""Facet counts of a search: how many of the matching qualifications fall in each sub-sector, CNC level, EQF
level, ISCED-F broad field, awarding body and region, each value named in the asked language.

Counted over the search's hits (``SearchIndex.hits``), kept per search like the hits themselves, so that the
next page of the same search costs nothing more.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cnc_graph.errors import InputError, NotFound
from cnc_graph.labels import pick
from cnc_graph.search import ISCED_F, SearchIndex, search_index
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore

#: The facets in the order a page shows them, each with the filter parameter it sets.
FACETS = ("subsector", "cnc", "eqf", "field", "body", "region")


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: the filter value it sets, its label (and that label's language), its count."""

    value: str
    label: str
    label_lang: str | None
    count: int

    def to_dict(self) -> dict[str, object]:
        """Return the value as JSON-ready data."""
        return {"value": self.value, "label": self.label, "label_lang": self.label_lang, "count": self.count}


class FacetCounter:
    """The facet counts of the searches of one index, the most recent kept."""

    KEPT = 64

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self._kept: OrderedDict[tuple[object, ...], dict[str, Counter[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def facets(self, key: tuple[object, ...], hits: Sequence[int], lang: str) -> dict[str, list[FacetValue]]:
        """Return, for each facet, its values among ``hits`` (most frequent first) with their labels in ``lang``."""
        with self._lock:
            counts = self._kept.get(key)
            if counts is not None:
                self._kept.move_to_end(key)
        if counts is None:
            counts = self._count(hits)
            with self._lock:
                self._kept[key] = counts
                while len(self._kept) > self.KEPT:
                    self._kept.popitem(last=False)
        return {name: self._values(name, counts[name], lang) for name in FACETS}

    def _count(self, hits: Sequence[int]) -> dict[str, Counter[str]]:
        counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        summaries, equivalents = self.index.summaries, self.index.equivalents
        for position in hits:
            s = summaries[position]
            if s.subsector is not None:
                counts["subsector"][s.subsector] += 1
            levels = equivalents.get(s.level or "", {})
            for framework in ("cnc", "eqf"):
                if framework in levels:
                    counts[framework][levels[framework]] += 1
            for broad in {f[:2] for f in s.fields}:
                counts["field"][broad] += 1
            if s.body is not None:
                counts["body"][s.body] += 1
            for region in s.regions:
                counts["region"][region] += 1
        return counts

    def _values(self, name: str, counts: Counter[str], lang: str) -> list[FacetValue]:
        values = [FacetValue(value, *self._label(name, value, lang), count) for value, count in counts.items()]
        if name in ("cnc", "eqf", "field"):  # an ordered scale: in its own order
            return sorted(values, key=lambda v: (len(v.value), v.value))
        return sorted(values, key=lambda v: (-v.count, v.label.casefold()))

    def _label(self, name: str, value: str, lang: str) -> tuple[str, str | None]:
        labels: dict[str, str] = {}
        if name in ("cnc", "eqf"):
            try:
                labels = self.index.graph.level(f"{name}:{value}").labels
            except (NotFound, InputError):
                labels = {}
        elif name == "field":
            labels = self.index.labels.get(ISCED_F + value, {})
        else:
            labels = self.index.labels.get(value, {})
        text, text_lang = pick(labels, lang)
        return (text or value), text_lang


def _counter(store: GraphStore) -> FacetCounter:
    return FacetCounter(search_index(store))


def search_facets(store: GraphStore, lang: str, **filters: Any) -> dict[str, list[FacetValue]]:
    """Return the facets of the search ``filters`` (the arguments of ``SearchIndex.hits``) on ``store``."""
    hits = search_index(store).hits(**filters)
    key = tuple(sorted((name, value) for name, value in filters.items() if name not in ("sort", "lang")))
    return per_generation(store, _counter).facets(key, hits, lang)

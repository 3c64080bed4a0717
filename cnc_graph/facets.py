"""Facet counts of a search: how many of the matching qualifications fall in each sub-sector, CNC level, EQF
level, ISCED-F broad field, awarding body and region, each value named in the asked language.

Counted over the search's hits (``SearchIndex.hits``), kept per search like the hits themselves, so that the
next page of the same search costs nothing more. Each facet's values are numbered once per index (``FacetArrays``),
so that counting the hits of a search is a few array passes, not a loop over the hits.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

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
        self.arrays = FacetArrays(index)
        self._kept: OrderedDict[tuple[object, ...], dict[str, Counter[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def facets(self, key: tuple[object, ...], hits: Sequence[int], lang: str) -> dict[str, list[FacetValue]]:
        """Return, for each facet, its values among ``hits`` (most frequent first) with their labels in ``lang``."""
        with self._lock:
            counts = self._kept.get(key)
            if counts is not None:
                self._kept.move_to_end(key)
        if counts is None:
            counts = self.arrays.count(hits)
            with self._lock:
                self._kept[key] = counts
                while len(self._kept) > self.KEPT:
                    self._kept.popitem(last=False)
        return {name: self._values(name, counts[name], lang) for name in FACETS}

    def _values(self, name: str, counts: Counter[str], lang: str) -> list[FacetValue]:
        values = [FacetValue(value, *self._label(name, value, lang), count) for value, count in counts.items()]
        if name in ("cnc", "eqf", "field"):  # an ordered scale: in its own order
            return sorted(values, key=lambda v: (len(v.value), v.value))
        return sorted(values, key=lambda v: (-v.count, v.label.casefold(), v.value))

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


def facet_values(index: SearchIndex, position: int) -> dict[str, set[str]]:
    """Return the facet values of the qualification at ``position``: the one definition the counts follow."""
    s = index.summaries[position]
    levels = index.equivalents.get(s.level or "", {})
    return {
        "subsector": {s.subsector} if s.subsector is not None else set(),
        "cnc": {levels["cnc"]} if "cnc" in levels else set(),
        "eqf": {levels["eqf"]} if "eqf" in levels else set(),
        "field": {f[:2] for f in s.fields},
        "body": {s.body} if s.body is not None else set(),
        "region": set(s.regions),
    }


class FacetArrays:
    """Every qualification's facet values, numbered: for each facet, one (position, value number) pair per value."""

    def __init__(self, index: SearchIndex) -> None:
        self.size = len(index.summaries)
        self.names: dict[str, list[str]] = {name: [] for name in FACETS}
        numbers: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        owners: dict[str, list[int]] = {name: [] for name in FACETS}
        values: dict[str, list[int]] = {name: [] for name in FACETS}
        for position in range(self.size):
            for name, found in facet_values(index, position).items():
                for value in found:
                    number = numbers[name].setdefault(value, len(numbers[name]))
                    if number == len(self.names[name]):
                        self.names[name].append(value)
                    owners[name].append(position)
                    values[name].append(number)
        self.owner = {name: np.array(owners[name], dtype=np.intp) for name in FACETS}
        self.value = {name: np.array(values[name], dtype=np.intp) for name in FACETS}

    def count(self, hits: Sequence[int]) -> dict[str, Counter[str]]:
        """Return, for each facet, how many of ``hits`` have each of its values (values no hit has left out)."""
        chosen = np.zeros(self.size, dtype=bool)
        chosen[np.asarray(hits, dtype=np.intp)] = True
        counts: dict[str, Counter[str]] = {}
        for name in FACETS:
            tally = np.bincount(self.value[name][chosen[self.owner[name]]], minlength=len(self.names[name]))
            counts[name] = Counter({self.names[name][i]: int(tally[i]) for i in np.flatnonzero(tally)})
        return counts


def _counter(store: GraphStore) -> FacetCounter:
    return FacetCounter(search_index(store))


def search_facets(store: GraphStore, lang: str, **filters: Any) -> dict[str, list[FacetValue]]:
    """Return the facets of the search ``filters`` (the arguments of ``SearchIndex.hits``) on ``store``."""
    hits = search_index(store).hits(**filters)
    key = tuple(sorted((name, value) for name, value in filters.items() if name not in ("sort", "lang")))
    return per_generation(store, _counter).facets(key, hits, lang)

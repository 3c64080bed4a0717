"""The values a card field offers, with their labels from the store: organisations, regions, vocabularies, levels.

``card.form`` says which values a field takes (from the shapes and the card schema); this module adds what
the store knows of them — each value's labels by language — and, for the fields whose values are the
register's own organisations, the list of those. Built once per state of the public graphs.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from cnc_graph.labels import pick
from cnc_graph.rdf.query_files import select, value
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore

#: Where the value of each kind of field is found under the base IRI.
VALUE_PATHS = {
    "subsector": "subsector/",
    "level": "framework/cnc/level/",
    "acquisition-mode": "vocab/acquisition-mode/",
    "status": "vocab/qualification-status/",
    "regions": "region/",
    "organisation": "organisation/",
    "accreditation-body": "organisation/",
    "providers": "organisation/",
}


@dataclass(frozen=True)
class Choice:
    """One value a field offers and its labels by language."""

    value: str
    labels: dict[str, str]

    def label(self, lang: str) -> tuple[str, str | None]:
        """Return the value's label in ``lang`` (else its fallback, with the language it is in), else the value."""
        text, text_lang = pick(self.labels, lang)
        return (text, text_lang) if text else (self.value, None)


class CardChoices:
    """The labelled values of the card's fields, as the store has them."""

    def __init__(self, store: GraphStore, base: str) -> None:
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        for row in select(store, "card_choice_labels", base=ox.Literal(base)):
            term = row["label"]
            lang = getattr(term, "language", None) or "und"
            labels[str(value(row["term"]))].setdefault(lang, str(value(term)))
        self.base = base
        self._labels = dict(labels)
        prefix = base + "organisation/"
        organisations = [iri.removeprefix(prefix) for iri in labels if iri.startswith(prefix)]
        self.organisations = sorted(organisations, key=lambda key: pick(labels[prefix + key], "fr")[0] or key)

    def labels(self, kind: str, text: str) -> dict[str, str]:
        """Return the labels of one value of a field of ``kind`` (empty when the store has none)."""
        path = VALUE_PATHS.get(kind)
        return dict(self._labels.get(self.base + path + text, {})) if path else {}

    def for_field(self, kind: str, values: tuple[str, ...]) -> list[Choice]:
        """Return the choices of a field of ``kind``: ``values`` (from the shapes), or the organisations."""
        if not values and VALUE_PATHS.get(kind) == "organisation/":
            values = tuple(self.organisations)
        return [Choice(v, self.labels(kind, v)) for v in values]


@functools.cache
def _builder(base: str) -> Callable[[GraphStore], CardChoices]:
    # One factory per base IRI: per_generation keeps one value per factory.
    return functools.partial(CardChoices, base=base)


def card_choices(store: GraphStore, base: str) -> CardChoices:
    """Return the card's labelled choices for ``store`` (built once per state of the public graphs)."""
    return per_generation(store, _builder(base))

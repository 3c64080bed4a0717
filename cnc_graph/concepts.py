"""ESCO skills and occupations found by their label: the card form's search-as-you-type.

The index holds the ESCO concepts of the public graphs (those ``data/esco`` brings), built once per state of
the public graphs. A query matches the labels that contain every word of it, accents and case aside; those
starting with the query come first, then the shorter labels.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from cnc_graph.card.fields import ESCO_OCCUPATION, ESCO_SKILL
from cnc_graph.labels import pick
from cnc_graph.rdf.query_files import select, value
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore

KINDS = {"skill": ESCO_SKILL, "occupation": ESCO_OCCUPATION}


def folded(text: str) -> str:
    """Return ``text`` in lower case without accents (« Développer » → « developper »)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Concept:
    """One ESCO concept: its IRI and its labels by language."""

    iri: str
    labels: dict[str, str]


class ConceptIndex:
    """The ESCO concepts of the store, searchable by the words of their labels."""

    def __init__(self, store: GraphStore) -> None:
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        for row in select(store, "esco_concepts"):
            term = row["label"]
            lang = getattr(term, "language", None) or "und"
            labels[str(value(row["concept"]))].setdefault(lang, str(value(term)))
        self.concepts = [Concept(iri, dict(found)) for iri, found in sorted(labels.items())]
        self._folded = [(c, [folded(text) for text in c.labels.values()]) for c in self.concepts]

    def find(self, kind: str, query: str, lang: str, limit: int = 10) -> list[dict[str, str | None]]:
        """Return up to ``limit`` concepts of ``kind`` (skill, occupation) whose label holds every word of ``query``."""
        prefix = KINDS[kind]
        words = folded(query).split()
        if not words:
            return []
        whole = " ".join(words)
        ranked: list[tuple[tuple[int, int, str], Concept]] = []
        for concept, texts in self._folded:
            if not concept.iri.startswith(prefix):
                continue
            matching = [t for t in texts if all(w in t for w in words)]
            if matching:
                best = min((0 if t.startswith(whole) else 1, len(t)) for t in matching)
                ranked.append(((*best, concept.iri), concept))
        ranked.sort(key=lambda item: item[0])
        found = []
        for _, concept in ranked[:limit]:
            label, label_lang = pick(concept.labels, lang)
            found.append({"iri": concept.iri, "label": label, "lang": label_lang})
        return found


def concept_index(store: GraphStore) -> ConceptIndex:
    """Return the store's ESCO concept index (built once per state of the public graphs)."""
    return per_generation(store, ConceptIndex)

"""Comparing levels and qualifications across frameworks, with the mapping path as evidence.

Level mappings are SSSOM records loaded into the graph. A match is either direct (one record)
or derived through a pivot framework (CNC → EQF → an NQF referenced to the EQF), with the
composed SKOS relation, the weakest confidence on the path, and the records in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cnc_graph.errors import InputError, Location, NotFound
from cnc_graph.iris import SEMAPV, SKOS
from cnc_graph.labels import pick
from cnc_graph.rdf.query_files import select, value
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore

EXACT, CLOSE, BROAD, NARROW, RELATED = "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"
INVERSE = {EXACT: EXACT, CLOSE: CLOSE, BROAD: NARROW, NARROW: BROAD, RELATED: RELATED}
STRENGTH = {EXACT: 4, CLOSE: 3, BROAD: 2, NARROW: 2, RELATED: 1}
MAX_PATH = 3


def compose(first: str, second: str) -> str:
    """Return the relation of A to C given A ``first`` B and B ``second`` C (SKOS mapping relations)."""
    if RELATED in (first, second):
        return RELATED
    if first == EXACT:
        return second
    if second == EXACT:
        return first
    if first == CLOSE:
        return second
    if second == CLOSE:
        return first
    if first == second:
        return first
    return RELATED  # broad then narrow, or narrow then broad: the two only share something


@dataclass(frozen=True)
class LevelRef:
    """A level: its IRI, framework key, notation and labels."""

    iri: str
    framework: str
    notation: str
    number: int | None
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self, lang: str = "fr") -> dict[str, object]:
        """Return the level as JSON-ready data, its label in ``lang`` (or a marked fallback)."""
        text, text_lang = pick(self.labels, lang)
        return {
            "id": self.iri,
            "framework": self.framework,
            "notation": self.notation,
            "label": text,
            "label_lang": text_lang,
        }


@dataclass(frozen=True)
class MappingEdge:
    """One mapping record, possibly walked against its direction (then ``predicate`` is inverted)."""

    record: str
    subject: str
    predicate: str
    object: str
    justification: str
    confidence: float
    sources: tuple[str, ...]
    comment: str | None
    mapping_set: str | None
    inverted: bool = False
    authors: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-ready data."""
        return {
            "record": self.record,
            "subject": self.subject,
            "predicate": SKOS + self.predicate,
            "object": self.object,
            "justification": self.justification,
            "confidence": self.confidence,
            "source": list(self.sources),
            "comment": self.comment,
            "mapping_set": self.mapping_set,
            "walked_inverse": self.inverted,
        }


@dataclass
class LevelMatch:
    """A level of the target framework matching the asked level, and why."""

    level: LevelRef
    relation: str
    confidence: float
    justification: str
    path: list[MappingEdge]

    @property
    def derived(self) -> bool:
        """Return whether the match goes through a pivot framework."""
        return len(self.path) > 1

    @property
    def sources(self) -> list[str]:
        """Return the source documents of every record on the path."""
        return [s for edge in self.path for s in edge.sources]

    def to_dict(self, lang: str = "fr") -> dict[str, object]:
        """Return the match as JSON-ready data (the API's and the CLI's shape)."""
        return {
            "level": self.level.to_dict(lang),
            "relation": SKOS + self.relation,
            "relation_name": self.relation,
            "confidence": self.confidence,
            "justification": self.justification,
            "derived": self.derived,
            "source": self.sources,
            "path": [edge.to_dict() for edge in self.path],
        }


class GraphIndex:
    """What the comparisons need from the graph, read once per store generation."""

    def __init__(self, store: GraphStore) -> None:
        self.frameworks: dict[str, dict[str, str]] = defaultdict(dict)
        self.framework_iris: dict[str, str] = {}
        for row in select(store, "frameworks"):
            key = str(value(row["key"]))
            self.framework_iris[key] = str(value(row["framework"]))
            if row["label"] is not None:
                self.frameworks[key][getattr(row["label"], "language", None) or "und"] = row["label"].value
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        raw_levels: dict[str, tuple[str, str, int | None]] = {}
        for row in select(store, "levels"):
            iri = str(value(row["level"]))
            number = value(row["number"])
            raw_levels[iri] = (str(value(row["key"])), str(value(row["notation"])), int(number) if number else None)
            if row["label"] is not None:
                labels[iri][getattr(row["label"], "language", None) or "und"] = row["label"].value
        self.levels = {iri: LevelRef(iri, k, n, num, dict(labels[iri])) for iri, (k, n, num) in raw_levels.items()}
        self.by_notation = {(lv.framework, lv.notation): lv for lv in self.levels.values()}
        self.edges: dict[str, list[MappingEdge]] = defaultdict(list)
        for row in select(store, "mapping_records"):
            predicate = str(value(row["predicate"])).removeprefix(SKOS)
            if predicate not in INVERSE:
                continue
            confidence = value(row["confidence"])
            edge = MappingEdge(
                record=str(value(row["record"])),
                subject=str(value(row["subject"])),
                predicate=predicate,
                object=str(value(row["object"])),
                justification=str(value(row["justification"])),
                confidence=float(confidence) if confidence is not None else 1.0,
                # GROUP_CONCAT has no defined order (Oxigraph and Virtuoso differ): sort, for the same answer anywhere.
                sources=tuple(sorted(s for s in (value(row["sources"]) or "").split("|") if s)),
                comment=value(row["comment"]),
                mapping_set=value(row["set"]),
                authors=tuple(sorted(a for a in (value(row["authors"]) or "").split("|") if a)),
            )
            self.edges[edge.subject].append(edge)
            self.edges[edge.object].append(
                MappingEdge(
                    edge.record,
                    edge.object,
                    INVERSE[predicate],
                    edge.subject,
                    edge.justification,
                    edge.confidence,
                    edge.sources,
                    edge.comment,
                    edge.mapping_set,
                    inverted=True,
                    authors=edge.authors,
                )
            )

    def framework(self, key: str) -> str:
        """Return a known framework key, or raise NotFound listing the known ones."""
        if key not in self.framework_iris:
            known = ", ".join(sorted(self.framework_iris))
            raise NotFound(f"unknown framework « {key} »; known frameworks: {known}")
        return key

    def level(self, ref: str) -> LevelRef:
        """Return the level named ``framework:notation`` (e.g. ``cnc:6``) or by IRI; NotFound if none."""
        if ref in self.levels:
            return self.levels[ref]
        key, sep, notation = ref.partition(":")
        if not sep or not notation:
            raise InputError(
                f"« {ref} » is not a level reference: write FRAMEWORK:LEVEL, e.g. cnc:6", Location(field="level")
            )
        self.framework(key)
        level = self.by_notation.get((key, notation))
        if level is None:
            notations = sorted(
                (lv for lv in self.levels.values() if lv.framework == key),
                key=lambda lv: (lv.number if lv.number is not None else 0, lv.notation),
            )
            known = ", ".join(lv.notation for lv in notations)
            raise NotFound(f"framework « {key} » has no level « {notation} »; its levels are {known}")
        return level


def index_for(store: GraphStore) -> GraphIndex:
    """Return the (cached) graph index of ``store`` for its current generation."""
    return per_generation(store, GraphIndex)


def _paths(index: GraphIndex, start: str, target: str) -> Iterable[list[MappingEdge]]:
    """Yield simple mapping paths (≤ MAX_PATH edges) from ``start`` to levels of framework ``target``."""
    stack: list[tuple[str, list[MappingEdge], set[str]]] = [(start, [], {start})]
    while stack:
        node, path, seen = stack.pop()
        for edge in index.edges.get(node, []):
            if edge.object in seen:
                continue
            level = index.levels.get(edge.object)
            if level is None:
                continue
            new_path = [*path, edge]
            if level.framework == target:
                yield new_path
            elif len(new_path) < MAX_PATH:
                stack.append((edge.object, new_path, seen | {edge.object}))


def _match(index: GraphIndex, path: list[MappingEdge]) -> LevelMatch:
    relation = path[0].predicate
    for edge in path[1:]:
        relation = compose(relation, edge.predicate)
    justification = path[0].justification if len(path) == 1 else SEMAPV + "MappingChaining"
    return LevelMatch(index.levels[path[-1].object], relation, min(e.confidence for e in path), justification, path)


def compare_levels(store: GraphStore, level: str, to_framework: str) -> tuple[LevelRef, list[LevelMatch]]:
    """Return the level and its matches in ``to_framework``: direct ones, else derived through pivots.

    Among derived matches to the same target level, the strongest relation then the highest
    confidence then the shortest path wins. Unknown levels and frameworks raise NotFound.
    """
    index = index_for(store)
    source = index.level(level)
    target = index.framework(to_framework)
    if source.framework == target:
        raise InputError(f"« {level} » is already a level of {target}: choose another framework", Location(field="to"))
    paths = list(_paths(index, source.iri, target))
    direct = [_match(index, p) for p in paths if len(p) == 1]
    candidates = direct or [_match(index, p) for p in paths]
    best: dict[str, LevelMatch] = {}
    for match in candidates:
        key = match.level.iri
        rank = (STRENGTH[match.relation], match.confidence, -len(match.path))
        if key not in best or rank > (STRENGTH[best[key].relation], best[key].confidence, -len(best[key].path)):
            best[key] = match
    ordered = sorted(best.values(), key=lambda m: (-STRENGTH[m.relation], -m.confidence, m.level.number or 0))
    return source, ordered


# --- qualifications ----------------------------------------------------------------------------

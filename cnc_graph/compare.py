"""Comparing levels and qualifications across frameworks, with the mapping path as evidence.

Level mappings are SSSOM records loaded into the graph. A match is either direct (one record)
or derived through a pivot framework (CNC → EQF → an NQF referenced to the EQF), with the
composed SKOS relation, the weakest confidence on the path, and the records in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from cnc_graph.cache import per_generation
from cnc_graph.errors import InputError, Location, NotFound
from cnc_graph.labels import pick
from cnc_graph.namespaces import CNC, SEMAPV, SKOS
from cnc_graph.queries import load_query, select, value
from cnc_graph.store import GraphStore

EXACT, CLOSE, BROAD, NARROW, RELATED = "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"
INVERSE = {EXACT: EXACT, CLOSE: CLOSE, BROAD: NARROW, NARROW: BROAD, RELATED: RELATED}
STRENGTH = {EXACT: 4, CLOSE: 3, BROAD: 2, NARROW: 2, RELATED: 1}
MAX_PATH = 3
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


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

    def to_dict(self) -> dict[str, object]:
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


@dataclass
class Features:
    """What a qualification is compared on."""

    iri: str
    code: str
    levels: set[str] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)
    skills: set[str] = field(default_factory=set)
    occupations: set[str] = field(default_factory=set)


class QualificationIndex:
    """Every qualification's comparable features and the labels of the concepts they cite."""

    def __init__(self, store: GraphStore) -> None:
        qualifications: set[str] = set()
        codes: dict[str, str] = {}
        values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for subject, predicate, obj in store.query(load_query("qualification_features")):  # type: ignore[union-attr, misc]
            kind = predicate.value.removeprefix(CNC)
            if kind == RDF_TYPE:
                qualifications.add(subject.value)
            elif kind == "code":
                codes.setdefault(subject.value, obj.value)
            else:
                values[subject.value][kind].add(obj.value)
        self.by_code: dict[str, Features] = {}
        for iri in qualifications:
            code = codes.get(iri)
            if code is None:
                continue
            own = values.get(iri, {})
            skills = set(own.get("relatedSkill", ()))
            for outcome in own.get("hasLearningOutcome", ()):
                skills |= values.get(outcome, {}).get("relatedSkill", set())
            features = Features(
                iri,
                code,
                levels=set(own.get("level", ())),
                fields=set(own.get("iscedField", ())),
                skills=skills,
                occupations=set(own.get("relatedOccupation", ())),
            )
            if features.levels or features.fields or features.skills or features.occupations:
                self.by_code[code] = features  # as before: nothing to compare on, not comparable
        self.labels: dict[str, dict[str, str]] = defaultdict(dict)
        for row in select(store, "concept_labels"):
            label = row["label"]
            if label is not None:
                self.labels[str(value(row["concept"]))].setdefault(
                    getattr(label, "language", None) or "und", label.value
                )

    def features(self, code: str) -> Features:
        """Return a qualification's features by code, or raise NotFound."""
        found = self.by_code.get(code)
        if found is None:
            raise NotFound(f"no qualification with code « {code} »")
        return found

    def concept(self, iri: str, lang: str) -> dict[str, object]:
        """Return a concept IRI with its label in ``lang`` (or a marked fallback)."""
        text, text_lang = pick(self.labels.get(iri, {}), lang)
        return {"id": iri, "label": text, "label_lang": text_lang}


def qualification_index(store: GraphStore) -> QualificationIndex:
    """Return the (cached) qualification index of ``store`` for its current generation."""
    return per_generation(store, QualificationIndex)


def jaccard(a: set[str], b: set[str]) -> float | None:
    """Return |a ∩ b| / |a ∪ b|, or None when both are empty (nothing to compare)."""
    union = a | b
    return round(len(a & b) / len(union), 4) if union else None


def field_match(a: set[str], b: set[str]) -> str:
    """Return how close two sets of ISCED-F fields are: detailed, narrow, broad or none."""
    codes_a = {f.rsplit("/", 1)[-1] for f in a}
    codes_b = {f.rsplit("/", 1)[-1] for f in b}
    for name, length in (("detailed", 4), ("narrow", 3), ("broad", 2)):
        if {c[:length] for c in codes_a if len(c) >= length} & {c[:length] for c in codes_b if len(c) >= length}:
            return name
    return "unknown" if not codes_a or not codes_b else "none"


FIELD_SCORE = {"detailed": 1.0, "narrow": 0.7, "broad": 0.4, "none": 0.0, "unknown": 0.0}


def _levels_everywhere(store: GraphStore, index: GraphIndex, levels: set[str], lang: str) -> dict[str, object]:
    """Return a qualification's own level(s) and the matching levels in every other framework."""
    result: dict[str, object] = {}
    for iri in sorted(levels):
        own = index.levels.get(iri)
        if own is None:
            continue
        result[own.framework] = {
            "level": own.to_dict(lang),
            "relation": SKOS + EXACT,
            "relation_name": EXACT,
            "confidence": 1.0,
            "justification": None,
            "derived": False,
            "source": [],
            "path": [],
        }
        for key in sorted(index.framework_iris):
            if key == own.framework or key in result:
                continue
            matches = compare_levels(store, iri, key)[1]
            if matches:
                result[key] = matches[0].to_dict(lang)
    return result


def _level_relation(index: GraphIndex, a: set[str], b: set[str]) -> dict[str, object]:
    """Return whether two qualifications' levels match, and how (same framework compared by number)."""
    for ia in sorted(a):
        for ib in sorted(b):
            la, lb = index.levels.get(ia), index.levels.get(ib)
            if la is None or lb is None or la.framework != lb.framework:
                continue
            if la.iri == lb.iri:
                return {"match": "same", "framework": la.framework, "difference": 0}
            if la.number is not None and lb.number is not None:
                return {"match": "different", "framework": la.framework, "difference": lb.number - la.number}
    return {"match": "unknown", "framework": None, "difference": None}


def compare_qualifications(store: GraphStore, a: str, b: str, lang: str = "fr") -> dict[str, object]:
    """Return a side-by-side comparison of two qualifications (by code): levels, field, skills, outcomes."""
    quals = qualification_index(store)
    levels = index_for(store)
    fa, fb = quals.features(a), quals.features(b)

    def overlap(x: set[str], y: set[str]) -> dict[str, object]:
        return {
            "shared": [quals.concept(i, lang) for i in sorted(x & y)],
            "only_a": [quals.concept(i, lang) for i in sorted(x - y)],
            "only_b": [quals.concept(i, lang) for i in sorted(y - x)],
            "jaccard": jaccard(x, y),
        }

    return {
        "a": _profile(store, fa, lang, levels),
        "b": _profile(store, fb, lang, levels),
        "level": _level_relation(levels, fa.levels, fb.levels),
        "field": {
            "match": field_match(fa.fields, fb.fields),
            "a": [quals.concept(f, lang) for f in sorted(fa.fields)],
            "b": [quals.concept(f, lang) for f in sorted(fb.fields)],
        },
        "skills": overlap(fa.skills, fb.skills),
        "occupations": overlap(fa.occupations, fb.occupations),
    }


def _profile(store: GraphStore, features: Features, lang: str, index: GraphIndex) -> dict[str, object]:
    import pyoxigraph as ox

    titles: dict[str, str] = {}
    outcomes: dict[str, dict[str, str]] = defaultdict(dict)
    duration = credits = hours = None
    for row in select(store, "qualification_profile", q=ox.NamedNode(features.iri)):
        if row["title"] is not None:
            titles.setdefault(getattr(row["title"], "language", None) or "und", row["title"].value)
        if row["outcome"] is not None and row["statement"] is not None:
            outcomes[row["outcome"].value][getattr(row["statement"], "language", None) or "und"] = row[
                "statement"
            ].value
        duration = value(row["duration"]) or duration
        credits = value(row["credits"]) or credits
        hours = value(row["hours"]) or hours
    title, title_lang = pick(titles, lang)
    return {
        "id": features.iri,
        "code": features.code,
        "title": title,
        "title_lang": title_lang,
        "levels": _levels_everywhere(store, index, features.levels, lang),
        "learning_outcomes": [
            {"id": iri, "statement": pick(texts, lang)[0], "lang": pick(texts, lang)[1]}
            for iri, texts in sorted(outcomes.items(), key=lambda kv: _outcome_order(kv[0]))
        ],
        "duration": duration,
        "credit_points": credits,
        "volume_hours": hours,
    }


def _outcome_order(iri: str) -> tuple[int, str]:
    tail = iri.rsplit("/", 1)[-1]
    return (int(tail), iri) if tail.isdigit() else (0, iri)


def comparable_qualifications(
    store: GraphStore, code: str, framework: str | None = None, limit: int = 10, lang: str = "fr"
) -> list[dict[str, object]]:
    """Return the qualifications most comparable with ``code``, ranked, each with the reason.

    The score weighs the level relation (0.4), the ISCED-F field (0.3), shared ESCO skills (0.2)
    and shared ESCO occupations (0.1). With ``framework``, only qualifications that have a level in
    that framework are candidates.
    """
    quals = qualification_index(store)
    levels = index_for(store)
    if framework is not None:
        levels.framework(framework)
    if limit < 1 or limit > 100:
        raise InputError("limit must be between 1 and 100", Location(field="limit"))
    me = quals.features(code)
    ranked = []
    for other in quals.by_code.values():
        if other.iri == me.iri:
            continue
        if framework is not None and not any(
            levels.levels.get(lv) and levels.levels[lv].framework == framework for lv in other.levels
        ):
            continue
        relation = _level_relation(levels, me.levels, other.levels)
        level_score = (
            {0: 1.0, 1: 0.5}.get(abs(relation["difference"]), 0.0) if relation["difference"] is not None else 0.0
        )
        field_name = field_match(me.fields, other.fields)
        skills = jaccard(me.skills, other.skills) or 0.0
        occupations = jaccard(me.occupations, other.occupations) or 0.0
        score = round(0.4 * level_score + 0.3 * FIELD_SCORE[field_name] + 0.2 * skills + 0.1 * occupations, 4)
        if score <= 0:
            continue
        reasons = []
        if relation["match"] == "same":
            reasons.append(f"same {relation['framework']} level")
        elif relation["difference"] is not None and abs(relation["difference"]) == 1:
            reasons.append(f"adjacent {relation['framework']} level ({relation['difference']:+d})")
        if field_name in ("detailed", "narrow", "broad"):
            reasons.append(f"same ISCED-F field ({field_name})")
        if skills:
            reasons.append(f"{len(me.skills & other.skills)} shared ESCO skill(s)")
        if occupations:
            reasons.append(f"{len(me.occupations & other.occupations)} shared ESCO occupation(s)")
        ranked.append(
            {
                "code": other.code,
                "id": other.iri,
                "score": score,
                "level": relation,
                "field": field_name,
                "skills_jaccard": skills,
                "occupations_jaccard": occupations,
                "reason": "; ".join(reasons),
            }
        )
    ranked.sort(key=lambda r: (-float(r["score"]), str(r["code"])))  # type: ignore[arg-type]
    return ranked[:limit]

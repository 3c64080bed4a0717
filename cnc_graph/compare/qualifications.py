"""Qualifications compared: features, similarity, side-by-side comparison and ranked comparable ones."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from cnc_graph.compare.levels import EXACT, GraphIndex, compare_levels, index_for
from cnc_graph.errors import InputError, Location, NotFound
from cnc_graph.iris import CNC, RDF_TYPE, SKOS
from cnc_graph.labels import pick
from cnc_graph.rdf.query_files import select, solutions, value
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore


@dataclass
class Features:
    """What a qualification is compared on."""

    iri: str
    code: str
    levels: set[str] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)
    skills: set[str] = field(default_factory=set)
    occupations: set[str] = field(default_factory=set)


class RankingArrays:
    """The qualifications' comparable features as arrays, for ranking against one of them in a few array passes.

    Positions are in code order (ties are ranked by code). Levels and fields are kept as the index of the
    qualification's distinct set of them (a few hundred sets, scored once each per ranking); skills and
    occupations as the positions citing each concept (counting them gives every shared number at once).
    """

    def __init__(self, by_code: dict[str, Features]) -> None:
        self.codes = sorted(by_code)
        level_sets: dict[frozenset[str], int] = {}
        field_sets: dict[frozenset[str], int] = {}
        skills: dict[str, list[int]] = defaultdict(list)
        occupations: dict[str, list[int]] = defaultdict(list)
        level_of, field_of, skill_counts, occupation_counts = [], [], [], []
        for position, code in enumerate(self.codes):
            f = by_code[code]
            level_of.append(level_sets.setdefault(frozenset(f.levels), len(level_sets)))
            field_of.append(field_sets.setdefault(frozenset(f.fields), len(field_sets)))
            skill_counts.append(len(f.skills))
            occupation_counts.append(len(f.occupations))
            for concept in f.skills:
                skills[concept].append(position)
            for concept in f.occupations:
                occupations[concept].append(position)
        self.position = {code: i for i, code in enumerate(self.codes)}
        self.level_sets = list(level_sets)
        self.field_sets = list(field_sets)
        self.level_set = np.array(level_of, dtype=np.intp)
        self.field_set = np.array(field_of, dtype=np.intp)
        self.pair = self.level_set * len(self.field_sets) + self.field_set  # (level set, field set) in one index
        self.skill_count = np.array(skill_counts, dtype=np.int64)
        self.occupation_count = np.array(occupation_counts, dtype=np.int64)
        self.skill_postings = {c: np.array(p, dtype=np.intp) for c, p in skills.items()}
        self.occupation_postings = {c: np.array(p, dtype=np.intp) for c, p in occupations.items()}

    def _jaccard(
        self, mine: set[str], postings: dict[str, np.ndarray], counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the positions sharing a concept with ``mine`` and their ``jaccard``, rounded exactly as
        ``jaccard`` (every other position's is 0.0)."""
        cited = [postings[c] for c in mine if c in postings]
        if not cited:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        sharing, shared = np.unique(np.concatenate(cited), return_counts=True)
        union = len(mine) + counts[sharing] - shared
        # round() of each distinct (shared, union) pair, in Python: the same digits as ``jaccard``
        width = int(union.max()) + 1
        pairs, inverse = np.unique(shared * width + union, return_inverse=True)
        rounded = np.array([round(int(p // width) / int(p % width), 4) for p in pairs])
        return sharing, rounded[inverse]

    def scores(self, me: Features, levels: GraphIndex, framework: str | None) -> np.ndarray:
        """Return every qualification's score against ``me`` before rounding (-1 where it is no candidate).

        The same arithmetic, in the same order, as ``_comparison_entry``: the same doubles.
        """
        level_part = np.array([_level_score(_level_relation(levels, me.levels, set(s))) for s in self.level_sets])
        field_part = np.array([FIELD_SCORE[field_match(me.fields, set(s))] for s in self.field_sets])
        raw = np.add.outer(0.4 * level_part, 0.3 * field_part).ravel()[self.pair]
        # x + 0.0 is x: adding each Jaccard only where it is not 0 gives the same doubles as adding it everywhere.
        for weight, concepts, postings, counts in (
            (0.2, me.skills, self.skill_postings, self.skill_count),
            (0.1, me.occupations, self.occupation_postings, self.occupation_count),
        ):
            sharing, similarity = self._jaccard(concepts, postings, counts)
            raw[sharing] += weight * similarity
        if framework is not None:
            known = levels.levels
            eligible = np.array(
                [any(lv in known and known[lv].framework == framework for lv in s) for s in self.level_sets]
            )
            raw[~eligible[self.level_set]] = -1.0
        raw[self.position[me.code]] = -1.0
        return raw

    def best(self, raw: np.ndarray, limit: int) -> list[str]:
        """Return the codes of the ``limit`` best scores rounded to 4 digits (ties by code), each above 0."""
        candidates = int(np.count_nonzero(raw > 0))
        if candidates == 0:
            return []
        k = min(limit, candidates)
        kth = float(np.partition(raw, len(raw) - k)[len(raw) - k])
        floor = round(kth, 4)
        # Every score rounding to `floor` or more is at least floor - 0.00005: the k best are among these.
        near = np.flatnonzero(raw >= floor - 0.0001)
        values, inverse = np.unique(raw[near], return_inverse=True)
        rounded = np.array([round(float(v), 4) for v in values])[inverse]
        order = np.lexsort((near, -rounded))[:k]
        return [self.codes[near[i]] for i in order if rounded[i] > 0]


class QualificationIndex:
    """Every qualification's comparable features and the labels of the concepts they cite."""

    def __init__(self, store: GraphStore) -> None:
        qualifications: set[str] = set()
        codes: dict[str, str] = {}
        values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for subject, predicate, obj in solutions(store, "qualification_features"):
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
        self.ranking = RankingArrays(self.by_code)
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


def levels_everywhere(store: GraphStore, index: GraphIndex, levels: set[str], lang: str) -> dict[str, object]:
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
        "levels": levels_everywhere(store, index, features.levels, lang),
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
    and shared ESCO occupations (0.1); ties are ranked by code. With ``framework``, only qualifications that
    have a level in that framework are candidates.

    Every qualification is scored, in array passes over all of them (``RankingArrays``): the result is the one
    scoring each in turn would give (a test compares both).
    """
    quals = qualification_index(store)
    levels = index_for(store)
    if framework is not None:
        levels.framework(framework)
    if limit < 1 or limit > 100:
        raise InputError("limit must be between 1 and 100", Location(field="limit"))
    me = quals.features(code)
    ranked = quals.ranking.best(quals.ranking.scores(me, levels, framework), limit)
    best = [_comparison_entry(levels, me, quals.by_code[c]) for c in ranked]
    return [entry for entry in best if entry is not None]


def _level_score(relation: dict[str, object]) -> float:
    difference = relation["difference"]
    return {0: 1.0, 1: 0.5}.get(abs(difference), 0.0) if isinstance(difference, int) else 0.0


def _comparison_entry(levels: GraphIndex, me: Features, other: Features) -> dict[str, object] | None:
    """Return how ``other`` compares with ``me`` (score, relations, reason), or None if it scores nothing."""
    relation = _level_relation(levels, me.levels, other.levels)
    difference = relation["difference"]
    level_score = _level_score(relation)
    field_name = field_match(me.fields, other.fields)
    skills = jaccard(me.skills, other.skills) or 0.0
    occupations = jaccard(me.occupations, other.occupations) or 0.0
    score = round(0.4 * level_score + 0.3 * FIELD_SCORE[field_name] + 0.2 * skills + 0.1 * occupations, 4)
    if score <= 0:
        return None
    reasons = []
    if relation["match"] == "same":
        reasons.append(f"same {relation['framework']} level")
    elif isinstance(difference, int) and abs(difference) == 1:
        reasons.append(f"adjacent {relation['framework']} level ({difference:+d})")
    if field_name in ("detailed", "narrow", "broad"):
        reasons.append(f"same ISCED-F field ({field_name})")
    if skills:
        reasons.append(f"{len(me.skills & other.skills)} shared ESCO skill(s)")
    if occupations:
        reasons.append(f"{len(me.occupations & other.occupations)} shared ESCO occupation(s)")
    return {
        "code": other.code,
        "id": other.iri,
        "score": score,
        "level": relation,
        "field": field_name,
        "skills_jaccard": skills,
        "occupations_jaccard": occupations,
        "shared_skills": len(me.skills & other.skills),
        "shared_occupations": len(me.occupations & other.occupations),
        "reason": "; ".join(reasons),
    }

"""Qualifications compared: features, similarity, side-by-side comparison and ranked comparable ones."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

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
        # What the ranking of comparable qualifications reads instead of every qualification: who cites each
        # skill and occupation, and the qualifications grouped by their levels and fields (their "signature"),
        # each group in code order.
        self.citing: dict[str, set[str]] = defaultdict(set)
        groups: dict[tuple[frozenset[str], frozenset[str]], list[str]] = defaultdict(list)
        for code, features in self.by_code.items():
            for concept in features.skills | features.occupations:
                self.citing[concept].add(code)
            groups[(frozenset(features.levels), frozenset(features.fields))].append(code)
        self.groups = {signature: sorted(codes) for signature, codes in groups.items()}
        self.signature = {code: signature for signature, codes in self.groups.items() for code in codes}
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

    Not every qualification is scored: those sharing a skill or an occupation with ``code`` are (few, found
    through ``citing``); every other one scores on its levels and fields alone, so the same for its whole group
    of qualifications with the same levels and fields, and only the first ``limit`` codes of each group can
    be ranked. The result is the one scoring every qualification would give (a test compares both).
    """
    quals = qualification_index(store)
    levels = index_for(store)
    if framework is not None:
        levels.framework(framework)
    if limit < 1 or limit > 100:
        raise InputError("limit must be between 1 and 100", Location(field="limit"))
    me = quals.features(code)

    def eligible(level_iris: frozenset[str] | set[str]) -> bool:
        return framework is None or any(
            levels.levels.get(lv) is not None and levels.levels[lv].framework == framework for lv in level_iris
        )

    sharing = {c for concept in me.skills | me.occupations for c in quals.citing.get(concept, ())} - {me.code}
    parts: dict[tuple[frozenset[str], frozenset[str]], tuple[float, float]] = {}

    def level_and_field(signature: tuple[frozenset[str], frozenset[str]]) -> tuple[float, float]:
        if signature not in parts:
            relation = _level_relation(levels, me.levels, set(signature[0]))
            parts[signature] = (_level_score(relation), FIELD_SCORE[field_match(me.fields, set(signature[1]))])
        return parts[signature]

    def score(other: Features, level_score: float, field_score: float) -> float:
        skills = jaccard(me.skills, other.skills) or 0.0
        occupations = jaccard(me.occupations, other.occupations) or 0.0
        return round(0.4 * level_score + 0.3 * field_score + 0.2 * skills + 0.1 * occupations, 4)

    candidates: list[tuple[float, str]] = []
    for other_code in sharing:
        other = quals.by_code[other_code]
        if eligible(other.levels):
            candidates.append((score(other, *level_and_field(quals.signature[other_code])), other_code))
    # The others score on levels and fields alone: the same within a group. Only the best `limit` of them can
    # be ranked, so read the groups best first, up to `limit` codes each, through the last group scoring as
    # much as the limit-th taken (ties are ranked by code, across groups).
    groups = []
    for signature, codes in quals.groups.items():
        if eligible(signature[0]):
            level_score, field_score = level_and_field(signature)
            groups.append((round(0.4 * level_score + 0.3 * field_score, 4), codes))
    groups.sort(key=lambda pair: -pair[0])
    taken = 0
    boundary = None
    for group_score, codes in groups:
        if group_score <= 0 or (boundary is not None and group_score < boundary):
            break
        chosen = [c for c in codes if c != me.code and c not in sharing][:limit]
        candidates += [(group_score, c) for c in chosen]
        taken += len(chosen)
        if boundary is None and taken >= limit:
            boundary = group_score
    candidates.sort(key=lambda pair: (-pair[0], pair[1]))
    best = [_comparison_entry(levels, me, quals.by_code[c]) for s, c in candidates[:limit] if s > 0]
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

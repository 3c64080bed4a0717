"""One qualification as a reader sees it: every card field's values, named in a language, its level in every
framework with the mapping that places it there, its learning outcomes, and the qualifications comparable to it.

Built from the published card (``describe_qualification``: the card and the labels of what it points to), so a
page shows exactly what the JSON-LD and Turtle of the same qualification say. Values stay raw (an ISO duration,
an ISO date, an IRI with its labels): how to word them in a language is the interface's job.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.compare.levels import index_for
from cnc_graph.compare.qualifications import comparable_qualifications, levels_everywhere
from cnc_graph.iris import CNC, SKOS, qualification_iri
from cnc_graph.labels import pick
from cnc_graph.publish.describe import describe_qualification
from cnc_graph.store.protocol import GraphStore

PREF_LABEL, NOTATION = SKOS + "prefLabel", SKOS + "notation"


@dataclass(frozen=True)
class Value:
    """One value of a card field: its text (a literal, or the label of an IRI) and language, and its IRI."""

    text: str
    lang: str | None = None
    iri: str | None = None
    datatype: str | None = None


@dataclass
class Profile:
    """What a qualification page shows (see the module's docstring)."""

    code: str
    iri: str
    title: str | None
    title_lang: str | None
    values: dict[str, list[Value]] = field(default_factory=dict)  # by the card field's English name
    levels: dict[str, object] = field(default_factory=dict)
    outcomes: list[Value] = field(default_factory=list)
    opportunities: list[dict[str, list[Value]]] = field(default_factory=list)
    comparable: list[dict[str, object]] = field(default_factory=list)


def qualification_profile(store: GraphStore, code: str, base_iri: str, lang: str, comparable: int = 5) -> Profile:
    """Return the profile of the qualification with ``code`` in ``lang``; NotFound if there is none."""
    triples = describe_qualification(store, code, base_iri)
    subject = qualification_iri(base_iri, code)
    about: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = defaultdict(lambda: defaultdict(list))
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for t in triples:
        if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
            continue
        if t.predicate.value == PREF_LABEL and isinstance(t.object, ox.Literal):
            labels[t.subject.value].setdefault(t.object.language or "und", t.object.value)
        about[t.subject.value][t.predicate.value].append(t.object)

    def value(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Value:
        if isinstance(term, ox.Literal):
            datatype = None if term.language else term.datatype.value.rsplit("#", 1)[-1]
            return Value(term.value, term.language, None, datatype)
        text, text_lang = pick(labels.get(term.value, {}), lang)
        return Value(text or term.value, text_lang, term.value)

    def objects(node: str, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return sorted(about.get(node, {}).get(predicate, []), key=str)

    values: dict[str, list[Value]] = {}
    for f in card.FIELDS:
        if f.node == "outcome":
            continue
        found = objects(subject, f.property)
        if f.node is not None and f.node_property is not None:
            found = [o for node in found for o in objects(node.value, f.node_property)]
        if f.lang is not None:
            found = [o for o in found if isinstance(o, ox.Literal) and o.language == f.lang]
        if found:
            values[f.english] = [value(o) for o in found]
    title, title_lang = pick({v.lang or "und": v.text for name in TITLES for v in values.get(name, [])}, lang)

    outcomes = []
    for node in sorted(objects(subject, CNC + "hasLearningOutcome"), key=lambda n: _position(n.value)):
        texts = {
            o.language or "und": o.value for o in objects(node.value, CNC + "statement") if isinstance(o, ox.Literal)
        }
        text, text_lang = pick(texts, lang)
        if text is not None:
            outcomes.append(Value(text, text_lang, node.value))
    opportunities = [
        {
            "providers": [value(o) for o in objects(node.value, CNC + "providedBy")],
            "regions": [value(o) for o in objects(node.value, CNC + "region")],
        }
        for node in objects(subject, CNC + "hasLearningOpportunity")
    ]
    levels = {o.value for o in objects(subject, CNC + "level")}
    return Profile(
        code=code,
        iri=subject,
        title=title,
        title_lang=title_lang,
        values=values,
        levels=levels_everywhere(store, index_for(store), levels, lang),
        outcomes=outcomes,
        opportunities=[o for o in opportunities if o["providers"] or o["regions"]],
        comparable=comparable_qualifications(store, code, limit=comparable, lang=lang) if comparable else [],
    )


TITLES = ("title_fr", "title_ar", "title_en")


def _position(iri: str) -> tuple[int, str]:
    tail = iri.rsplit("/", 1)[-1]
    return (int(tail), iri) if tail.isdigit() else (0, iri)

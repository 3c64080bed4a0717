"""Cards compared: the triples of each qualification record in a graph, and which card fields two versions of a
record differ in.

A record is a qualification's own triples and those of its own nodes (learning outcomes, opportunities,
accreditations), whose IRIs extend the qualification's: ``…/qualification/{code}/outcome/1``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from cnc_graph.card import fields as card

OTHER = "(other statements)"  # a difference outside every card field (a type, a back link)


def record_owner(subject: str, base: str) -> str | None:
    """Return the IRI of the qualification whose record ``subject`` belongs to, or None."""
    prefix = base + "qualification/"
    if not subject.startswith(prefix) or len(subject) == len(prefix) or subject[len(prefix)] == "/":
        return None
    end = subject.find("/", len(prefix))
    return subject if end < 0 else subject[:end]


def records(triples: Iterable[ox.Triple], base: str) -> dict[str, list[ox.Triple]]:
    """Return the triples grouped by the qualification record they belong to (those of no record left out)."""
    grouped: dict[str, list[ox.Triple]] = defaultdict(list)
    owners: dict[ox.NamedNode | ox.BlankNode | ox.Triple, str | None] = {}  # a record's triples share few subjects
    for t in triples:
        subject = t.subject
        if subject in owners:
            owner = owners[subject]
        else:
            owner = owners[subject] = record_owner(subject.value, base) if isinstance(subject, ox.NamedNode) else None
        if owner is not None:
            grouped[owner].append(t)
    return dict(grouped)


def field_values(triples: list[ox.Triple], iri: str) -> dict[str, set[str]]:
    """Return each card field's values in a record (as N-Triples terms), by column; empty fields left out."""
    about: dict[tuple[str, str], set[ox.NamedNode | ox.BlankNode | ox.Literal]] = defaultdict(set)
    for t in triples:
        if not isinstance(t.subject, ox.Triple) and not isinstance(t.object, ox.Triple):
            about[(t.subject.value, t.predicate.value)].add(t.object)
    found: dict[str, set[str]] = {}
    for f in card.FIELDS:
        objects = about.get((iri, f.property), set())
        if f.node is not None and f.node_property is not None:
            objects = {o for node in objects for o in about.get((node.value, f.node_property), set())}
        if f.lang is not None:
            objects = {o for o in objects if isinstance(o, ox.Literal) and o.language == f.lang}
        if objects:
            found[f.column] = {str(o) for o in objects}
    return found


def changed_fields(old: list[ox.Triple], new: list[ox.Triple], iri: str) -> list[str]:
    """Return the card columns whose values differ between two versions of the record of ``iri``, in card order.

    Empty when the two hold the same triples; ``OTHER`` when they differ only outside the card's fields.
    """
    if set(old) == set(new):
        return []
    before, after = field_values(old, iri), field_values(new, iri)
    changed = [f.column for f in card.FIELDS if before.get(f.column) != after.get(f.column)]
    return list(dict.fromkeys(changed)) or [OTHER]

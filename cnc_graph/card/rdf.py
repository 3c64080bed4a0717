"""The registration card ⇄ RDF: cells become the triples of a qualification, and back.

``card_to_triples`` is what the spreadsheet importer, the registry and the API all use to turn a
card's cells into RDF (values through ``card.kinds``, nested nodes from ``card.fields.NODES``);
``cells_from_triples`` is its inverse.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.card import kinds
from cnc_graph.errors import InputError, InputErrors, Location
from cnc_graph.iris import CNC, RDF

Cells = dict[str, str]
# Triples card_to_triples writes that carry no cell of their own.
_STRUCTURAL = {RDF + "type", CNC + "country", CNC + "leadsTo"}


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


@functools.lru_cache(maxsize=256)
def _predicate(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@dataclass
class CellConverter:
    """Turns the cells of one row into triples, collecting every cell error instead of stopping."""

    base: str
    source: str
    line: int
    cells: Mapping[str, str]
    errors: list[InputError] = field(default_factory=list)
    triples: list[ox.Triple] = field(default_factory=list)

    def fail(self, column: str, en: str, fr: str) -> None:
        """Record an error on one cell."""
        self.errors.append(InputError(en, Location(self.source, self.line, field=column), fr))

    def add(self, s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        """Add one triple."""
        self.triples.append(ox.Triple(s, _predicate(p), o))

    def values(self, column: str, multi: bool = False) -> list[str]:
        """Return the non-empty value(s) of a cell (split on ``|`` when ``multi``)."""
        raw = self.cells.get(column, "").strip()
        if not raw:
            return []
        if not multi:
            return [raw]
        return [v.strip() for v in raw.split(card.MULTI_SEPARATOR) if v.strip()]


def convert_value(conv: CellConverter, f: card.CardField, text: str) -> ox.NamedNode | ox.Literal | None:
    """Return the RDF term of one value of ``f``, or None after recording on ``conv`` why it is refused."""
    try:
        return kinds.parse_cell(f, text, conv.base)
    except kinds.Refused as refused:
        conv.fail(f.column, refused.en, refused.fr)
        return None


def qualification_iri(base: str, code: str) -> str:
    """Return the IRI of the qualification with this code."""
    return f"{base}qualification/{code}"


def card_to_triples(
    cells: dict[str, str], base: str, source: str, line: int
) -> tuple[str | None, list[ox.Triple], list[InputError]]:
    """Return (qualification IRI, triples, cell errors) for one registration card."""
    triples = TripleBuffer()
    iri, errors = CardReader(base).read(cells, source, line, triples)
    return iri, triples.finish(), errors


def _nt_string(text: str) -> str:
    """Return ``text`` escaped for the inside of an N-Triples string literal."""
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return text


class TripleBuffer:
    """Triples in the order they are added; those whose object is a literal arrive as N-Triples lines.

    From Python, ``ox.Triple(s, p, literal)`` costs several times ``ox.Triple(s, p, iri)`` (pyoxigraph
    tries the other kinds of object first), whereas its N-Triples parser builds the same triple for
    less than half: literal triples are written as text, parsed in bulk and put back in their place.
    """

    __slots__ = ("triples", "lines", "slots")

    def __init__(self) -> None:
        self.triples: list[ox.Triple | None] = []
        self.lines: list[str] = []
        self.slots: list[int] = []

    def flush(self) -> None:
        """Parse the pending N-Triples lines into the places kept for them."""
        if not self.lines:
            return
        # lenient: every IRI was already checked by ox.NamedNode or is one of ours, and the
        # literals are escaped by _nt_string, so the stricter checks would only cost time.
        parsed = ox.parse("".join(self.lines), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        triples = self.triples
        for slot, quad in zip(self.slots, parsed, strict=True):
            triples[slot] = quad.triple
        self.lines.clear()
        self.slots.clear()

    def finish(self) -> list[ox.Triple]:
        """Return every triple added, in order."""
        self.flush()
        return self.triples  # type: ignore[return-value]  # flush() filled every None


# How card_to_triples places a field's value: on the qualification, or on an intermediate node.
_ON_QUALIFICATION, _OUTCOME, _OPPORTUNITY, _ACCREDITATION = range(4)
_PLACEMENT = {
    None: _ON_QUALIFICATION,
    "outcome": _OUTCOME,
    "opportunity": _OPPORTUNITY,
    "accreditation": _ACCREDITATION,
}


@dataclass(frozen=True)
class _FieldPlan:
    """What card_to_triples does with one card field, worked out once instead of once per cell."""

    field: card.CardField
    placement: int
    text: bool
    literal_suffix: str
    property: ox.NamedNode
    property_nt: str
    node_property: ox.NamedNode | None
    node_property_nt: str


def _field_plans() -> tuple[_FieldPlan, ...]:
    plans = []
    for f in card.FIELDS:
        node_property = f.node_property
        plans.append(
            _FieldPlan(
                f,
                _PLACEMENT[f.node],
                kinds.KINDS[f.kind].free_text,
                f'"@{f.lang}' if f.lang and f.kind != "code" else '"',
                _iri(f.property),
                f"<{f.property}>",
                _iri(node_property) if node_property else None,
                f"<{node_property}>" if node_property else "",
            )
        )
    return tuple(plans)


_FIELD_PLANS = _field_plans()
_TYPE = _iri(RDF + "type")
_QUALIFICATION = _iri(CNC + "Qualification")
_LEARNING_OUTCOME = _iri(card.NODES["outcome"].cls)
_LEARNING_OPPORTUNITY = _iri(card.NODES["opportunity"].cls)
_ACCREDITATION_CLASS = _iri(card.NODES["accreditation"].cls)
_COUNTRY = _iri(CNC + "country")
_MOROCCO = _iri(card.COUNTRY_MOROCCO)
_LEADS_TO = _iri(card.NODES["opportunity"].back_link or "")


class CardReader:
    """Turns registration cards into triples, remembering the term of each coded value it has seen.

    Levels, organisations, regions, vocabulary terms, dates… come back on row after row: each is
    checked and built once per reader (one file), then looked up.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.terms: list[dict[str, ox.NamedNode | str]] = [{} for _ in _FIELD_PLANS]

    def read(
        self, cells: dict[str, str], source: str, line: int, out: TripleBuffer
    ) -> tuple[str | None, list[InputError]]:
        """Add the triples of one card to ``out``; return its IRI (None without a valid code) and cell errors."""
        conv: CellConverter | None = None
        code = cells.get("code", "").strip()
        if not code or not kinds.CODE_RE.fullmatch(code):
            conv = CellConverter(self.base, source, line, cells)
            if not code:
                conv.fail(
                    "code",
                    "the code is missing: every qualification needs a unique code",
                    "le code manque : chaque certification a besoin d'un code unique",
                )
            else:
                convert_value(conv, card.BY_COLUMN["code"], code)
            return None, conv.errors
        subject_iri = qualification_iri(self.base, code)
        q = _iri(subject_iri)
        q_nt = f"<{subject_iri}>"
        triples = out.triples
        add = triples.append
        lines = out.lines
        slots = out.slots
        triple = ox.Triple
        add(triple(q, _TYPE, _QUALIFICATION))
        add(triple(q, _COUNTRY, _MOROCCO))
        outcomes: dict[int, tuple[ox.NamedNode, str]] = {}
        opportunity: tuple[ox.NamedNode, str] | None = None
        accreditation: tuple[ox.NamedNode, str] | None = None
        for plan, terms in zip(_FIELD_PLANS, self.terms, strict=True):
            f = plan.field
            raw = cells.get(f.column, "").strip()
            if not raw:
                continue
            # Empty values are skipped but keep their position: « a | | c » in acquis_en gives outcomes 1 and 3,
            # paired with the French statements in the same positions of acquis_fr.
            texts = list(map(str.strip, raw.split(card.MULTI_SEPARATOR))) if f.multi else [raw]
            for index, text in enumerate(texts, start=1):
                if not text:
                    continue
                term: ox.NamedNode | str | None
                if plan.text:
                    term = '"' + _nt_string(text) + plan.literal_suffix
                else:
                    term = terms.get(text)
                    if term is None:
                        if conv is None:
                            conv = CellConverter(self.base, source, line, cells)
                        converted = convert_value(conv, f, text)
                        if converted is None:
                            continue
                        term = terms[text] = str(converted) if isinstance(converted, ox.Literal) else converted
                placement = plan.placement
                if placement == _ON_QUALIFICATION:
                    s, s_nt, p, p_nt = q, q_nt, plan.property, plan.property_nt
                else:
                    if placement == _OUTCOME:
                        node = outcomes.get(index)
                        if node is None:
                            node = outcomes[index] = _new_node(f"{subject_iri}/outcome/{index}")
                            add(triple(q, plan.property, node[0]))
                            add(triple(node[0], _TYPE, _LEARNING_OUTCOME))
                    elif placement == _OPPORTUNITY:
                        node = opportunity
                        if node is None:
                            node = opportunity = _new_node(f"{subject_iri}/opportunity/1")
                            add(triple(q, plan.property, node[0]))
                            add(triple(node[0], _TYPE, _LEARNING_OPPORTUNITY))
                            add(triple(node[0], _LEADS_TO, q))
                    else:
                        node = accreditation
                        if node is None:
                            node = accreditation = _new_node(f"{subject_iri}/accreditation/1")
                            add(triple(q, plan.property, node[0]))
                            add(triple(node[0], _TYPE, _ACCREDITATION_CLASS))
                    s, s_nt = node
                    p, p_nt = plan.node_property, plan.node_property_nt  # type: ignore[assignment]
                if isinstance(term, str):
                    slots.append(len(triples))
                    add(None)
                    lines.append(f"{s_nt} {p_nt} {term} .\n")
                else:
                    add(triple(s, p, term))
        return subject_iri, conv.errors if conv is not None else []


def _new_node(iri: str) -> tuple[ox.NamedNode, str]:
    return _iri(iri), f"<{iri}>"


# --- RDF → cells (the inverse of card_to_triples) -------------------------------------------------


def cells_from_triples(
    triples: Iterable[ox.Triple], subject: ox.NamedNode | ox.BlankNode, base_iri: str, source: str = "card"
) -> Cells:
    """Return the cells of the card whose node is ``subject``; a statement no cell can hold is an error."""
    by_subject: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for t in triples:
        by_subject[str(t.subject)][t.predicate.value].append(t.object)  # type: ignore[arg-type]
    values: dict[str, list[str]] = defaultdict(list)
    errors: list[InputError] = []
    used: set[tuple[str, str]] = set()

    def unknown(node: str, prop: str) -> None:
        errors.append(
            InputError(
                f"{node} {prop}: the registration card has no field for this statement",
                Location(source, field=prop),
                f"{node} {prop} : la fiche d'enregistrement n'a pas de champ pour cette information",
            )
        )

    own = by_subject.get(str(subject), {})
    for f in card.FIELDS:
        if f.node is not None:
            continue
        for term in own.get(f.property, []):
            text = kinds.cell_text(f, term, base_iri)
            if text is not None and (f.lang is None or getattr(term, "language", None) == f.lang):
                values[f.column].append(text)
                used.add((f.property, str(term)))
    for f in card.NESTED_FIELDS:
        positional = card.NODES[f.node or ""].per_value
        for node in _ordered(own.get(f.property, [])):
            found_here = False
            for term in by_subject.get(str(node), {}).get(f.node_property or "", []):
                if f.lang is not None and getattr(term, "language", None) != f.lang:
                    continue
                text = kinds.cell_text(f, term, base_iri)
                if text is not None:
                    values[f.column].append(text)
                    found_here = True
            if positional and not found_here:
                values[f.column].append("")  # keeps the next statements in the position of their outcome
    nested = {f.property for f in card.NESTED_FIELDS}
    for prop, terms in own.items():
        for term in terms:
            if prop in _STRUCTURAL or prop in nested or (prop, str(term)) in used:
                continue
            unknown(str(subject), prop)
    cells: Cells = {}
    for f in card.FIELDS:
        found = values.get(f.column, [])
        positional = f.node is not None and card.NODES[f.node].per_value
        found = trimmed_positions(found) if positional else [v for v in found if v]
        if not any(found):
            continue
        if len(found) > 1 and not f.multi:
            errors.append(
                InputError(
                    f"field « {f.column} » takes one value, the document gives {len(found)}",
                    Location(source, field=f.column),
                    f"le champ « {f.column} » prend une seule valeur, le document en donne {len(found)}",
                )
            )
            continue
        cells[f.column] = f" {card.MULTI_SEPARATOR} ".join(found)
    if errors:
        raise InputErrors(errors)
    return cells


def trimmed_positions(values: list[str]) -> list[str]:
    """Return positional values without the empty ones at the end (those in the middle keep the positions)."""
    while values and not values[-1]:
        values = values[:-1]
    return values


def _ordered(nodes: list[ox.NamedNode | ox.BlankNode | ox.Literal]) -> list[ox.NamedNode | ox.BlankNode]:
    """Return nested nodes in card order: by their trailing number (``…/outcome/2``), else by IRI."""

    def key(node: ox.NamedNode | ox.BlankNode) -> tuple[int, str]:
        tail = str(node.value).rsplit("/", 1)[-1]
        return (int(tail) if tail.isdigit() else 1_000_000, str(node))

    return sorted((n for n in nodes if not isinstance(n, ox.Literal)), key=key)

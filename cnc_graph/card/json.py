"""The registration card's JSON entry points brought to one form: its cells (column → text).

The spreadsheet row, the API's JSON body and a JSON-LD document are one schema: ``card.FIELDS``.
This module turns a JSON object or a JSON-LD document into cells and cells back into the API's JSON
body; a card's RDF goes through ``card.rdf`` (``cells_from_triples``, the inverse of ``card_to_triples``),
so that every card goes through the same conversion and the same shapes whatever door it came in by.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from difflib import get_close_matches
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.card.rdf import Cells, cells_from_triples, trimmed_positions
from cnc_graph.errors import InputError, InputErrors, Location
from cnc_graph.iris import CNC, RDF
from cnc_graph.rdf.files import parse_rdf_bytes
from cnc_graph.rdf.jsonld import context

CardJson = dict[str, str | list[str]]

_SCALARS = (str, int, float)


def cells_from_json(data: object, source: str = "card", keep_empty: bool = False) -> Cells:
    """Return the cells of a JSON card: an object keyed by card columns (French keys or English aliases).

    A value is text, a number, a list of texts (multi-valued columns; same as ``a | b``) or null (empty).
    Empty cells are dropped, or with ``keep_empty`` kept as ``""`` (a change that clears the field).
    """
    if not isinstance(data, Mapping):
        raise InputError(
            "the card must be a JSON object keyed by the card's columns (see docs/registration-card.md)",
            Location(source),
            "la fiche doit être un objet JSON dont les clés sont les colonnes de la fiche "
            "(voir docs/registration-card.md)",
        )
    errors: list[InputError] = []
    cells: Cells = {}
    for key, raw in data.items():
        column = card.canonical_column(str(key))
        if column is None:
            hint = get_close_matches(str(key), list(card.COLUMN_ALIASES), n=1)
            en = f" (did you mean « {hint[0]} »?)" if hint else ""
            fr = f" (vouliez-vous dire « {hint[0]} » ?)" if hint else ""
            errors.append(
                InputError(
                    f"unknown field « {key} »{en}; the card's fields are the inventory columns",
                    Location(source, field=str(key)),
                    f"champ inconnu « {key} »{fr} ; les champs de la fiche sont les colonnes de l'inventaire",
                )
            )
            continue
        if column in cells:
            errors.append(
                InputError(
                    f"field « {key} » is given twice (under its French and English names)",
                    Location(source, field=column),
                    f"le champ « {key} » est donné deux fois (sous ses noms français et anglais)",
                )
            )
            continue
        text = _cell_text(raw, card.BY_COLUMN[column])
        if text is None:
            errors.append(
                InputError(
                    f"field « {key} » must be text, a number"
                    + (", a list of texts" if card.BY_COLUMN[column].multi else "")
                    + " or null",
                    Location(source, field=column),
                    f"le champ « {key} » doit être un texte, un nombre"
                    + (", une liste de textes" if card.BY_COLUMN[column].multi else "")
                    + " ou null",
                )
            )
            continue
        if text or keep_empty:
            cells[column] = text
    if errors:
        raise InputErrors(errors)
    return cells


def _cell_text(raw: object, field: card.CardField) -> str | None:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, _SCALARS):
        return str(raw).strip()
    if field.multi and isinstance(raw, list) and all(isinstance(v, _SCALARS) and not isinstance(v, bool) for v in raw):
        values = [str(v).strip() for v in raw]
        values = trimmed_positions(values) if positional(field) else [v for v in values if v]
        return f" {card.MULTI_SEPARATOR} ".join(values)
    return None


def positional(field: card.CardField) -> bool:
    """Return whether a column's values pair by position with another column's (the outcomes in fr and en)."""
    return field.node is not None and card.NODES[field.node].per_value


def card_json(cells: Mapping[str, str]) -> CardJson:
    """Return cells as the API shows a card: card order, empty cells left out, multi-valued columns as lists."""
    shown: CardJson = {}
    for f in card.FIELDS:
        text = cells.get(f.column, "").strip()
        if not text:
            continue
        if f.multi:
            values = [v.strip() for v in text.split(card.MULTI_SEPARATOR)]
            shown[f.column] = trimmed_positions(values) if positional(f) else [v for v in values if v]
        else:
            shown[f.column] = text
    return shown


def normalised(cells: Mapping[str, str]) -> Cells:
    """Return cells with multi-valued columns written one way (``a | b``) and empty cells dropped."""
    out: Cells = {}
    for column, values in card_json(cells).items():
        out[column] = f" {card.MULTI_SEPARATOR} ".join(values) if isinstance(values, list) else values
    return out


# --- JSON-LD ------------------------------------------------------------------------------------


def cells_from_jsonld(data: bytes, base_iri: str, context: Mapping[str, object], source: str = "card") -> Cells:
    """Return the cells of a JSON-LD card: one ``cnc:Qualification`` node and the nodes it points to.

    A ``@context`` naming our published context (``…/context.jsonld``) is replaced by the local copy;
    no remote document is ever fetched.
    """
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"the body is not JSON: {exc}", Location(source), f"le corps n'est pas du JSON : {exc}"
        ) from exc
    document = _local_context(document, context)
    triples = parse_rdf_bytes(json.dumps(document).encode(), ox.RdfFormat.JSON_LD, base_iri, source)
    qualification = ox.NamedNode(CNC + "Qualification")
    subjects = sorted(
        {
            t.subject
            for t in triples
            if t.predicate.value == RDF + "type"
            and t.object == qualification
            and isinstance(t.subject, ox.NamedNode | ox.BlankNode)
        },
        key=str,
    )
    if len(subjects) != 1:
        raise InputError(
            f"the JSON-LD document must describe exactly one cnc:Qualification (found {len(subjects)})",
            Location(source),
            f"le document JSON-LD doit décrire exactement une cnc:Qualification ({len(subjects)} trouvée(s))",
        )
    return cells_from_triples(triples, subjects[0], base_iri, source)


def _local_context(document: object, context: Mapping[str, object]) -> object:
    """Replace references to the published context by its content (recursively, lists included)."""
    local = context.get("@context", context)

    def swap(value: object) -> object:
        if isinstance(value, str) and value.rstrip("/").endswith("context.jsonld"):
            return local
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    def walk(node: object) -> object:
        if isinstance(node, dict):
            return {k: (swap(v) if k == "@context" else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(document)


def load_context(root: Path) -> dict[str, object]:
    """Return the published JSON-LD context (from the ontology under ``root``)."""
    published: dict[str, object] = dict(context(root / "ontology" / "cnc.ttl"))
    return published

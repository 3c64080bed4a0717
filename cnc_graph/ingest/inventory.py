"""Inventory spreadsheets (registration-card rows, organisations) → RDF triples.

Only what is needed to build RDF is checked here — that a level is a number, a date is a date, a
reference is a known key. Whether a field is required or a reference exists is the shapes' job;
``cnc_graph.importing`` maps their results back to the row and column.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import get_close_matches
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.errors import InputError, InputErrors, Location
from cnc_graph.ingest.sources import Source
from cnc_graph.ingest.table import Row, Table, read_table
from cnc_graph.iris import CNC, DCT, FOAF, RDF, SKOS, XSD

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,63}$")
ORG_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
IRI_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
ISO_DURATION_RE = re.compile(r"^P(?=\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")
WORD_DURATION_RE = re.compile(
    r"^(\d+)\s*(ans?|années?|years?|mois|months?|semaines?|weeks?|jours?|days?)$", re.IGNORECASE
)
EXCEL_EPOCH = dt.date(1899, 12, 30)

A = ox.NamedNode(RDF + "type")


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


@functools.lru_cache(maxsize=256)
def _predicate(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _lit(value: str, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
    return ox.Literal(value)


@dataclass
class RowConverter:
    """Turns the cells of one row into triples, collecting every cell error instead of stopping."""

    base: str
    source: str
    row: Row
    errors: list[InputError] = field(default_factory=list)
    triples: list[ox.Triple] = field(default_factory=list)

    def fail(self, column: str, en: str, fr: str) -> None:
        """Record an error on one cell."""
        self.errors.append(InputError(en, Location(self.source, self.row.line, field=column), fr))

    def add(self, s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        """Add one triple."""
        self.triples.append(ox.Triple(s, _predicate(p), o))

    def values(self, column: str, multi: bool = False) -> list[str]:
        """Return the non-empty value(s) of a cell (split on ``|`` when ``multi``)."""
        raw = self.row.cells.get(column, "").strip()
        if not raw:
            return []
        if not multi:
            return [raw]
        return [v.strip() for v in raw.split(card.MULTI_SEPARATOR) if v.strip()]


# --- cell parsers: return the RDF term or None after recording an error -------------------


def parse_date(text: str) -> str | None:
    """Return an ISO date from YYYY-MM-DD, DD/MM/YYYY or an Excel serial number, else None."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text).isoformat()
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
            return dt.date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        if re.fullmatch(r"\d{5}", text):
            return (EXCEL_EPOCH + dt.timedelta(days=int(text))).isoformat()
    except ValueError:
        return None
    return None


def parse_duration(text: str) -> str | None:
    """Return an xsd:duration from ISO 8601 (P2Y) or words (« 2 ans », « 6 mois »), else None."""
    text = text.strip()
    if ISO_DURATION_RE.fullmatch(text.upper()):
        return text.upper()
    if m := WORD_DURATION_RE.fullmatch(text):
        n, unit = m[1], m[2].lower()
        if unit.startswith(("an", "ann", "year")):
            return f"P{n}Y"
        if unit.startswith(("mois", "month")):
            return f"P{n}M"
        if unit.startswith(("sem", "week")):
            return f"P{n}W"
        return f"P{n}D"
    return None


def _convert_value(conv: RowConverter, f: card.CardField, text: str) -> ox.NamedNode | ox.Literal | None:
    base = conv.base
    col = f.column
    kind = f.kind
    if kind in ("text", "outcomes"):
        return _lit(text, lang=f.lang)
    if kind == "code":
        if not CODE_RE.fullmatch(text):
            conv.fail(
                col,
                f"« {text} » is not a valid code: use capital letters, digits and dashes (e.g. OFPPT-TS-DD)",
                f"« {text} » n'est pas un code valide : lettres majuscules, chiffres et tirets (ex. OFPPT-TS-DD)",
            )
            return None
        return _lit(text)
    if kind == "level":
        if not (text.isascii() and text.isdigit() and int(text) in card.CNC_LEVELS):
            conv.fail(
                col,
                f"« {text} » is not a CNC level (a whole number from 1 to 8)",
                f"« {text} » n'est pas un niveau CNC (1 à 8)",
            )
            return None
        return _iri(f"{base}framework/cnc/level/{int(text)}")
    if kind == "subsector":
        key = card.subsector_key(text)
        if key is None:
            known = ", ".join(card.SUBSECTORS)
            conv.fail(
                col,
                f"« {text} » is not a sub-sector; use one of {known}",
                f"« {text} » n'est pas un sous-secteur ; utilisez {known}",
            )
            return None
        return _iri(f"{base}subsector/{key}")
    if kind in ("organisation", "accreditation-body", "providers"):
        if not ORG_ID_RE.fullmatch(text):
            conv.fail(
                col,
                f"« {text} » is not an organisation id (see organisations.csv)",
                f"« {text} » n'est pas un identifiant d'organisme (voir organisations.csv)",
            )
            return None
        return _iri(f"{base}organisation/{text}")
    if kind == "regions":
        if not ORG_ID_RE.fullmatch(text):
            conv.fail(
                col,
                f"« {text} » is not a region key (e.g. casablanca-settat)",
                f"« {text} » n'est pas une clé de région (ex. casablanca-settat)",
            )
            return None
        return _iri(f"{base}region/{text}")
    if kind == "isced-f":
        if not re.fullmatch(r"\d{2,4}", text):
            conv.fail(
                col,
                f"« {text} » is not an ISCED-F 2013 code (2 to 4 digits, e.g. 0613)",
                f"« {text} » n'est pas un code CITE-F 2013 (2 à 4 chiffres, ex. 0613)",
            )
            return None
        return _iri(card.ISCED_F + text)
    if kind == "date" or kind == "accreditation-date":
        iso = parse_date(text)
        if iso is None:
            conv.fail(
                col,
                f"« {text} » is not a date: write YYYY-MM-DD (e.g. 2004-06-07) or DD/MM/YYYY",
                f"« {text} » n'est pas une date : écrivez AAAA-MM-JJ (ex. 2004-06-07) ou JJ/MM/AAAA",
            )
            return None
        return _lit(iso, "date")
    if kind == "duration":
        iso = parse_duration(text)
        if iso is None:
            conv.fail(
                col,
                f"« {text} » is not a duration: write P2Y, P6M, « 2 ans » or « 6 mois »",
                f"« {text} » n'est pas une durée : écrivez P2Y, P6M, « 2 ans » ou « 6 mois »",
            )
            return None
        return _lit(iso, "duration")
    if kind == "decimal":
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0:
            conv.fail(col, f"« {text} » is not a positive number", f"« {text} » n'est pas un nombre positif")
            return None
        return _lit(str(number), "decimal")
    if kind == "integer":
        if not (text.isascii() and text.isdigit()):
            conv.fail(
                col, f"« {text} » is not a whole number of hours", f"« {text} » n'est pas un nombre entier d'heures"
            )
            return None
        return _lit(str(int(text)), "integer")
    if kind == "acquisition-mode":
        if text not in card.ACQUISITION_MODES:
            known = ", ".join(card.ACQUISITION_MODES)
            conv.fail(
                col,
                f"« {text} » is not a way to acquire; use {known}",
                f"« {text} » n'est pas un mode d'acquisition ; utilisez {known}",
            )
            return None
        return _iri(f"{base}vocab/acquisition-mode/{text}")
    if kind == "status":
        if text not in card.QUALIFICATION_STATUSES:
            conv.fail(
                col,
                f"« {text} » is not a status; use active or archived",
                f"« {text} » n'est pas un statut ; utilisez active ou archived",
            )
            return None
        return _iri(f"{base}vocab/qualification-status/{text}")
    if kind == "language":
        if text not in card.LANGUAGE_CODES:
            conv.fail(
                col,
                f"« {text} » is not a language code; use {', '.join(card.LANGUAGE_CODES)}",
                f"« {text} » n'est pas un code de langue ; utilisez {', '.join(card.LANGUAGE_CODES)}",
            )
            return None
        return _lit(text)
    if kind in ("esco-occupation", "esco-skill"):
        prefix = card.ESCO_OCCUPATION if kind == "esco-occupation" else card.ESCO_SKILL
        if not (text.startswith(prefix) and IRI_RE.fullmatch(text)):
            conv.fail(
                col,
                f"« {text} » is not an ESCO IRI starting with {prefix}",
                f"« {text} » n'est pas une IRI ESCO commençant par {prefix}",
            )
            return None
        return _iri(text)
    if kind == "iri":
        if not IRI_RE.fullmatch(text):
            conv.fail(
                col,
                f"« {text} » is not a web address (http:// or https://, no spaces)",
                f"« {text} » n'est pas une adresse web (http:// ou https://, sans espaces)",
            )
            return None
        return _iri(text)
    raise AssertionError(f"unknown card field kind {kind}")


def qualification_iri(base: str, code: str) -> str:
    """Return the IRI of the qualification with this code."""
    return f"{base}qualification/{code}"


def card_to_triples(
    cells: dict[str, str], base: str, source: str, line: int
) -> tuple[str | None, list[ox.Triple], list[InputError]]:
    """Return (qualification IRI, triples, cell errors) for one registration card."""
    triples = _TripleBuffer()
    iri, errors = _CardReader(base).read(cells, source, line, triples)
    return iri, triples.finish(), errors


def _nt_string(text: str) -> str:
    """Return ``text`` escaped for the inside of an N-Triples string literal."""
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return text


class _TripleBuffer:
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
    "outcomes": _OUTCOME,
    "providers": _OPPORTUNITY,
    "regions": _OPPORTUNITY,
    "accreditation-body": _ACCREDITATION,
    "accreditation-date": _ACCREDITATION,
}
# Kinds whose cells are free text, seldom repeated: written straight as literals, never cached.
_TEXT_KINDS = ("text", "outcomes", "code")
_NODE_PROPERTY = {
    "providers": CNC + "providedBy",
    "regions": CNC + "region",
    "accreditation-body": CNC + "accreditingBody",
    "accreditation-date": CNC + "decisionDate",
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
        node_property = _NODE_PROPERTY.get(f.kind, CNC + "statement" if f.kind == "outcomes" else None)
        plans.append(
            _FieldPlan(
                f,
                _PLACEMENT.get(f.kind, _ON_QUALIFICATION),
                f.kind in _TEXT_KINDS,
                f'"@{f.lang}' if f.lang and f.kind != "code" else '"',
                _iri(f.property),
                f"<{f.property}>",
                _iri(node_property) if node_property else None,
                f"<{node_property}>" if node_property else "",
            )
        )
    return tuple(plans)


_FIELD_PLANS = _field_plans()
_TYPE = A
_TYPE_NT = f"<{RDF}type>"
_QUALIFICATION = _iri(CNC + "Qualification")
_LEARNING_OUTCOME = _iri(CNC + "LearningOutcome")
_LEARNING_OPPORTUNITY = _iri(CNC + "LearningOpportunity")
_ACCREDITATION_CLASS = _iri(CNC + "Accreditation")
_COUNTRY = _iri(CNC + "country")
_MOROCCO = _iri(card.COUNTRY_MOROCCO)
_LEADS_TO = _iri(CNC + "leadsTo")


class _CardReader:
    """Turns registration cards into triples, remembering the term of each coded value it has seen.

    Levels, organisations, regions, vocabulary terms, dates… come back on row after row: each is
    checked and built once per reader (one file), then looked up.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.terms: list[dict[str, ox.NamedNode | str]] = [{} for _ in _FIELD_PLANS]

    def read(
        self, cells: dict[str, str], source: str, line: int, out: _TripleBuffer
    ) -> tuple[str | None, list[InputError]]:
        """Add the triples of one card to ``out``; return its IRI (None without a valid code) and cell errors."""
        conv: RowConverter | None = None
        code = cells.get("code", "").strip()
        if not code or not CODE_RE.fullmatch(code):
            conv = RowConverter(self.base, source, Row(line, cells))
            if not code:
                conv.fail(
                    "code",
                    "the code is missing: every qualification needs a unique code",
                    "le code manque : chaque certification a besoin d'un code unique",
                )
            else:
                _convert_value(conv, card.BY_COLUMN["code"], code)
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
            if f.multi and card.MULTI_SEPARATOR in raw:
                texts = [v for v in map(str.strip, raw.split(card.MULTI_SEPARATOR)) if v]
            else:
                texts = [raw]
            for index, text in enumerate(texts, start=1):
                term: ox.NamedNode | str | None
                if plan.text:
                    term = '"' + _nt_string(text) + plan.literal_suffix
                else:
                    term = terms.get(text)
                    if term is None:
                        if conv is None:
                            conv = RowConverter(self.base, source, Row(line, cells))
                        converted = _convert_value(conv, f, text)
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
                if term.__class__ is str:
                    slots.append(len(triples))
                    add(None)
                    lines.append(f"{s_nt} {p_nt} {term} .\n")
                else:
                    add(triple(s, p, term))
        return subject_iri, conv.errors if conv is not None else []


def _new_node(iri: str) -> tuple[ox.NamedNode, str]:
    return _iri(iri), f"<{iri}>"


@dataclass
class InventoryRows:
    """The RDF of an inventory file and where each qualification came from (for error messages)."""

    triples: list[ox.Triple]
    lines: dict[str, int]
    subsectors: set[str]


def check_columns(table: Table, known: Callable[[str], str | None], required: tuple[str, ...]) -> list[str]:
    """Return the canonical columns of a table's header; unknown or missing columns are errors."""
    errors: list[InputError] = []
    columns: list[str] = []
    for index, name in enumerate(table.header, start=1):
        canonical = known(name)
        if canonical is None:
            candidates = list(card.COLUMN_ALIASES) if known is card.canonical_column else list(ORG_COLUMNS)
            hint = get_close_matches(name, candidates, n=1)
            suggestion_en = f" (did you mean « {hint[0]} »?)" if hint else ""
            suggestion_fr = f" (vouliez-vous dire « {hint[0]} » ?)" if hint else ""
            errors.append(
                InputError(
                    f"unknown column « {name} »{suggestion_en}; see docs/registration-card.md for the columns",
                    Location(table.source, 1, column=index),
                    f"colonne inconnue « {name} »{suggestion_fr} ; voir docs/registration-card.md pour les colonnes",
                )
            )
        elif canonical in columns:
            errors.append(
                InputError(
                    f"column « {name} » appears twice",
                    Location(table.source, 1, column=index),
                    f"la colonne « {name} » apparaît deux fois",
                )
            )
        columns.append(canonical or name)
    for name in required:
        if name not in columns:
            errors.append(
                InputError(
                    f"required column « {name} » is missing from the header",
                    Location(table.source, 1),
                    f"la colonne obligatoire « {name} » manque dans l'en-tête",
                )
            )
    if errors:
        raise InputErrors(errors)
    return columns


def _rename(table: Table, columns: list[str]) -> list[Row]:
    if columns == table.header:
        # Already the canonical names (every row holds a cell for each header name).
        return table.rows
    return [Row(r.line, {columns[i]: r.cells.get(h, "") for i, h in enumerate(table.header)}) for r in table.rows]


# Literal triples are parsed in batches of this many cards, so their text never grows large.
_ROWS_PER_PARSE = 1000


def inventory_to_rdf(table: Table, base: str) -> InventoryRows:
    """Return the RDF of an inventory table; every cell error of the file is raised at once."""
    columns = check_columns(table, card.canonical_column, ("code", "intitule_fr", "niveau_cnc"))
    if not table.rows:
        raise InputError(
            "the file has a header but no data rows",
            Location(table.source),
            "le fichier a un en-tête mais aucune ligne de données",
        )
    errors: list[InputError] = []
    triples = _TripleBuffer()
    reader = _CardReader(base)
    lines: dict[str, int] = {}
    subsectors: set[str] = set()
    codes: dict[str, int] = {}
    for number, row in enumerate(_rename(table, columns), start=1):
        code = row.cells.get("code", "").strip()
        if code and code in codes:
            errors.append(
                InputError(
                    f"code « {code} » is already used on line {codes[code]}: codes must be unique",
                    Location(table.source, row.line, field="code"),
                    f"le code « {code} » est déjà utilisé à la ligne {codes[code]} : les codes doivent être uniques",
                )
            )
            continue
        iri, row_errors = reader.read(row.cells, table.source, row.line, triples)
        errors.extend(row_errors)
        if iri:
            codes[code] = row.line
            lines[iri] = row.line
        if number % _ROWS_PER_PARSE == 0:
            triples.flush()
        key = card.subsector_key(row.cells.get("sous_secteur", ""))
        if key:
            subsectors.add(key)
    if errors:
        raise InputErrors(errors)
    return InventoryRows(triples.finish(), lines, subsectors)


ORG_COLUMNS = ("id", "nom_fr", "nom_ar", "nom_en", "sigle", "roles", "parent", "region", "site_web", "source")
ORG_ROLES = ("ministry", "awarding-body", "provider", "qa-agency", "subsector-authority", "coordinating-body")


def organisations_to_rdf(table: Table, base: str) -> InventoryRows:
    """Return the RDF of an organisations table (id, names, acronym, roles, parent, region, site, source)."""
    columns = check_columns(table, lambda n: n if n in ORG_COLUMNS else None, ("id", "nom_fr"))
    errors: list[InputError] = []
    triples: list[ox.Triple] = []
    lines: dict[str, int] = {}
    for row in _rename(table, columns):
        conv = RowConverter(base, table.source, row)
        org_id = row.cells.get("id", "").strip()
        if not ORG_ID_RE.fullmatch(org_id):
            conv.fail(
                "id",
                f"« {org_id} » is not an organisation id (lower-case letters, digits, dashes)",
                f"« {org_id} » n'est pas un identifiant d'organisme (minuscules, chiffres, tirets)",
            )
            errors.extend(conv.errors)
            continue
        iri = f"{base}organisation/{org_id}"
        if iri in lines:
            conv.fail(
                "id",
                f"id « {org_id} » is already used on line {lines[iri]}",
                f"l'identifiant « {org_id} » est déjà utilisé à la ligne {lines[iri]}",
            )
            errors.extend(conv.errors)
            continue
        lines[iri] = row.line
        s = _iri(iri)
        conv.add(s, RDF + "type", _iri(CNC + "Organisation"))
        for column, lang in (("nom_fr", "fr"), ("nom_ar", "ar"), ("nom_en", "en")):
            for text in conv.values(column):
                conv.add(s, SKOS + "prefLabel", _lit(text, lang=lang))
        for text in conv.values("sigle"):
            conv.add(s, SKOS + "altLabel", _lit(text))
        for role in conv.values("roles", multi=True):
            if role not in ORG_ROLES:
                conv.fail(
                    "roles",
                    f"« {role} » is not a role; use {', '.join(ORG_ROLES)}",
                    f"« {role} » n'est pas un rôle ; utilisez {', '.join(ORG_ROLES)}",
                )
            else:
                conv.add(s, CNC + "organisationRole", _iri(f"{base}vocab/organisation-role/{role}"))
        for parent in conv.values("parent"):
            term = _convert_value(conv, card.CardField("parent", "parent", "", "organisation"), parent)
            if term is not None:
                conv.add(s, CNC + "parentOrganisation", term)
        for region in conv.values("region"):
            term = _convert_value(conv, card.CardField("region", "region", "", "regions"), region)
            if term is not None:
                conv.add(s, CNC + "region", term)
        for column, prop in (("site_web", FOAF + "homepage"), ("source", DCT + "source")):
            for text in conv.values(column, multi=True):
                term = _convert_value(conv, card.CardField(column, column, "", "iri"), text)
                if term is not None:
                    conv.add(s, prop, term)
        errors.extend(conv.errors)
        triples.extend(conv.triples)
    if errors:
        raise InputErrors(errors)
    return InventoryRows(triples, lines, set())


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a file becomes millions of (acyclic) objects.

    Every few hundred allocations it would walk the young objects, and now and then all of them:
    a third of the reading time on a 100,000-card inventory, to find no cycle. Reference counting
    still frees everything; the collector runs again as soon as the file is read.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def read_inventory_file(path: Path, base: str) -> InventoryRows:
    """Return the RDF of one inventory file (CSV or XLSX)."""
    with _without_cycle_collection():
        return inventory_to_rdf(read_table(path), base)


def read_inventory_source(source: Source, base_iri: str) -> list[ox.Triple]:
    """Return the triples of a shipped inventory source (build reader)."""
    triples: list[ox.Triple] = []
    for path in source.files:
        triples.extend(read_inventory_file(path, base_iri).triples)
    return triples


def read_organisations_source(source: Source, base_iri: str) -> list[ox.Triple]:
    """Return the triples of the shipped organisations table (build reader)."""
    triples: list[ox.Triple] = []
    with _without_cycle_collection():
        for path in source.files:
            triples.extend(organisations_to_rdf(read_table(path), base_iri).triples)
    return triples

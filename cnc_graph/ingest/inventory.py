"""Inventory spreadsheets (registration-card rows, organisations) → RDF triples.

Only what is needed to build RDF is checked here — that a level is a number, a date is a date, a
reference is a known key. Whether a field is required or a reference exists is the shapes' job;
``cnc_graph.imports`` maps their results back to the row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import get_close_matches
from pathlib import Path

import pyoxigraph as ox

from cnc_graph import card
from cnc_graph.errors import InputError, InputErrors, Location
from cnc_graph.ingest.table import Row, Table, read_table
from cnc_graph.namespaces import CNC, DCT, FOAF, RDF, SKOS, XSD
from cnc_graph.sources import Source

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
        self.triples.append(ox.Triple(s, _iri(p), o))

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
        if not (text.isdigit() and int(text) in card.CNC_LEVELS):
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
        if number is None or number < 0 or not number.is_finite():
            conv.fail(col, f"« {text} » is not a positive number", f"« {text} » n'est pas un nombre positif")
            return None
        return _lit(str(number), "decimal")
    if kind == "integer":
        if not text.isdigit():
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
    conv = RowConverter(base, source, Row(line, cells))
    code = cells.get("code", "").strip()
    if not code:
        conv.fail(
            "code",
            "the code is missing: every qualification needs a unique code",
            "le code manque : chaque certification a besoin d'un code unique",
        )
        return None, [], conv.errors
    if not CODE_RE.fullmatch(code):
        _convert_value(conv, card.BY_COLUMN["code"], code)
        return None, [], conv.errors
    subject_iri = qualification_iri(base, code)
    q = _iri(subject_iri)
    conv.add(q, RDF + "type", _iri(CNC + "Qualification"))
    conv.add(q, CNC + "country", _iri(card.COUNTRY_MOROCCO))
    outcomes: dict[int, ox.NamedNode] = {}
    opportunity: ox.NamedNode | None = None
    accreditation: ox.NamedNode | None = None
    for f in card.FIELDS:
        for index, text in enumerate(conv.values(f.column, f.multi), start=1):
            term = _convert_value(conv, f, text)
            if term is None:
                continue
            if f.kind == "outcomes":
                node = outcomes.get(index)
                if node is None:
                    node = outcomes[index] = _iri(f"{subject_iri}/outcome/{index}")
                    conv.add(q, f.property, node)
                    conv.add(node, RDF + "type", _iri(CNC + "LearningOutcome"))
                conv.add(node, CNC + "statement", term)
            elif f.kind in ("providers", "regions"):
                if opportunity is None:
                    opportunity = _iri(f"{subject_iri}/opportunity/1")
                    conv.add(q, f.property, opportunity)
                    conv.add(opportunity, RDF + "type", _iri(CNC + "LearningOpportunity"))
                    conv.add(opportunity, CNC + "leadsTo", q)
                prop = CNC + ("providedBy" if f.kind == "providers" else "region")
                conv.add(opportunity, prop, term)
            elif f.kind in ("accreditation-body", "accreditation-date"):
                if accreditation is None:
                    accreditation = _iri(f"{subject_iri}/accreditation/1")
                    conv.add(q, f.property, accreditation)
                    conv.add(accreditation, RDF + "type", _iri(CNC + "Accreditation"))
                prop = CNC + ("accreditingBody" if f.kind == "accreditation-body" else "decisionDate")
                conv.add(accreditation, prop, term)
            else:
                conv.add(q, f.property, term)
    return subject_iri, conv.triples, conv.errors


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
    return [Row(r.line, {columns[i]: r.cells.get(h, "") for i, h in enumerate(table.header)}) for r in table.rows]


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
    triples: list[ox.Triple] = []
    lines: dict[str, int] = {}
    subsectors: set[str] = set()
    codes: dict[str, int] = {}
    for row in _rename(table, columns):
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
        iri, row_triples, row_errors = card_to_triples(row.cells, base, table.source, row.line)
        errors.extend(row_errors)
        if iri:
            codes[code] = row.line
            lines[iri] = row.line
        triples.extend(row_triples)
        key = card.subsector_key(row.cells.get("sous_secteur", ""))
        if key:
            subsectors.add(key)
    if errors:
        raise InputErrors(errors)
    return InventoryRows(triples, lines, subsectors)


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


def read_inventory_file(path: Path, base: str) -> InventoryRows:
    """Return the RDF of one inventory file (CSV or XLSX)."""
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
    for path in source.files:
        triples.extend(organisations_to_rdf(read_table(path), base_iri).triples)
    return triples

"""Inventory spreadsheets (registration-card rows, organisations) → RDF triples.

Only what is needed to build RDF is checked here — that a level is a number, a date is a date, a
reference is a known key. Whether a field is required or a reference exists is the shapes' job;
``cnc_graph.importing`` maps their results back to the row and column.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.card.fields import ORG_COLUMNS, ORG_ROLES
from cnc_graph.card.kinds import ORG_ID_RE, literal
from cnc_graph.card.rdf import CardReader, CellConverter, TripleBuffer, convert_value
from cnc_graph.errors import InputError, InputErrors, Location
from cnc_graph.ingest.sources import Source
from cnc_graph.ingest.table import Row, Table, read_table
from cnc_graph.iris import CNC, DCT, FOAF, RDF, SKOS


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
    triples = TripleBuffer()
    reader = CardReader(base)
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


def organisations_to_rdf(table: Table, base: str) -> InventoryRows:
    """Return the RDF of an organisations table (id, names, acronym, roles, parent, region, site, source)."""
    columns = check_columns(table, lambda n: n if n in ORG_COLUMNS else None, ("id", "nom_fr"))
    errors: list[InputError] = []
    triples: list[ox.Triple] = []
    lines: dict[str, int] = {}
    for row in _rename(table, columns):
        conv = CellConverter(base, table.source, row.line, row.cells)
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
        s = ox.NamedNode(iri)
        conv.add(s, RDF + "type", ox.NamedNode(CNC + "Organisation"))
        for column, lang in (("nom_fr", "fr"), ("nom_ar", "ar"), ("nom_en", "en")):
            for text in conv.values(column):
                conv.add(s, SKOS + "prefLabel", literal(text, lang=lang))
        for text in conv.values("sigle"):
            conv.add(s, SKOS + "altLabel", literal(text))
        for role in conv.values("roles", multi=True):
            if role not in ORG_ROLES:
                conv.fail(
                    "roles",
                    f"« {role} » is not a role; use {', '.join(ORG_ROLES)}",
                    f"« {role} » n'est pas un rôle ; utilisez {', '.join(ORG_ROLES)}",
                )
            else:
                conv.add(s, CNC + "organisationRole", ox.NamedNode(f"{base}vocab/organisation-role/{role}"))
        for parent in conv.values("parent"):
            term = convert_value(conv, card.CardField("parent", "parent", "", "organisation"), parent)
            if term is not None:
                conv.add(s, CNC + "parentOrganisation", term)
        for region in conv.values("region"):
            term = convert_value(conv, card.CardField("region", "region", "", "regions"), region)
            if term is not None:
                conv.add(s, CNC + "region", term)
        for column, prop in (("site_web", FOAF + "homepage"), ("source", DCT + "source")):
            for text in conv.values(column, multi=True):
                term = convert_value(conv, card.CardField(column, column, "", "iri"), text)
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

"""Importing a file into an existing store: convert, validate with the rest of the graph, replace atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.errors import InputError, InputErrors, Location, ValidationFailed
from cnc_graph.ingest.inventory import read_inventory_file
from cnc_graph.iris import graph_iri
from cnc_graph.rdf.query_files import load_query, select, value
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore
from cnc_graph.validation.context import record_context, record_subjects
from cnc_graph.validation.shapes import validator_for
from cnc_graph.validation.validator import ValidationReport, ValidationResult


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    graph: str
    triples: int
    qualifications: int
    report: ValidationReport = field(default_factory=ValidationReport)
    written: bool = False
    lines: dict[str, int] = field(default_factory=dict)


def store_triples(store: GraphStore, exclude_graph: str | None = None) -> list[ox.Triple]:
    """Return every triple of the public graphs except ``exclude_graph`` (the validation context)."""
    exclude = ox.NamedNode(exclude_graph or "urn:cnc:none")
    result = store.query(load_query("public_triples_except"), bindings={"exclude": exclude})
    return list(result)  # type: ignore[arg-type]


def import_inventory(
    store: GraphStore,
    settings: Settings,
    path: Path,
    subsector: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import one sub-sector's inventory file; with any violation nothing is written."""
    rows = read_inventory_file(path, settings.base_iri)
    key = _subsector_for(path, subsector, rows.subsectors)
    graph = graph_iri(settings.base_iri, f"inventory/{key}")
    triples = rows.triples
    if subsector and not rows.subsectors:
        triples = triples + _subsector_triples(settings.base_iri, rows.lines, key)
    _refuse_codes_held_elsewhere(store, rows.lines, graph, str(path))
    validator = validator_for(settings)
    if validator.engine == "compiled":
        context = record_context(store, triples, exclude_graph=graph)
        report = validator.validate_triples(context + triples, focus=record_subjects(triples))
    else:
        report = validator.validate_triples(store_triples(store, exclude_graph=graph) + triples)
    report = ValidationReport([r for r in report.results if r.focus in rows.lines or _owner(r.focus, rows.lines)])
    result = ImportResult(graph, len(triples), len(rows.lines), report, lines=rows.lines)
    if report.violations:
        raise ValidationFailed(report, str(path), rows.lines)
    if not dry_run:
        store.replace_graph(graph, triples)
        result.written = True
    return result


def _refuse_codes_held_elsewhere(store: GraphStore, lines: dict[str, int], graph: str, source: str) -> None:
    """Raise if a qualification of the file is already registered in another named graph."""
    errors = []
    iris = [ox.NamedNode(iri) for iri in lines]
    for row in select(store, "qualification_graphs", q=iris):
        iri, holder = value(row["q"]), value(row["g"])
        if iri in lines and holder != graph:
            code = value(row["code"])
            where = holder.rsplit("/graph/", 1)[-1] if holder else "?"
            errors.append(
                InputError(
                    f"code « {code} » is already registered in {where}: codes must be unique across the register",
                    Location(source, lines[iri], field="code"),
                    f"le code « {code} » est déjà enregistré dans {where} : un code est unique dans le registre",
                )
            )
    if errors:
        raise InputErrors(errors)


def _owner(focus: str, lines: dict[str, int]) -> str | None:
    """Return the qualification IRI a node (outcome, opportunity…) belongs to, if it is in ``lines``."""
    for iri in lines:
        if focus.startswith(iri + "/"):
            return iri
    return None


def _subsector_for(path: Path, requested: str | None, found: set[str]) -> str:
    if requested:
        key = card.subsector_key(requested)
        if key is None:
            raise InputError(
                f"« {requested} » is not a sub-sector; use one of {', '.join(card.SUBSECTORS)}",
                Location(field="--subsector"),
            )
        others = found - {key}
        if others:
            raise InputError(
                f"rows belong to {', '.join(sorted(others))}, not {key}: split the file or fix sous_secteur",
                Location(str(path), field="sous_secteur"),
            )
        return key
    if len(found) == 1:
        return next(iter(found))
    if not found:
        raise InputError(
            "no sub-sector given: fill the sous_secteur column or pass --subsector",
            Location(str(path), field="sous_secteur"),
        )
    raise InputError(
        f"the file mixes sub-sectors ({', '.join(sorted(found))}): import one sub-sector per file",
        Location(str(path), field="sous_secteur"),
    )


def _subsector_triples(base: str, lines: dict[str, int], key: str) -> list[ox.Triple]:
    prop = ox.NamedNode(card.BY_COLUMN["sous_secteur"].property)
    value = ox.NamedNode(f"{base}subsector/{key}")
    return [ox.Triple(ox.NamedNode(iri), prop, value) for iri in lines]


def locate(result: ValidationResult, lines: dict[str, int], source: str) -> Location:
    """Return the file/row/column of a validation result on an imported qualification."""
    owner = result.focus if result.focus in lines else _owner(result.focus, lines)
    column = None
    for f in card.FIELDS:
        if f.property == result.path:
            column = f.column
            break
    return Location(source, lines.get(owner or ""), field=column)

"""Importing a file into an existing store: convert, validate with the rest of the graph, write atomically.

An import adds and updates: each row of the file becomes its qualification's whole record (added, or updated in
place), and the sub-sector's other qualifications are kept. Only ``replace=True`` makes the file the whole
sub-sector, and it removes nothing unless ``confirm=True`` (a dry run lists what it would remove).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.card.diff import changed_fields, records
from cnc_graph.errors import InputError, InputErrors, Location, ValidationFailed
from cnc_graph.ingest.inventory import read_inventory_file
from cnc_graph.iris import graph_iri
from cnc_graph.rdf.query_files import load_query, select, solutions, value
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore
from cnc_graph.validation.context import record_context, record_subjects
from cnc_graph.validation.shapes import validator_for
from cnc_graph.validation.validator import ValidationReport, ValidationResult

ADDED, UPDATED, UNCHANGED, REMOVED = "added", "updated", "unchanged", "removed"
NAMED = 20  # codes named in a refusal; the dry run lists them all


@dataclass(frozen=True)
class RowChange:
    """What an import does to one qualification: added, updated (with the card columns that change),
    unchanged, or removed (``replace`` only: in the sub-sector, not in the file; no line then)."""

    code: str
    action: str
    line: int | None = None
    fields: tuple[str, ...] = ()


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    graph: str
    triples: int
    qualifications: int
    report: ValidationReport = field(default_factory=ValidationReport)
    written: bool = False
    lines: dict[str, int] = field(default_factory=dict)
    changes: list[RowChange] = field(default_factory=list)  # the file's rows in file order, then the removed
    kept: int = 0  # qualifications of the sub-sector not in the file, kept as they are
    replace: bool = False

    def count(self, action: str) -> int:
        """Return how many qualifications the import gives ``action`` (added, updated…)."""
        return sum(1 for c in self.changes if c.action == action)


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
    replace: bool = False,
    confirm: bool = False,
) -> ImportResult:
    """Import one sub-sector's inventory file: add its new qualifications, update those it changes, keep the rest.

    With ``replace``, the file becomes the whole sub-sector: qualifications absent from it are removed, but only
    with ``confirm`` (else InputError names them; a dry run lists them without refusing). With any violation
    nothing is written.
    """
    rows = read_inventory_file(path, settings.base_iri)
    key = _subsector_for(path, subsector, rows.subsectors)
    graph = graph_iri(settings.base_iri, f"inventory/{key}")
    triples = rows.triples
    if subsector and not rows.subsectors:
        triples = triples + _subsector_triples(settings.base_iri, rows.lines, key)
    held_here = _refuse_codes_held_elsewhere(store, rows.lines, graph, str(path))
    validator = validator_for(settings)
    if validator.engine == "compiled":
        context = record_context(store, triples, exclude_graph=graph)
        report = validator.validate_triples(context + triples, focus=record_subjects(triples))
    else:
        report = validator.validate_triples(store_triples(store, exclude_graph=graph) + triples)
    report = ValidationReport([r for r in report.results if r.focus in rows.lines or _owner(r.focus, rows.lines)])
    result = ImportResult(graph, len(triples), len(rows.lines), report, lines=rows.lines, replace=replace)
    if report.violations:
        raise ValidationFailed(report, str(path), rows.lines)
    again = [ox.NamedNode(iri) for iri in rows.lines if iri in held_here]  # the rows that update a record
    before = records(_held_records(store, graph, again), settings.base_iri) if again else {}
    coming = records(triples, settings.base_iri)
    for iri, line in sorted(rows.lines.items(), key=lambda item: item[1]):
        code = iri.rsplit("/", 1)[-1]
        if iri not in held_here:
            result.changes.append(RowChange(code, ADDED, line))
        else:
            changed = changed_fields(before.get(iri, []), coming.get(iri, []), iri)
            result.changes.append(RowChange(code, UPDATED if changed else UNCHANGED, line, tuple(changed)))
    if replace:
        held = {str(value(row["q"])) for row in select(store, "graph_qualifications", g=ox.NamedNode(graph))}
        absent = sorted(held - set(rows.lines))
        result.changes += [RowChange(iri.rsplit("/", 1)[-1], REMOVED) for iri in absent]
        if absent and not confirm and not dry_run:
            codes = ", ".join(iri.rsplit("/", 1)[-1] for iri in absent[:NAMED])
            codes += f" … (+{len(absent) - NAMED})" if len(absent) > NAMED else ""
            raise InputError(
                f"--replace would remove {len(absent)} qualification(s) of {key} that the file does not hold: "
                f"{codes}; pass --yes to remove them, or import without --replace to keep them",
                Location(str(path)),
                f"--replace supprimerait {len(absent)} certification(s) de {key} absentes du fichier : {codes} ; "
                "ajoutez --yes pour les supprimer, ou importez sans --replace pour les garder",
            )
    else:
        count = select(store, "graph_qualification_count", g=ox.NamedNode(graph))
        result.kept = int(value(count[0]["n"]) or 0) - len(held_here) if count else 0
    if not dry_run:
        if replace:
            store.replace_graph(graph, triples)
        else:
            old = {t for record in before.values() for t in record}
            new = set(triples)
            with store.transaction() as tx:  # the rows' old records out, their new ones in: one transaction
                tx.remove(graph, [t for t in old if t not in new])
                tx.add(graph, [t for t in triples if t not in old])
        result.written = True
    return result


def _held_records(store: GraphStore, graph: str, iris: list[ox.NamedNode]) -> Iterator[ox.Triple]:
    """Yield the triples of the records of ``iris`` that ``graph`` holds (rows read by position, not as dicts)."""
    node = ox.NamedNode(graph)
    for row in solutions(store, "record_triples", q=iris):
        if row[0] == node:
            yield ox.Triple(row[2] or row[1], row[3], row[4])


def _refuse_codes_held_elsewhere(store: GraphStore, lines: dict[str, int], graph: str, source: str) -> set[str]:
    """Raise if a qualification of the file is already registered in another named graph; else return those of
    the file that ``graph`` already holds."""
    errors = []
    here: set[str] = set()
    iris = [ox.NamedNode(iri) for iri in lines]
    for row in select(store, "qualification_graphs", q=iris):
        iri, holder = value(row["q"]), value(row["g"])
        if iri in lines and holder == graph:
            here.add(iri)
        elif iri in lines:
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
    return here


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

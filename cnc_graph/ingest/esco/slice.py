"""The ESCO slice shipped in ``data/esco/``: only the ESCO concepts the inventory refers to.

``cnc-graph import esco-slice REFERENCE_DIR INVENTORY_DIR OUT.ttl`` reads the ESCO CSV files in
REFERENCE_DIR, the ESCO IRIs in the ``metiers_esco`` / ``competences_esco`` columns of the inventory
CSVs in INVENTORY_DIR, and writes those concepts, with their ISCO groups and broader concepts one
level up, as Turtle. The build loads it into ``graph/esco``; ``cnc-graph import esco`` replaces it
with the full distribution.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.errors import InputError, Location
from cnc_graph.ingest.esco.concepts import EscoStats, dataset_iri, esco_triples
from cnc_graph.ingest.table import read_table
from cnc_graph.iris import ESCO_MODEL, PREFIXES, RDF, SKOS
from cnc_graph.rdf.syntaxes import written

INVENTORY_COLUMNS = ("metiers_esco", "competences_esco")
# What a concept one level up brings with it: enough to name and place it, not its full text.
PARENT_PROPERTIES = frozenset({RDF + "type", SKOS + "prefLabel", SKOS + "notation", SKOS + "inScheme"})
UP_PROPERTIES = frozenset({SKOS + "broader", ESCO_MODEL + "memberOfISCOGroup"})
# Occupation–skill links are kept only between concepts of the slice, so that it stays closed and small.
INNER_PROPERTIES = frozenset({ESCO_MODEL + "relatedEssentialSkill", ESCO_MODEL + "relatedOptionalSkill"})
SLICE_PREFIXES = {k: PREFIXES[k] for k in ("rdf", "skos", "dct", "esco", "dcat", "xsd")} | {
    "isothes": "http://purl.org/iso25964/skos-thes#",
    "occupation": "http://data.europa.eu/esco/occupation/",
    "skill": "http://data.europa.eu/esco/skill/",
    "isco": "http://data.europa.eu/esco/isco/",
}


@dataclass
class EscoSlice:
    """The triples of a slice, the requested concepts found in ESCO and those that were not."""

    triples: list[ox.Triple] = field(default_factory=list)
    found: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)


def slice_triples(triples: Sequence[ox.Triple], concepts: Iterable[str], base_iri: str | None = None) -> EscoSlice:
    """Return the triples about ``concepts``, plus type, labels and notation of their broader concepts and ISCO groups.

    Links between two requested concepts are kept; occupation–skill links to concepts outside the
    slice are dropped. With ``base_iri``, the ``dataset/esco`` description (ESCO version) is kept too.
    """
    wanted = set(concepts)
    result = EscoSlice()
    parents: set[ox.NamedNode] = set()
    dataset = ox.NamedNode(dataset_iri(base_iri)) if base_iri else None
    for t in triples:
        if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
            continue  # no triple terms in ESCO
        subject = t.subject.value
        if subject in wanted:
            predicate = t.predicate.value
            if predicate in INNER_PROPERTIES and t.object.value not in wanted:
                continue
            result.triples.append(t)
            result.found.add(subject)
            if predicate in UP_PROPERTIES and isinstance(t.object, ox.NamedNode):
                parents.add(t.object)
        elif dataset is not None and t.subject == dataset:
            result.triples.append(t)
    parent_iris = {p.value for p in parents} - wanted
    if parent_iris:
        for t in triples:
            if (
                isinstance(t.subject, ox.NamedNode)
                and t.subject.value in parent_iris
                and t.predicate.value in PARENT_PROPERTIES
            ):
                result.triples.append(t)
    result.missing = wanted - result.found
    return result


def inventory_concepts(inventory_dir: Path) -> tuple[set[str], list[Path]]:
    """Return the ESCO IRIs named in the metiers_esco / competences_esco columns of an inventory's CSV files."""
    if not inventory_dir.is_dir():
        raise InputError(
            "inventory folder not found", Location(file=str(inventory_dir)), "dossier d'inventaire introuvable"
        )
    concepts: set[str] = set()
    used: list[Path] = []
    for path in sorted(inventory_dir.glob("*.csv")):
        table = read_table(path)
        columns = {h: card.canonical_column(h) for h in table.header}
        wanted = [h for h, canonical in columns.items() if canonical in INVENTORY_COLUMNS]
        if not wanted:
            continue
        used.append(path)
        for row in table.rows:
            for column in wanted:
                for value in row.cells.get(column, "").split(card.MULTI_SEPARATOR):
                    if value.strip():
                        concepts.add(value.strip())
    return concepts, used


def write_slice(
    reference_dir: Path,
    inventory_dir: Path,
    output: Path,
    base_iri: str,
    version: str | None = None,
    today: dt.date | None = None,
) -> EscoSlice:
    """Write the ESCO slice for an inventory as Turtle, with a header saying how it was generated."""
    concepts, inventory_files = inventory_concepts(inventory_dir)
    stats = EscoStats()
    full = list(esco_triples(reference_dir, base_iri, version, stats))
    result = slice_triples(full, concepts, base_iri)
    del full
    header = [
        "# Generated by `cnc-graph import esco-slice`: do not edit by hand, run it again instead.",
        "# The ESCO concepts the inventory refers to (columns metiers_esco and competences_esco), with",
        "# their broader concepts and ISCO groups one level up (type, labels, notation).",
        f"# Inventory files: {', '.join(_shown(p) for p in inventory_files) or '(none)'}",
        f"# ESCO CSV files in {_shown(reference_dir)}: {', '.join(Path(f).name for f in stats.files)}",
        f"# ESCO version: {stats.version}"
        + (f" (latest concept modification {stats.modified})" if stats.modified else ""),
        f"# Concepts: {len(result.found)} found, {len(result.missing)} not in these ESCO files"
        + (f" ({', '.join(sorted(result.missing))})" if result.missing else ""),
        f"# Generated on {(today or dt.date.today()).isoformat()}. ESCO © European Union, https://esco.ec.europa.eu/",
    ]
    body = written(ox.serialize(_ordered(result.triples), format=ox.RdfFormat.TURTLE, prefixes=SLICE_PREFIXES)).decode()
    # Data files carry resource IRIs relative to the configured base (docs/model.md): the loader resolves them.
    body = body.replace(f"<{dataset_iri(base_iri)}>", "<dataset/esco>")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(header) + "\n\n" + body.rstrip("\n") + "\n", encoding="utf-8")
    return result


def _ordered(triples: list[ox.Triple]) -> list[ox.Triple]:
    # A stable order makes regenerated files diff cleanly.
    return sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)

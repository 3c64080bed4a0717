"""SSSOM mapping tables (TSV with a YAML metadata header) → RDF.

Each row becomes the plain SKOS triple (``subject predicate object``), so that ordinary SKOS
queries see it, and a ``cnc:MappingRecord`` carrying its provenance (justification, confidence,
author, date, source document, comment).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import yaml

from cnc_graph.errors import InputError, InputErrors, Location
from cnc_graph.ingest.sources import Source
from cnc_graph.iris import CNC, RDF, RDFS, SEMAPV, SKOS, XSD
from cnc_graph.settings import DEFAULT_BASE_IRI

MATCH_PREDICATES = tuple(SKOS + p for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"))
REQUIRED_METADATA = ("mapping_set_id", "curie_map", "license")
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
BUILTIN_PREFIXES = {"skos": SKOS, "semapv": SEMAPV, "rdfs": RDFS}


@dataclass
class MappingSet:
    """A parsed SSSOM file: its metadata block and its rows (with their line numbers)."""

    source: str
    metadata: dict[str, object]
    rows: list[tuple[int, dict[str, str]]]


def read_sssom(path: Path) -> MappingSet:
    """Return the metadata and rows of an SSSOM TSV file."""
    if not path.is_file():
        raise InputError("file not found", Location(file=str(path)))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the file is not UTF-8 encoded", Location(file=str(path))) from exc
    lines = text.split("\n")
    header_lines = []
    for line in lines:  # the metadata block is the run of '#' lines at the top of the file
        if not line.startswith("#"):
            break
        header_lines.append(line[1:])
    try:
        metadata = yaml.safe_load("\n".join(header_lines)) or {}
    except yaml.YAMLError as exc:
        raise InputError(
            f"the metadata block (lines starting with #) is not valid YAML: {exc}", Location(str(path))
        ) from exc
    if not isinstance(metadata, dict):
        raise InputError("the metadata block must be a YAML mapping", Location(str(path)))
    missing = [k for k in REQUIRED_METADATA if k not in metadata]
    if missing:
        raise InputError(f"the metadata block lacks {', '.join(missing)}", Location(str(path)))
    first = len(header_lines)
    reader = csv.DictReader(io.StringIO("\n".join(lines[first:])), delimiter="\t")
    absent = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if absent:
        raise InputError(f"missing column(s) {', '.join(absent)}", Location(str(path), first + 1))
    rows = [(first + reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]
    rows = [(line, row) for line, row in rows if any(row.values())]
    return MappingSet(str(path), metadata, rows)


class CurieExpander:
    """Expands CURIEs with a mapping set's curie_map, rebasing our own IRIs onto the configured base."""

    def __init__(self, curie_map: dict[str, str], base_iri: str) -> None:
        self.prefixes = BUILTIN_PREFIXES | {str(k): str(v) for k, v in curie_map.items()}
        self.base_iri = base_iri

    def expand(self, curie: str) -> str | None:
        """Return the full IRI of a CURIE (or of a full IRI), or None if its prefix is unknown."""
        if re.match(r"^https?://", curie):
            iri = curie
        else:
            prefix, sep, local = curie.partition(":")
            if not sep or prefix not in self.prefixes:
                return None
            iri = self.prefixes[prefix] + local
        if iri.startswith(DEFAULT_BASE_IRI) and self.base_iri != DEFAULT_BASE_IRI:
            iri = self.base_iri + iri[len(DEFAULT_BASE_IRI) :]
        return iri


def mapping_set_to_rdf(mapping_set: MappingSet, key: str, base_iri: str) -> list[ox.Triple]:
    """Return the SKOS triples and mapping records of a mapping set; bad rows are reported together."""
    curie_map = mapping_set.metadata.get("curie_map") or {}
    if not isinstance(curie_map, dict):
        raise InputError("curie_map must be a mapping of prefix → IRI", Location(mapping_set.source))
    expander = CurieExpander(curie_map, base_iri)
    set_node = ox.NamedNode(f"{base_iri}mapping/{key}")
    triples: list[ox.Triple] = []
    errors: list[InputError] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    set_id = expander.expand(str(mapping_set.metadata["mapping_set_id"])) or str(mapping_set.metadata["mapping_set_id"])
    add(set_node, RDF + "type", ox.NamedNode(CNC + "MappingSet"))
    add(set_node, RDFS + "seeAlso", ox.NamedNode(set_id))
    for meta_key, prop in (("license", "http://purl.org/dc/terms/license"),):
        add(set_node, prop, ox.NamedNode(str(mapping_set.metadata[meta_key])))
    for field_name in ("mapping_set_description", "mapping_set_title"):
        if mapping_set.metadata.get(field_name):
            add(set_node, RDFS + "comment", ox.Literal(str(mapping_set.metadata[field_name]), language="en"))
    for index, (line, row) in enumerate(mapping_set.rows, start=1):
        where = Location(mapping_set.source, line)
        iris: dict[str, str] = {}
        for column in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
            iri = expander.expand(row.get(column, ""))
            if iri is None:
                errors.append(
                    InputError(
                        f"{column} « {row.get(column, '')} » uses an unknown prefix (add it to curie_map)", where
                    )
                )
            else:
                iris[column] = iri
        if len(iris) < 4:
            continue
        if iris["predicate_id"] not in MATCH_PREDICATES:
            errors.append(InputError(f"predicate_id « {row['predicate_id']} » must be a SKOS mapping relation", where))
            continue
        confidence = row.get("confidence", "")
        if confidence:
            try:
                ok = 0.0 <= float(confidence) <= 1.0
            except ValueError:
                ok = False
            if not ok:
                errors.append(InputError(f"confidence « {confidence} » must be a number from 0 to 1", where))
                continue
        subject, predicate, obj = (ox.NamedNode(iris[c]) for c in ("subject_id", "predicate_id", "object_id"))
        triples.append(ox.Triple(subject, predicate, obj))
        record = ox.NamedNode(f"{base_iri}mapping/{key}/{index}")
        add(record, RDF + "type", ox.NamedNode(CNC + "MappingRecord"))
        add(record, CNC + "inMappingSet", set_node)
        add(record, CNC + "mappingSubject", subject)
        add(record, CNC + "mappingPredicate", predicate)
        add(record, CNC + "mappingObject", obj)
        add(record, CNC + "mappingJustification", ox.NamedNode(iris["mapping_justification"]))
        if confidence:
            add(record, CNC + "confidence", ox.Literal(confidence, datatype=ox.NamedNode(XSD + "decimal")))
        for author in _multi(row.get("author_id", "")) + _multi(row.get("creator_id", "")):
            add(record, CNC + "mappingAuthor", ox.NamedNode(expander.expand(author) or author))
        if row.get("mapping_date"):
            add(record, CNC + "mappingDate", ox.Literal(row["mapping_date"], datatype=ox.NamedNode(XSD + "date")))
        for see_also in _multi(row.get("see_also", "")):
            add(record, RDFS + "seeAlso", ox.NamedNode(expander.expand(see_also) or see_also))
        if row.get("comment"):
            add(record, RDFS + "comment", ox.Literal(row["comment"], language="en"))
    if errors:
        raise InputErrors(errors)
    return triples


def _multi(text: str) -> list[str]:
    return [v.strip() for v in text.split("|") if v.strip()]


def read_sssom_source(source: Source, base_iri: str) -> list[ox.Triple]:
    """Return the triples of a shipped SSSOM mapping file (build reader)."""
    triples: list[ox.Triple] = []
    for path in source.files:
        triples.extend(mapping_set_to_rdf(read_sssom(path), source.key.rsplit("/", 1)[-1], base_iri))
    return triples


ROW_COLUMNS = (
    "subject_id",
    "predicate_id",
    "object_id",
    "mapping_justification",
    "confidence",
    "author_id",
    "mapping_date",
    "see_also",
    "comment",
)


def rows_from_rdf(triples: list[ox.Triple], curie_map: dict[str, str]) -> list[dict[str, str]]:
    """Return SSSOM rows (CURIEs per ``curie_map``) from the mapping records in ``triples`` — the inverse
    of ``mapping_set_to_rdf`` for the columns it keeps, ordered as the records are numbered."""
    prefixes = sorted(
        ((iri, prefix) for prefix, iri in (BUILTIN_PREFIXES | curie_map).items()), key=lambda pair: -len(pair[0])
    )

    def curie(iri: str) -> str:
        for namespace, prefix in prefixes:
            if iri.startswith(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    records: dict[str, dict[str, list[str]]] = {}
    for t in triples:
        if isinstance(t.object, ox.Triple) or not isinstance(t.subject, ox.NamedNode):
            continue
        if "/mapping/" in t.subject.value:
            records.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object.value)
    columns = {
        "subject_id": CNC + "mappingSubject",
        "predicate_id": CNC + "mappingPredicate",
        "object_id": CNC + "mappingObject",
        "mapping_justification": CNC + "mappingJustification",
        "confidence": CNC + "confidence",
        "author_id": CNC + "mappingAuthor",
        "mapping_date": CNC + "mappingDate",
        "see_also": RDFS + "seeAlso",
        "comment": RDFS + "comment",
    }
    iri_columns = {"subject_id", "predicate_id", "object_id", "mapping_justification", "author_id", "see_also"}
    rows = []
    for record, props in records.items():
        if CNC + "mappingSubject" not in props:
            continue
        row = {}
        for column, prop in columns.items():
            found = props.get(prop, [])
            row[column] = "|".join(sorted(curie(v) if column in iri_columns else v for v in found))
        row["_order"] = record.rsplit("/", 1)[-1]
        rows.append(row)
    rows.sort(key=lambda r: int(r["_order"]) if r["_order"].isdigit() else 0)
    for row in rows:
        del row["_order"]
    return rows

"""The SSSOM mapping tables: valid for sssom-py, loaded as SKOS triples and records, and round-trippable."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cnc_graph.ingest.sssom import ROW_COLUMNS, mapping_set_to_rdf, read_sssom, rows_from_rdf
from tests.conftest import BASE, ROOT

TABLES = sorted((ROOT / "mappings").glob("*.sssom.tsv"))


def test_there_are_mapping_tables() -> None:
    names = {p.name for p in TABLES}
    assert {"cnc-eqf.sssom.tsv", "cnc-acqf.sssom.tsv", "cnc-isced.sssom.tsv", "fr-nqf-eqf.sssom.tsv"} <= names


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_tables_are_valid_sssom(path: Path) -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(str(path))
    assert len(msdf.df) == len(read_sssom(path).rows)
    validate(msdf, fail_on_error=True)


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_round_trip_sssom_rdf_sssom(path: Path) -> None:
    mapping_set = read_sssom(path)
    triples = mapping_set_to_rdf(mapping_set, path.name.removesuffix(".sssom.tsv"), BASE)
    rows = rows_from_rdf(triples, mapping_set.metadata["curie_map"])  # type: ignore[arg-type]
    assert len(rows) == len(mapping_set.rows)
    for (_, original), back in zip(mapping_set.rows, rows, strict=True):
        for column in ROW_COLUMNS:
            expected = original.get(column, "")
            if column == "author_id":
                expected = "|".join(
                    sorted(filter(None, [original.get("author_id", ""), original.get("creator_id", "")]))
                )
            if column == "see_also":
                expected = "|".join(sorted(v.strip() for v in expected.split("|") if v.strip()))
            assert back[column] == expected, (column, original.get("subject_id"))


def test_each_row_is_both_a_skos_triple_and_a_record() -> None:
    path = ROOT / "mappings" / "cnc-eqf.sssom.tsv"
    triples = mapping_set_to_rdf(read_sssom(path), "cnc-eqf", BASE)
    skos = [t for t in triples if t.predicate.value.startswith("http://www.w3.org/2004/02/skos/core#")]
    records = [t for t in triples if t.object.value.endswith("#MappingRecord")]
    assert len(skos) == len(records) == len(read_sssom(path).rows)


def test_bad_rows_name_their_line(tmp_path: Path) -> None:
    from cnc_graph.errors import InputErrors

    source = ROOT / "mappings" / "cnc-eqf.sssom.tsv"
    lines = source.read_text(encoding="utf-8").splitlines()
    header_end = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    reader = list(csv.reader(lines[header_end:], delimiter="\t"))
    confidence = reader[0].index("confidence")
    reader[2][confidence] = "1.7"
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text("\n".join(lines[:header_end] + ["\t".join(r) for r in reader]) + "\n", encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        mapping_set_to_rdf(read_sssom(bad), "bad", BASE)
    assert f"line {header_end + 3}" in str(info.value) and "1.7" in str(info.value)


def test_qualification_esco_table_matches_the_inventory() -> None:
    links = set()
    for path in sorted((ROOT / "data" / "inventory").glob("*.csv")):
        if path.name == "organisations.csv":
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                links |= {(row["code"], v.strip()) for v in row.get("metiers_esco", "").split("|") if v.strip()}
    table = read_sssom(ROOT / "mappings" / "qualification-esco.sssom.tsv")
    rows = {
        (
            r["subject_id"].removeprefix("cncq:"),
            "http://data.europa.eu/esco/occupation/" + r["object_id"].removeprefix("escoocc:"),
        )
        for _, r in table.rows
    }
    assert rows == links, "run: python mappings/make_qualification_esco.py"

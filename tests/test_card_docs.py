"""The registration card's docs and templates: generated from the shapes, in step with card.py and the importer."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rdflib import Graph, URIRef

from cnc_graph.card import fields as card
from cnc_graph.card.docs import DOC_PATH, generated_files
from cnc_graph.card.fields import ORG_COLUMNS
from cnc_graph.card.shape_docs import (
    CNCSH,
    ORG_REQUIRED_HEADER_COLUMNS,
    QUALIFICATION_SHAPE,
    REQUIRED_HEADER_COLUMNS,
    REQUIREMENTS,
    automatic_shapes,
    column_docs,
    curie,
    requirement_conflicts,
    shape_columns,
)
from cnc_graph.card.templates import CSV_EN_PATH, CSV_FR_PATH, FICHE_SHEET, FIXED_TIMESTAMP, GUIDE_SHEET, XLSX_PATH
from cnc_graph.errors import InputError, InputErrors
from cnc_graph.ingest.inventory import inventory_to_rdf, organisations_to_rdf
from cnc_graph.ingest.table import Table, read_table
from cnc_graph.iris import SH
from cnc_graph.validation.shapes import load_shapes
from tests.conftest import BASE, DATA, ROOT

REGENERATE = "run `python -m cnc_graph.card.docs` to regenerate it"
VALID = DATA / "inventory" / "valid.csv"
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The shipped shapes, parsed once."""
    return load_shapes(ROOT)


@pytest.fixture(scope="module")
def generated() -> dict[Path, bytes]:
    """What the generator produces from the shapes and card.py now."""
    return generated_files(ROOT)


def valid_row() -> dict[str, str]:
    """Return the first row of the valid inventory fixture, by card column."""
    with VALID.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.DictReader(handle))


def csv_line(cells: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")


def sheets(source: Path | io.BytesIO) -> dict[str, list[tuple[object, ...]]]:
    workbook = load_workbook(source)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets}


# --- golden files ------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", [DOC_PATH, CSV_FR_PATH, CSV_EN_PATH], ids=str)
def test_committed_file_is_what_the_generator_produces(relative: Path, generated: dict[Path, bytes]) -> None:
    path = ROOT / relative
    assert path.exists(), f"{relative} is missing: {REGENERATE}"
    assert path.read_bytes() == generated[relative], (
        f"{relative} is out of date with the shapes or card.py: {REGENERATE}"
    )


def test_committed_workbook_has_the_generated_sheets(generated: dict[Path, bytes]) -> None:
    # Compared cell by cell rather than byte by byte, so that an openpyxl upgrade alone does not fail it.
    path = ROOT / XLSX_PATH
    assert path.exists(), f"{XLSX_PATH} is missing: {REGENERATE}"
    expected = sheets(io.BytesIO(generated[XLSX_PATH]))
    assert sheets(path) == expected, f"{XLSX_PATH} is out of date with the shapes or card.py: {REGENERATE}"
    assert list(expected) == [FICHE_SHEET, GUIDE_SHEET]


def test_workbook_carries_fixed_dates_so_it_regenerates_identically(generated: dict[Path, bytes]) -> None:
    data = generated[XLSX_PATH]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {FIXED_TIMESTAMP.timetuple()[:6]}
    properties = load_workbook(io.BytesIO(data)).properties
    assert properties.created == FIXED_TIMESTAMP and properties.modified == FIXED_TIMESTAMP


def test_guide_sheet_lists_every_column_with_alias_meaning_requirement_and_example() -> None:
    rows = sheets(ROOT / XLSX_PATH)[GUIDE_SHEET]
    assert [r[0] for r in rows[1:]] == [f.column for f in card.FIELDS]
    assert [r[1] for r in rows[1:]] == [f.english for f in card.FIELDS]
    assert all(r[2] and r[3] and r[4] and r[7] for r in rows[1:])


def test_documentation_has_a_section_per_column() -> None:
    text = (ROOT / DOC_PATH).read_text(encoding="utf-8")
    for f in card.FIELDS:
        assert f"### `{f.column}` — " in text
        assert f"`{f.english}`" in text
    for column in ORG_COLUMNS:
        assert f"| `{column}` |" in text


# --- shapes and card.py agree ------------------------------------------------------------------


def test_every_card_column_has_a_shape_and_every_shape_column_is_on_the_card(shapes: Graph) -> None:
    assert shape_columns(shapes) == {f.column for f in card.FIELDS}
    automatic = automatic_shapes(shapes)
    assert {s.path for s in automatic} == {"cnc:country", "cnc:registrationNumber", "cnc:registrationDate"}
    assert all(s.requirement == "automatic" for s in automatic)


def test_every_qualification_property_shape_is_documented(shapes: Graph) -> None:
    missing = []
    for shape in shapes.objects(QUALIFICATION_SHAPE, URIRef(SH + "property")):
        for prop, langs in (
            (SH + "name", ("fr", "en")),
            (SH + "description", ("fr", "en")),
            (SH + "order", (None,)),
            (SH + "severity", (None,)),
            (CNCSH + "example", (None,)),
            (CNCSH + "requirement", (None,)),
        ):
            found = {getattr(o, "language", None) for o in shapes.objects(shape, URIRef(prop))}
            missing += [f"{curie(shape)} {curie(prop)} {lang or ''}" for lang in langs if lang not in found]
        requirement = str(shapes.value(shape, URIRef(CNCSH + "requirement")))
        assert requirement in REQUIREMENTS, f"{curie(shape)}: unknown cncsh:requirement {requirement!r}"
    assert missing == []


def test_requirements_agree_with_the_severities(shapes: Graph) -> None:
    assert requirement_conflicts(shapes) == []


def test_each_card_field_has_the_rdf_property_of_its_shape(shapes: Graph) -> None:
    wrong = [(d.field.column, curie(d.field.property), d.main.path) for d in column_docs(shapes)]
    assert [w for w in wrong if w[1] != w[2]] == []


def test_card_order_follows_the_shapes_sh_order(shapes: Graph) -> None:
    orders = [d.main.order for d in column_docs(shapes)]
    assert None not in orders
    assert orders == sorted(orders)  # type: ignore[type-var]


def test_required_header_columns_are_those_the_importer_requires() -> None:
    for f in card.FIELDS:
        header = [c.column for c in card.FIELDS if c is not f]
        with pytest.raises((InputError, InputErrors)) as info:
            inventory_to_rdf(Table("t.csv", header, []), BASE)
        refused = f"required column « {f.column} »" in str(info.value)
        assert refused == (f.column in REQUIRED_HEADER_COLUMNS), f.column


def test_organisation_required_header_columns_are_those_the_importer_requires() -> None:
    for column in ORG_COLUMNS:
        header = [c for c in ORG_COLUMNS if c != column]
        try:
            organisations_to_rdf(Table("o.csv", header, []), BASE)
            refused = False
        except InputErrors as exc:
            refused = f"required column « {column} »" in str(exc)
        assert refused == (column in ORG_REQUIRED_HEADER_COLUMNS), column


# --- the templates import ----------------------------------------------------------------------


@pytest.mark.parametrize("relative", [CSV_FR_PATH, CSV_EN_PATH], ids=str)
def test_csv_template_is_utf8_with_bom_and_header_only(relative: Path) -> None:
    data = (ROOT / relative).read_bytes()
    assert data.startswith(BOM)
    lines = data[len(BOM) :].decode("utf-8").splitlines()
    assert len(lines) == 1
    header = lines[0].split(",")
    assert [card.canonical_column(h) for h in header] == [f.column for f in card.FIELDS]


def test_english_template_uses_the_english_aliases() -> None:
    header = read_table(ROOT / CSV_EN_PATH).header
    assert header == [f.english for f in card.FIELDS]


@pytest.mark.parametrize("relative", [CSV_FR_PATH, CSV_EN_PATH, XLSX_PATH], ids=str)
def test_blank_template_is_refused_with_no_data_rows(relative: Path) -> None:
    table = read_table(ROOT / relative)
    with pytest.raises(InputError) as info:
        inventory_to_rdf(table, BASE)
    assert "no data rows" in info.value.localised("en")
    assert "aucune ligne de données" in info.value.localised("fr")


def assert_imports_the_valid_row(table: Table) -> None:
    row = valid_row()
    rows = inventory_to_rdf(table, BASE)
    iri = f"{BASE}qualification/{row['code']}"
    assert list(rows.lines) == [iri]
    titles = {str(t.object) for t in rows.triples if t.subject.value == iri and t.predicate.value.endswith("title")}
    assert f'"{row["intitule_fr"]}"@fr' in titles
    assert rows.subsectors == {row["sous_secteur"]}


@pytest.mark.parametrize("relative", [CSV_FR_PATH, CSV_EN_PATH], ids=str)
def test_csv_template_filled_with_a_valid_row_imports(relative: Path, tmp_path: Path) -> None:
    template = (ROOT / relative).read_bytes()
    header = read_table(ROOT / relative).header
    row = valid_row()
    cells = [row.get(card.canonical_column(h) or "", "") for h in header]
    filled = tmp_path / relative.name
    filled.write_bytes(template + csv_line(cells))
    assert_imports_the_valid_row(read_table(filled))


def test_xlsx_template_filled_with_a_valid_row_imports(tmp_path: Path) -> None:
    filled = tmp_path / XLSX_PATH.name
    shutil.copy(ROOT / XLSX_PATH, filled)
    workbook = load_workbook(filled)
    sheet = workbook[FICHE_SHEET]
    row = valid_row()
    for cell in sheet[1]:
        sheet.cell(row=2, column=cell.column, value=row.get(str(cell.value), "") or None)
    workbook.save(filled)
    assert_imports_the_valid_row(read_table(filled))

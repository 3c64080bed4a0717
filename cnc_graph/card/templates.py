"""The blank registration-card templates: CSV headers (fr / en) and the XLSX workbook with its guide sheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from rdflib import Graph

from cnc_graph.card import fields as card
from cnc_graph.card.shape_docs import (
    REQUIREMENT_LABELS,
    allowed_values,
    column_docs,
    format_texts,
    rdf_text,
)
from cnc_graph.validation.shapes import load_shapes

TEMPLATE_DIR = Path("data") / "templates"
CSV_FR_PATH = TEMPLATE_DIR / "registration-card-fr.csv"
CSV_EN_PATH = TEMPLATE_DIR / "registration-card-en.csv"
XLSX_PATH = TEMPLATE_DIR / "registration-card.xlsx"
FICHE_SHEET = "fiche"
GUIDE_SHEET = "guide"
# Fixed so that regenerating the workbook gives the same bytes (workbook properties and zip entries).
FIXED_TIMESTAMP = dt.datetime(2025, 1, 1, 0, 0, 0)


# --- the templates ---------------------------------------------------------------------------


def template_header(lang: str) -> list[str]:
    """Return the header of the blank card: French column keys (``fr``) or English aliases (``en``)."""
    if lang not in ("fr", "en"):
        raise ValueError(f"template language must be fr or en, not {lang!r}")
    return [f.column if lang == "fr" else f.english for f in card.FIELDS]


def template_csv(lang: str) -> bytes:
    """Return the blank CSV template: UTF-8 with a byte-order mark (for Excel), header row only."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(template_header(lang))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def guide_rows(graph: Graph | None = None, root: Path | None = None) -> list[list[str]]:
    """Return the rows of the workbook's ``guide`` sheet: a header, then one row per card column."""
    graph = graph if graph is not None else load_shapes(root)
    rows = [
        [
            "colonne",
            "English alias",
            "exigence / requirement",
            "signification",
            "meaning",
            "format (fr)",
            "format (en)",
            "exemple / example",
            "propriété RDF / RDF property",
        ]
    ]
    for doc in column_docs(graph):
        fr_label, en_label = REQUIREMENT_LABELS[doc.requirement]
        format_fr, format_en = format_texts(graph, doc, root)
        example = doc.example
        if doc.example_shared_with:
            example += " (" + ", ".join(doc.main.columns) + ")"
        rows.append(
            [
                doc.field.column,
                doc.field.english,
                f"{fr_label} / {en_label}",
                doc.main.description_fr,
                doc.main.description_en,
                format_fr,
                format_en,
                example,
                rdf_text(doc).replace("`", ""),
            ]
        )
    return rows


def _deterministic_zip(data: bytes) -> bytes:
    """Return the zip archive rewritten with fixed entry timestamps and attributes, same order."""
    out = io.BytesIO()
    stamp = FIXED_TIMESTAMP.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def template_xlsx(graph: Graph | None = None, root: Path | None = None) -> bytes:
    """Return the blank XLSX template: sheet ``fiche`` (French headers in row 1) and sheet ``guide``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.writer.excel import ExcelWriter

    graph = graph if graph is not None else load_shapes(root)
    docs = column_docs(graph)
    workbook = Workbook()
    fiche = workbook.active
    fiche.title = FICHE_SHEET
    bold = Font(bold=True)
    for index, doc in enumerate(docs, start=1):
        cell = fiche.cell(row=1, column=index, value=doc.field.column)
        cell.font = bold
        letter = get_column_letter(index)
        fiche.column_dimensions[letter].width = max(14, len(doc.field.column) + 4)
        ok, _ = allowed_values(graph, doc, root)
        if ok and not doc.field.multi and len(",".join(ok)) < 250:
            # A drop-down for single-valued enumerations; a warning only, since the importer also
            # accepts other spellings (e.g. a sub-sector's French name).
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(ok) + '"',
                allow_blank=True,
                errorStyle="warning",
                showErrorMessage=True,
                error=f"Valeurs attendues : {', '.join(ok)} (voir la feuille {GUIDE_SHEET}).",
                errorTitle=doc.field.column,
            )
            validation.add(f"{letter}2:{letter}1000")
            fiche.add_data_validation(validation)
    fiche.freeze_panes = "A2"
    guide = workbook.create_sheet(GUIDE_SHEET)
    widths = (22, 22, 24, 60, 60, 50, 50, 40, 40)
    for row in guide_rows(graph, root):
        guide.append(row)
    for index, width in enumerate(widths, start=1):
        guide.column_dimensions[get_column_letter(index)].width = width
    for cell in guide[1]:
        cell.font = bold
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide.freeze_panes = "A2"
    properties = workbook.properties
    properties.creator = "CNC Graph"
    properties.lastModifiedBy = "CNC Graph"
    properties.title = "Fiche d'enregistrement CNC / CNC registration card"
    properties.created = FIXED_TIMESTAMP
    properties.modified = FIXED_TIMESTAMP
    buffer = io.BytesIO()
    # ExcelWriter rather than Workbook.save, which stamps the current time as the modified date.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    return _deterministic_zip(buffer.getvalue())

"""Reading spreadsheets (CSV with ``,`` or ``;``, UTF-8 with or without BOM, and XLSX) into rows.

Every row keeps its line number in the file so that errors can name it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cnc_graph.errors import InputError, Location

MAX_FIELD_CHARS = 100_000


@dataclass(frozen=True)
class Row:
    """One data row: its line number in the file and its cells by (normalised) column name."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A spreadsheet read into memory: its file name, header and rows."""

    source: str
    header: list[str]
    rows: list[Row]


def read_table(path: Path) -> Table:
    """Return the table in a CSV or XLSX file; bad encodings, empty files and junk are InputErrors."""
    if not path.exists():
        raise InputError("file not found", Location(file=str(path)))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return read_csv_bytes(path.read_bytes(), str(path))
    raise InputError(
        f"unsupported spreadsheet type {suffix or '(no suffix)'!r}: use .csv or .xlsx",
        Location(file=str(path)),
    )


def read_csv_bytes(data: bytes, source: str) -> Table:
    """Return the table in CSV bytes (UTF-8, optional BOM, ``,`` ``;`` or tab separated)."""
    if not data.strip():
        raise InputError("the file is empty: expected a header row and data rows", Location(file=source))
    if b"\x00" in data[:4096]:
        raise InputError(
            "this is not a text CSV file (binary content); export the sheet as CSV UTF-8 or give the .xlsx",
            Location(file=source),
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            "the file is not UTF-8 encoded (it looks like Latin-1/Windows-1252): "
            "save it as « CSV UTF-8 » and import again",
            Location(file=source, line=line),
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [_normalise_header(h) for h in next(reader)]
        width = len(header)
        rows = []
        for record in reader:
            values = list(map(str.strip, record))
            if not any(values):
                continue
            line = reader.line_num
            if len(values) != width:
                if len(values) > width:
                    raise InputError(
                        f"this row has {len(values)} cells but the header has {width} columns "
                        f"(check the separator {delimiter!r} and quotes)",
                        Location(file=source, line=line),
                    )
                values += [""] * (width - len(values))
            rows.append(Row(line, dict(zip(header, values, strict=True))))
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", Location(file=source, line=reader.line_num)) from exc
    return Table(source, header, rows)


def _read_xlsx(path: Path) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(f"not a readable .xlsx workbook ({exc.__class__.__name__})", Location(file=str(path))) from exc
    sheet = workbook.worksheets[0]
    iterator: Iterator[tuple[object, ...]] = sheet.iter_rows(values_only=True)
    try:
        header_cells = next(iterator)
    except StopIteration:
        raise InputError("the workbook's first sheet is empty", Location(file=str(path))) from None
    header = [_normalise_header(_cell_text(c)) for c in header_cells]
    while header and not header[-1]:
        header.pop()
    rows = []
    for index, record in enumerate(iterator, start=2):
        cells = {h: _cell_text(record[i]) if i < len(record) else "" for i, h in enumerate(header)}
        if any(cells.values()):
            rows.append(Row(index, cells))
    workbook.close()
    if not header:
        raise InputError("the workbook's first sheet has no header row", Location(file=str(path)))
    return Table(str(path), header, rows)


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _normalise_header(name: str) -> str:
    return name.strip().lower().replace(" ", "_")

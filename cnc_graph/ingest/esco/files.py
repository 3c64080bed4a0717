"""The files of an ESCO CSV download: the kind and language of each, read row by row, errors naming the line."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cnc_graph.errors import InputError, Location
from cnc_graph.ingest.table import MAX_FIELD_CHARS

OCCUPATION = "Occupation"
SKILL = "Skill"
ISCO_GROUP = "ISCOGroup"
SKILL_GROUP = "SkillGroup"
LANG_RE = re.compile(r"^[a-z]{2,3}(-[a-z]{2,4})?$")


VERSION_IN_PATH_RE = re.compile(r"(?<![\w.])v(\d+\.\d+(?:\.\d+)?)(?![\w.])", re.IGNORECASE)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class FileKind:
    """What one kind of ESCO CSV file holds and which columns it cannot do without."""

    name: str
    reader: str  # concepts, hierarchy, broader or occupation-skill
    concept_kind: str | None
    required: tuple[str, ...]
    needs_language: bool


FILE_KINDS: dict[str, FileKind] = {
    kind.name.lower(): kind
    for kind in (
        FileKind("skills", "concepts", SKILL, ("conceptUri", "preferredLabel"), True),
        FileKind("occupations", "concepts", OCCUPATION, ("conceptUri", "preferredLabel"), True),
        FileKind("ISCOGroups", "concepts", ISCO_GROUP, ("conceptUri", "code", "preferredLabel"), True),
        FileKind("skillGroups", "concepts", SKILL_GROUP, ("conceptUri", "preferredLabel"), True),
        FileKind("skillsHierarchy", "hierarchy", SKILL_GROUP, ("Level 0 URI", "Level 0 preferred term"), True),
        FileKind("broaderRelationsSkillPillar", "broader", None, ("conceptUri", "broaderUri"), False),
        FileKind("broaderRelationsOccPillar", "broader", None, ("conceptUri", "broaderUri"), False),
        FileKind(
            "occupationSkillRelations", "occupation-skill", None, ("occupationUri", "relationType", "skillUri"), False
        ),
    )
}

COLLECTION_KINDS = {
    "skillscollection": FileKind("SkillsCollection", "concepts", SKILL, ("conceptUri", "preferredLabel"), True),
    "occupationscollection": FileKind(
        "OccupationsCollection", "concepts", OCCUPATION, ("conceptUri", "preferredLabel"), True
    ),
}

READ_ORDER = ("concepts", "hierarchy", "broader", "occupation-skill")


@dataclass(frozen=True)
class EscoFile:
    """One CSV file of the distribution: its path, its kind and its language (None if language-neutral)."""

    path: Path
    kind: FileKind
    lang: str | None


def classify(path: Path) -> tuple[FileKind | None, str | None]:
    """Return the kind of an ESCO CSV file and its language, both from its name (kind None if unknown)."""
    parts = path.stem.split("_")
    name = parts[0].lower()
    lang = parts[1].lower() if len(parts) > 1 and LANG_RE.fullmatch(parts[1].lower()) else None
    kind = FILE_KINDS.get(name)
    if kind is None:
        kind = next((k for suffix, k in COLLECTION_KINDS.items() if name.endswith(suffix)), None)
    return kind, lang


@dataclass
class EscoPlan:
    """The files an import reads, in reading order, and the ones it leaves aside (with why)."""

    files: list[EscoFile]
    skipped: dict[str, str]

    @property
    def has_occupation_hierarchy(self) -> bool:
        """Return whether a broaderRelationsOccPillar file gives the occupations pillar's hierarchy."""
        return any(f.kind.name == "broaderRelationsOccPillar" for f in self.files)


def plan_files(path: Path) -> EscoPlan:
    """Return which files of a folder (or which single file) to read; unknown names are errors only for a file."""
    if not path.exists():
        raise InputError("file or folder not found", Location(file=str(path)), "fichier ou dossier introuvable")
    candidates = (
        sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv") if path.is_dir() else [path]
    )
    files: list[EscoFile] = []
    skipped: dict[str, str] = {}
    for candidate in candidates:
        kind, lang = classify(candidate)
        if kind is None:
            if not path.is_dir():
                known = ", ".join(f"{k.name}_{{lang}}.csv" for k in FILE_KINDS.values())
                raise InputError(
                    f"not a file of the ESCO CSV distribution (expected one of {known})",
                    Location(file=str(candidate)),
                    f"ce n'est pas un fichier de la distribution CSV d'ESCO (attendu : {known})",
                )
            skipped[str(candidate)] = "not an ESCO file this importer reads"
            continue
        if kind.needs_language and lang is None:
            name = candidate.stem.split("_")[0]
            raise InputError(
                f"cannot tell the language of this file: name it {name}_{{lang}}.csv (e.g. {name}_en.csv)",
                Location(file=str(candidate)),
                f"impossible de connaître la langue de ce fichier : nommez-le {name}_{{langue}}.csv "
                f"(par ex. {name}_fr.csv)",
            )
        files.append(EscoFile(candidate, kind, lang if kind.needs_language else None))
    files = _one_file_per_relation_kind(files, skipped)
    if not files:
        raise InputError(
            "no ESCO CSV file found (skills_{lang}.csv, occupations_{lang}.csv, ISCOGroups_{lang}.csv…)",
            Location(file=str(path)),
            "aucun fichier CSV d'ESCO trouvé (skills_{langue}.csv, occupations_{langue}.csv, ISCOGroups_{langue}.csv…)",
        )
    # Pillar files before collections, so that where two files disagree the pillar's labels win.
    files.sort(key=lambda f: (READ_ORDER.index(f.kind.reader), f.kind.name.endswith("Collection"), f.path.name))
    return EscoPlan(files, skipped)


def _one_file_per_relation_kind(files: list[EscoFile], skipped: dict[str, str]) -> list[EscoFile]:
    # The relation files hold the same relations in every language of the download: read one.
    chosen: dict[str, EscoFile] = {}
    relations = sorted(
        (f for f in files if not f.kind.needs_language),
        key=lambda f: (f.kind.name, f.path.stem != f.kind.name, f.path.name),
    )
    for f in relations:
        if f.kind.name in chosen:
            skipped[str(f.path)] = f"same relations as {chosen[f.kind.name].path.name}"
        else:
            chosen[f.kind.name] = f
    kept = [f for f in files if f.kind.needs_language] + list(chosen.values())
    return kept


@dataclass(frozen=True)
class CsvRow:
    """One record: the line it starts on and its cells by column name."""

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        """Return the stripped text of a cell ('' when the column is absent)."""
        return (self.cells.get(column) or "").strip()


def _decoded_lines(handle: BinaryIO, source: str) -> Iterator[str]:
    # Decode line by line so that a bad byte is reported on its own line, and never hold the file.
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                "the file is not UTF-8 encoded: download it again from ESCO or save it as UTF-8",
                Location(file=source, line=number),
                "le fichier n'est pas encodé en UTF-8 : téléchargez-le à nouveau depuis ESCO "
                "ou enregistrez-le en UTF-8",
            ) from exc
        if number == 1:
            text = text.removeprefix("\ufeff")
        yield text


def read_rows(path: Path, required: Sequence[str]) -> Iterator[CsvRow]:
    """Yield the records of an ESCO CSV file one at a time; encoding, quoting and header problems are InputErrors."""
    source = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(
            f"cannot read the file: {exc.strerror}", Location(file=source), f"lecture impossible : {exc.strerror}"
        ) from exc
    with handle:
        lines = _decoded_lines(handle, source)
        first = next(lines, "")
        if not first.strip():
            raise InputError(
                "the file is empty: expected a header row",
                Location(file=source, line=1),
                "le fichier est vide : une ligne d'en-tête est attendue",
            )
        delimiter = max((",", ";", "\t"), key=first.count)
        csv.field_size_limit(MAX_FIELD_CHARS)
        reader = csv.reader(_chain(first, lines), delimiter=delimiter, strict=True)
        start = 1
        try:
            header = [h.strip() for h in next(reader)]
            _check_header(header, required, source)
            width = len(header)
            while True:
                start = reader.line_num + 1
                try:
                    record = next(reader)
                except StopIteration:
                    return
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) != width:
                    raise InputError(
                        f"this row has {len(record)} cells but the header has {width} columns "
                        "(a quote is probably missing or extra)",
                        Location(file=source, line=start),
                        f"cette ligne a {len(record)} cellules mais l'en-tête a {width} colonnes "
                        "(il manque probablement un guillemet, ou il y en a un de trop)",
                    )
                yield CsvRow(start, dict(zip(header, record, strict=True)))
        except csv.Error as exc:
            raise InputError(
                f"malformed CSV: {exc}",
                Location(file=source, line=start),
                f"CSV mal formé : {exc}",
            ) from exc


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _check_header(header: list[str], required: Sequence[str], source: str) -> None:
    for column in required:
        if column not in header:
            found = ", ".join(h for h in header if h) or "(none)"
            raise InputError(
                f"missing column « {column} » (columns found: {found})",
                Location(file=source, line=1, field=column),
                f"colonne « {column} » manquante (colonnes trouvées : {found})",
            )


def version_from_path(path: Path) -> str | None:
    """Return the ESCO version named in a download's folder or file name (``…ESCO dataset - v1.1.1…``), if any."""
    for part in (path.name, path.parent.name) if path.is_file() else (path.name,):
        match = VERSION_IN_PATH_RE.search(part)
        if match:
            return f"v{match[1]}"
    return None


# Kinds of concepts, as the CSV files' conceptType column names them; "Skill" for the skills pillar.

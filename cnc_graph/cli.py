"""The ``cnc-graph`` command line: build, validate, query, import and serve the graph."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pyoxigraph as ox
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from cnc_graph.cli_support import LangOption, StoreOption, opened, run, settings_for
from cnc_graph.cli_users import users_app
from cnc_graph.console import (
    QueryFormat,
    err,
    out,
    print_located,
    print_report,
    print_result,
    print_summary,
    write_report,
)
from cnc_graph.errors import InputError, ValidationFailed
from cnc_graph.settings import Settings
from cnc_graph.validation.validator import ValidationReport, Validator

if TYPE_CHECKING:
    from cnc_graph.importing import ImportResult

app = typer.Typer(
    help="CNC Graph: the linked-data knowledge graph of Morocco's National Qualifications Framework.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
import_app = typer.Typer(help="Import files delivered by sub-sector authorities or by ESCO.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(users_app, name="users")


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class Engine(StrEnum):
    auto = "auto"
    compiled = "compiled"
    pyshacl = "pyshacl"


# --- build ------------------------------------------------------------------------------------


@app.command()
def build(
    store: StoreOption = None,
    allow_violations: Annotated[
        bool, typer.Option("--allow-violations", help="Write the graph even if the shapes report violations.")
    ] = False,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset", help="Start over: drop what was imported or published, load the shipped inventory again."
        ),
    ] = False,
    lang: LangOption = "en",
) -> None:
    """Load ontology, frameworks, vocabularies and mappings; seed the shipped inventory into an empty store.

    What the store's register holds (imports, publications) is kept and validated with the rest, unless --reset.
    """
    from cnc_graph.build import build as build_graph

    settings = settings_for(store)

    def action() -> None:
        with (
            opened(settings) as graph_store,
            Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress,
        ):
            task = progress.add_task("building", total=None)

            def step(text: str, done: int, total: int) -> None:
                progress.update(task, description=f"{text} ({done}/{total})" if total > 1 else text)

            summary = build_graph(graph_store, settings, step, allow_violations, reset)
        print_summary(summary, lang)
        if summary.report.violations:
            raise typer.Exit(1)

    run(action, lang)


# --- validate --------------------------------------------------------------------------------


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Turtle, N-Triples or JSON-LD files to validate.")],
    with_graph: Annotated[
        bool, typer.Option("--with-graph", help="Validate together with the built graph (references resolve).")
    ] = False,
    store: StoreOption = None,
    lang: LangOption = "fr",
    output: Annotated[OutputFormat, typer.Option("--format", help="text, or json for tools.")] = OutputFormat.text,
    engine: Annotated[
        Engine,
        typer.Option(help="compiled (the shapes as SPARQL, fast), pyshacl (the reference), auto (compiled if it can)."),
    ] = Engine.auto,
) -> None:
    """Validate RDF files with the shapes; exit 1 on any violation."""
    from cnc_graph.importing import store_triples
    from cnc_graph.rdf.files import parse_rdf_file
    from cnc_graph.validation.shapes import validator_for

    settings = settings_for(store)

    def action() -> ValidationReport:
        triples: list[ox.Triple] = []
        for path in files:
            triples.extend(parse_rdf_file(path, settings.base_iri))
        if with_graph:
            with opened(settings, read_only=True) as graph_store:
                triples.extend(store_triples(graph_store))
        validator = validator_for(settings)
        if engine.value != validator.engine and engine is not Engine.auto:
            validator = Validator(validator.shapes, validator.ontology, engine=engine.value)
        return validator.validate_triples(triples)

    report = run(action, lang)
    if output is OutputFormat.json:
        payload = {
            "conforms": report.conforms,
            "violations": len(report.violations),
            "warnings": len(report.warnings),
            "results": [r.to_dict() for r in report.results],
        }
        out.print_json(json.dumps(payload, ensure_ascii=False))
    else:
        print_report(report, lang, out)
        out.print(f"{len(report.violations)} violation(s), {len(report.warnings)} warning(s)")
    if report.violations:
        raise typer.Exit(1)


# --- query -----------------------------------------------------------------------------------


@app.command()
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query, @FILE to read it from a file, or - for stdin.")],
    output: Annotated[
        QueryFormat,
        typer.Option("--format", help="table, json (SPARQL 1.1 JSON), csv, tsv, xml; turtle/ntriples for CONSTRUCT"),
    ] = QueryFormat.table,
    store: StoreOption = None,
) -> None:
    """Run a read-only SPARQL query over the union of the public graphs."""
    settings = settings_for(store)

    def action() -> None:
        text = _query_text(sparql)
        with opened(settings, read_only=True) as graph_store:
            result = graph_store.query(text)
            print_result(result, output)

    run(action)


def _query_text(sparql: str) -> str:
    if sparql == "-":
        return sys.stdin.read()
    if sparql.startswith("@"):
        path = Path(sparql[1:])
        if not path.is_file():
            raise InputError("query file not found", location=None) from None
        return path.read_text(encoding="utf-8")
    return sparql


# --- import ----------------------------------------------------------------------------------


@import_app.command("inventory")
def import_inventory(
    file: Annotated[Path, typer.Argument(help="A sub-sector's inventory: CSV (UTF-8, , or ;) or XLSX.")],
    subsector: Annotated[
        str | None,
        typer.Option(
            "--subsector", help="general-education, vocational-training, higher-education or continuing-training."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and list the changes; write nothing.")] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Make the file the whole sub-sector: remove its qualifications absent from the file (with --yes).",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="With --replace: do remove what the file does not hold.")] = False,
    report_file: Annotated[Path | None, typer.Option("--report", help="Write the full report (JSON) here.")] = None,
    store: StoreOption = None,
    lang: LangOption = "fr",
) -> None:
    """Import one sub-sector's inventory, atomically: add its new rows, update the changed ones, keep the others.

    Any violation imports nothing. Qualifications of the sub-sector that the file does not hold are kept, unless
    --replace (and --yes) is given.
    """
    from cnc_graph.importing import import_inventory as do_import

    settings = settings_for(store)

    def action() -> ImportResult:
        with opened(settings) as graph_store:
            try:
                return do_import(graph_store, settings, file, subsector, dry_run, replace, yes)
            except ValidationFailed as exc:
                lines = exc.lines
                write_report(report_file, exc.report, lines, str(file))  # type: ignore[arg-type]
                print_located(exc.report, lines, str(file), lang)  # type: ignore[arg-type]
                raise

    result = run(action, lang)
    write_report(report_file, result.report, result.lines, str(file))
    print_located(result.report, result.lines, str(file), lang, warnings_only=True)
    print_import_changes(result, dry_run)


def print_import_changes(result: ImportResult, dry_run: bool) -> None:
    """Print what an import did (or would do) to each qualification, then the totals."""
    from cnc_graph.importing import ADDED, REMOVED, UNCHANGED, UPDATED

    changes = Table("line", "code", "change", "fields changed", title="Qualifications")
    for change in result.changes:
        if change.action != UNCHANGED:
            fields = ", ".join(change.fields)
            changes.add_row(str(change.line or "—"), change.code, change.action, fields)
    if changes.row_count:
        out.print(changes)
    would = "would be " if dry_run else ""
    totals = [f"{result.count(a)} {would}{a}" for a in (ADDED, UPDATED, UNCHANGED)]
    if result.replace:
        totals.append(f"{result.count(REMOVED)} {would}removed (absent from the file)")
    else:
        totals.append(f"{result.kept} kept (in the sub-sector, not in the file)")
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{verb} {result.qualifications} qualification(s) ({result.triples} triples) into {result.graph}: "
        f"{', '.join(totals)}; {len(result.report.warnings)} warning(s)"
    )


@import_app.command("esco")
def import_esco(
    path: Annotated[Path, typer.Argument(help="The ESCO CSV download: its folder or one of its files.")],
    version: Annotated[
        str | None,
        typer.Option("--version", help="ESCO version, e.g. v1.2.0 (default: from the folder name, else unknown)."),
    ] = None,
    store: StoreOption = None,
    lang: LangOption = "fr",
) -> None:
    """Import the official ESCO CSV distribution into graph/esco, replacing it atomically."""
    from cnc_graph.ingest.esco.importer import EscoImportResult
    from cnc_graph.ingest.esco.importer import import_esco as do_import

    settings = settings_for(store)

    def action() -> EscoImportResult:
        with (
            opened(settings) as graph_store,
            Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress,
        ):
            task = progress.add_task("reading", total=None)

            def step(text: str, done: int, total: int) -> None:
                progress.update(task, description=f"{text} ({done}/{total})" if total > 1 else text)

            return do_import(graph_store, settings, path, version, step)

    result = run(action, lang)
    languages = sorted({language for counts in result.coverage.values() for language in counts})
    concepts = Table("concept type", "concepts", *[f"named in {g}" for g in languages], title="ESCO concepts")
    for kind, count in result.concepts.items():
        named = result.coverage.get(kind, {})
        concepts.add_row(kind, str(count), *[str(named.get(g, 0)) for g in languages])
    out.print(concepts)
    relations = Table("relation", "count", title="Relations")
    for name, count in result.relations.items():
        relations.add_row(name, str(count))
    out.print(relations)
    labels = Table("language", "prefLabel", "altLabel", "hiddenLabel", title="Labels")
    for language, counts in result.labels.items():
        labels.add_row(language, *[str(counts.get(p, 0)) for p in ("prefLabel", "altLabel", "hiddenLabel")])
    out.print(labels)
    for skipped, why in result.skipped.items():
        err.print(f"skipped {skipped}: {why}", highlight=False)
    modified = f", latest concept modification {result.modified}" if result.modified else ""
    out.print(f"imported {result.triples} triples into {result.graph} (ESCO version {result.version}{modified})")


@import_app.command("esco-slice")
def import_esco_slice(
    reference_dir: Annotated[Path, typer.Argument(help="Folder of ESCO CSV files (skills_en.csv…).")],
    inventory_dir: Annotated[Path, typer.Argument(help="Folder of inventory CSV files.")],
    output: Annotated[Path, typer.Argument(help="The Turtle file to write, e.g. data/esco/esco-slice.ttl.")],
    version: Annotated[
        str | None,
        typer.Option("--version", help="ESCO version (default: from the folder name, else unknown)."),
    ] = None,
    lang: LangOption = "en",
) -> None:
    """Write the ESCO concepts an inventory refers to as Turtle (the slice shipped in data/esco/)."""
    from cnc_graph.ingest.esco.slice import EscoSlice, write_slice

    def action() -> EscoSlice:
        return write_slice(reference_dir, inventory_dir, output, Settings.from_env().base_iri, version)

    result = run(action, lang)
    out.print(f"wrote {len(result.triples)} triples about {len(result.found)} ESCO concept(s) to {output}")
    if result.missing:
        err.print(f"{len(result.missing)} concept(s) not in the ESCO files: {', '.join(sorted(result.missing))}")


# --- compare ---------------------------------------------------------------------------------


@app.command("compare-levels")
def compare_levels_command(
    level: Annotated[str, typer.Argument(help="A level as FRAMEWORK:LEVEL, e.g. cnc:5.")],
    to: Annotated[str, typer.Option("--to", help="Target framework key: eqf, acqf, isced-2011, fr-nqf…")],
    output: Annotated[OutputFormat, typer.Option("--format", help="text (a table) or json.")] = OutputFormat.text,
    lang: LangOption = "fr",
    store: StoreOption = None,
) -> None:
    """Show the levels of another framework that match a level, with relation, confidence and path."""
    from cnc_graph.compare.levels import LevelMatch, LevelRef, compare_levels

    settings = settings_for(store)

    def action() -> tuple[LevelRef, list[LevelMatch]]:
        with opened(settings, read_only=True) as graph_store:
            return compare_levels(graph_store, level, to)

    source, matches = run(action, lang)
    if output is OutputFormat.json:
        payload = {"level": source.to_dict(lang), "to": to, "matches": [m.to_dict(lang) for m in matches]}
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    table = Table("level", "relation", "confidence", "justification", "path", "source", title=f"{level} → {to}")
    for m in matches:
        path = " → ".join(
            [m.path[0].subject.rsplit("/framework/", 1)[-1]] + [e.object.rsplit("/framework/", 1)[-1] for e in m.path]
        )
        table.add_row(
            f"{to}:{m.level.notation}",
            m.relation,
            f"{m.confidence:.2f}",
            m.justification.rsplit("/", 1)[-1],
            path,
            "\n".join(dict.fromkeys(m.sources)),
        )
    out.print(table)
    if not matches:
        out.print(f"no mapping from {level} to {to} is recorded")


@app.command("compare")
def compare_command(
    a: Annotated[str, typer.Argument(help="Code of the first qualification.")],
    b: Annotated[str, typer.Argument(help="Code of the second qualification.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="text (tables) or json.")] = OutputFormat.text,
    lang: LangOption = "fr",
    store: StoreOption = None,
) -> None:
    """Compare two qualifications side by side: levels everywhere, field, ESCO skills and occupations."""
    from cnc_graph.compare.qualifications import compare_qualifications

    settings = settings_for(store)

    def action() -> dict[str, Any]:
        with opened(settings, read_only=True) as graph_store:
            return compare_qualifications(graph_store, a, b, lang)

    result = run(action, lang)
    if output is OutputFormat.json:
        out.print_json(json.dumps(result, ensure_ascii=False))
        return
    qa, qb = result["a"], result["b"]
    table = Table("", a, b, title="Comparison")
    table.add_row("title", str(qa["title"]), str(qb["title"]))
    frameworks = sorted(set(qa["levels"]) | set(qb["levels"]))
    for key in frameworks:
        cells = []
        for side in (qa, qb):
            entry = side["levels"].get(key)
            cells.append(
                f"{entry['level']['notation']} ({entry.get('relation_name')}, {entry['confidence']})" if entry else "—"
            )
        table.add_row(f"level {key}", *cells)
    for key in ("duration", "credit_points", "volume_hours"):
        table.add_row(key, str(qa[key] or "—"), str(qb[key] or "—"))
    out.print(table)
    level = result["level"]
    out.print(f"levels: {level['match']}" + (f" in {level['framework']}" if level["framework"] else ""))
    out.print(f"ISCED-F field: {result['field']['match']}")
    for name in ("skills", "occupations"):
        part = result[name]
        out.print(
            f"ESCO {name}: {len(part['shared'])} shared, {len(part['only_a'])} only in {a}, "
            f"{len(part['only_b'])} only in {b}; Jaccard {part['jaccard']}"
        )
        for concept in part["shared"]:
            out.print(f"  = {concept['label'] or concept['id']}")


# --- export ----------------------------------------------------------------------------------


@app.command()
def export(
    output_format: Annotated[str, typer.Option("--format", help="jsonld, ttl, nt, or elm (ELM 3 Turtle).")] = "ttl",
    graph: Annotated[
        str | None,
        typer.Option("--graph", help="One public graph key (e.g. framework/cnc); default: the whole public graph."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", help="File to write; default: var/dumps/<name>.")] = None,
    store: StoreOption = None,
) -> None:
    """Write a dump of the public graph (or one graph) — the same files `/dumps` serves — or the ELM export."""
    from cnc_graph.publish.dumps import dump_name, write_dump
    from cnc_graph.publish.elm import elm_export
    from cnc_graph.rdf.syntaxes import syntax

    settings = settings_for(store)

    def action() -> Path:
        with opened(settings, read_only=True) as graph_store:
            if output_format == "elm":
                target = output or Path("var/dumps/cnc-graph-elm.ttl")
                target.parent.mkdir(parents=True, exist_ok=True)
                data = ox.serialize(
                    elm_export(graph_store),
                    format=ox.RdfFormat.TURTLE,
                    prefixes={"elm": "http://data.europa.eu/snb/model/elm/", "dct": "http://purl.org/dc/terms/"},
                )
                target.write_bytes(data)  # type: ignore[arg-type]
                return target
            syntax(output_format)
            target = output or Path("var/dumps") / dump_name(graph, output_format)
            return write_dump(graph_store, target, output_format, graph, settings)

    path = run(action)
    out.print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":  # pragma: no cover
    app()

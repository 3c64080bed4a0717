"""What the command line prints: validation reports, build summaries, query results, located errors."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rich.console import Console
from rich.table import Table

from cnc_graph.rdf.syntaxes import written
from cnc_graph.validation.validator import ValidationReport

if TYPE_CHECKING:
    from cnc_graph.build import BuildSummary


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    xml = "xml"
    turtle = "turtle"
    ntriples = "ntriples"


out = Console(soft_wrap=True)

err = Console(stderr=True, soft_wrap=True)


def print_report(report: ValidationReport, lang: str, stream: Console | None = None) -> None:
    """Print each validation result: severity, focus node, path, value and message."""
    console = stream or err
    for r in report.results:
        colour = "red" if r.severity == "Violation" else "yellow"
        where = r.focus + (f"  {r.path}" if r.path else "")
        value = f"  value={r.value!r}" if r.value is not None else ""
        console.print(f"[{colour}]{r.severity}[/{colour}] {where}{value}\n    {r.message(lang)}", highlight=False)


def print_summary(summary: BuildSummary, lang: str) -> None:
    """Print the build summary: graphs, classes, frameworks, qualifications, validation counts."""
    graphs = Table("named graph", "triples", title="Graphs")
    for name, count in summary.graphs.items():
        graphs.add_row(name, str(count))
    out.print(graphs)
    classes = Table("class", "resources", title="Resources per class")
    for name, count in summary.classes.items():
        classes.add_row(name, str(count))
    out.print(classes)
    frameworks = Table("framework", "name", "levels", "descriptor domains", title="Frameworks")
    for row in summary.frameworks:
        frameworks.add_row(row["key"] or "", row["name"] or "", row["levels"] or "0", row["domains"] or "0")
    out.print(frameworks)
    if summary.qualifications:
        quals = Table("sub-sector", "CNC level", "qualifications", title="Qualifications")
        for row in summary.qualifications:
            quals.add_row(row["subsector"] or "", row["level"] or "—", row["n"] or "0")
        out.print(quals)
    report = summary.report
    print_report(ValidationReport([r for r in report.results if r.severity == "Violation"]), lang)
    if summary.kept:
        kept = ", ".join(f"{g.rsplit('/graph/', 1)[-1]} ({n} triples)" for g, n in sorted(summary.kept.items()))
        out.print(
            f"kept the register as the store holds it (imports and publications): {kept}; "
            "build --reset reloads the shipped inventory instead"
        )
    if summary.dropped:
        dropped = ", ".join(f"{g.rsplit('/graph/', 1)[-1]} ({n} triples)" for g, n in sorted(summary.dropped.items()))
        out.print(f"--reset dropped the register's graphs and loaded the shipped inventory again: {dropped}")
    out.print(
        f"{len(report.violations)} violation(s), {len(report.warnings)} warning(s); built in {summary.seconds:.1f} s"
    )


RESULT_FORMATS = {
    QueryFormat.json: ox.QueryResultsFormat.JSON,
    QueryFormat.csv: ox.QueryResultsFormat.CSV,
    QueryFormat.tsv: ox.QueryResultsFormat.TSV,
    QueryFormat.xml: ox.QueryResultsFormat.XML,
}


def print_result(result: object, output: QueryFormat) -> None:
    if isinstance(result, ox.QueryBoolean):
        if output is QueryFormat.table:
            out.print("true" if bool(result) else "false")
        else:
            sys.stdout.write(
                written(result.serialize(format=RESULT_FORMATS.get(output, ox.QueryResultsFormat.JSON))).decode()
            )
        return
    if isinstance(result, ox.QuerySolutions):
        if output in RESULT_FORMATS:
            sys.stdout.write(written(result.serialize(format=RESULT_FORMATS[output])).decode())
            return
        variables = [v.value for v in result.variables]
        table = Table(*variables)
        count = 0
        for row in result:
            table.add_row(*[term_text(row[v]) for v in variables])
            count += 1
        out.print(table)
        out.print(f"{count} row(s)")
        return
    triples = list(result)  # type: ignore[call-overload]
    fmt = ox.RdfFormat.TURTLE if output is QueryFormat.turtle else ox.RdfFormat.N_TRIPLES
    if output is QueryFormat.table:
        table = Table("subject", "predicate", "object")
        for t in triples:
            table.add_row(term_text(t.subject), term_text(t.predicate), term_text(t.object))
        out.print(table)
        return
    sys.stdout.write(written(ox.serialize(triples, format=fmt)).decode())


def term_text(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return getattr(term, "value", str(term))


def print_located(
    report: ValidationReport, lines: dict[str, int], source: str, lang: str, warnings_only: bool = False
) -> None:
    from cnc_graph.importing import locate

    for r in report.results:
        if warnings_only and r.severity == "Violation":
            continue
        where = locate(r, lines, source).localised(lang)
        colour = "red" if r.severity == "Violation" else "yellow"
        err.print(f"[{colour}]{r.severity}[/{colour}] {where}: {r.message(lang)}", highlight=False)


def write_report(path: Path | None, report: ValidationReport, lines: dict[str, int], source: str) -> None:
    if path is None:
        return
    from cnc_graph.importing import locate

    payload = [
        r.to_dict() | {"line": locate(r, lines, source).line, "column": locate(r, lines, source).field}
        for r in report.results
    ]
    path.write_text(
        json.dumps({"conforms": report.conforms, "results": payload}, ensure_ascii=False, indent=2), encoding="utf-8"
    )

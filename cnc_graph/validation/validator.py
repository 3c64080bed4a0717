"""SHACL validation with the project's shapes (pyshacl is the reference engine).

Results carry the focus node, path, value, severity and the shape's message in French and English,
so that both the CLI and the API can show a registrar what to fix in their language.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import SH

from cnc_graph.rdf.query_files import load_query
from cnc_graph.rdf.terms import graph_from_triples
from cnc_graph.sparql.text import bind_values
from cnc_graph.validation.compiler import Check, UnsupportedShape, compile_shapes

SEVERITIES = {str(SH.Violation): "Violation", str(SH.Warning): "Warning", str(SH.Info): "Info"}
LANGUAGES = ("fr", "en", "ar")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result: what is wrong, on which node and field, and how serious it is."""

    focus: str
    path: str | None
    value: str | None
    severity: str
    messages: dict[str, str]
    shape: str | None = None
    constraint: str | None = None

    def message(self, lang: str = "fr") -> str:
        """Return the message in ``lang``; another language, marked with its tag, when missing."""
        if lang in self.messages:
            return self.messages[lang]
        for other in (*LANGUAGES, *self.messages):
            if other in self.messages:
                return f"[{other}] {self.messages[other]}"
        return f"[{self.constraint or 'constraint'}] (no message)"

    def to_dict(self) -> dict[str, object]:
        """Return the result as plain JSON-ready data."""
        return asdict(self)


@dataclass
class ValidationReport:
    """The results of one validation run."""

    results: list[ValidationResult] = field(default_factory=list)

    @property
    def violations(self) -> list[ValidationResult]:
        """Return the results that block (severity Violation)."""
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        """Return the results that only advise (severity Warning or Info)."""
        return [r for r in self.results if r.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        """Return whether there is no violation (warnings allowed)."""
        return not self.violations


class Validator:
    """Validates RDF against the project's shapes, with the ontology mixed in for subclassing.

    ``engine`` picks how: ``"compiled"`` (the shapes as SPARQL queries run by Oxigraph, see
    ``shacl_compiler``), ``"pyshacl"`` (the reference), or ``"auto"``: compiled when every shape can be
    compiled, pyshacl otherwise.
    """

    def __init__(self, shapes: rdflib.Graph, ontology: rdflib.Graph | None = None, engine: str = "auto") -> None:
        self.shapes = shapes
        self.ontology = ontology
        self.checks: list[Check] | None = None
        if engine not in ("auto", "compiled", "pyshacl"):
            raise ValueError(f"unknown validation engine {engine!r}")
        if engine != "pyshacl":
            try:
                self.checks = compile_shapes(shapes)
            except UnsupportedShape:
                if engine == "compiled":
                    raise
        self.engine = "compiled" if self.checks is not None else "pyshacl"
        self._ontology_quads = list(_ontology_quads(ontology)) if ontology is not None and self.checks else []

    def validate_triples(self, triples: Iterable[ox.Triple], focus: Iterable[str] | None = None) -> ValidationReport:
        """Return the report of validating ``triples`` as one data graph.

        With ``focus``, only results on those focus nodes (IRIs) are kept (the compiled engine skips the checks
        that cannot report on them).
        """
        if self.checks is None:
            report = self.validate_graph(graph_from_triples(triples))
            if focus is not None:
                keep = set(focus)
                report = ValidationReport([r for r in report.results if r.focus in keep])
            return report
        store = ox.Store()
        # Through N-Triples: building one Python quad per triple costs more than serialising and parsing.
        store.bulk_load(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES)
        store.extend(self._ontology_quads)
        return self.validate_store(store, focus)

    def validate_store(self, store: ox.Store, focus: Iterable[str] | None = None) -> ValidationReport:
        """Return the report of the compiled checks over the default graph of a pyoxigraph store.

        The store must already hold the ontology triples (class hierarchy) next to the data.
        """
        if self.checks is None:
            raise ValueError("the shapes cannot be compiled: validate with validate_graph (pyshacl)")
        keep = set(focus) if focus is not None else None
        checks = self.checks
        if keep is not None:
            # Only the checks targeting a class the focus nodes belong to can report on them.
            classes = _classes_of(store, keep)
            checks = [c for c in checks if not c.classes or classes.intersection(c.classes)]

        def run(check: Check) -> list[ValidationResult]:
            rows = store.query(check.sparql)
            assert isinstance(rows, ox.QuerySolutions)  # every compiled check is a SELECT
            found = _check_results(check, rows)
            return [r for r in found if keep is None or r.focus in keep]

        # Oxigraph releases the GIL while it evaluates a query: the checks run side by side.
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            results = [r for found in pool.map(run, checks) for r in found]
        return ValidationReport(sorted(results, key=_sort_key))

    def validate_graph(self, data: rdflib.Graph) -> ValidationReport:
        """Return the report of validating an rdflib graph with pyshacl (the reference engine)."""
        _conforms, report, _text = pyshacl.validate(
            data,
            shacl_graph=self.shapes,
            ont_graph=self.ontology,
            inference="none",
            advanced=True,
            allow_warnings=True,
            inplace=self.ontology is None,
        )
        return ValidationReport(sorted(_results(report), key=_sort_key))


def _sort_key(r: ValidationResult) -> tuple[int, str, str]:
    return (0 if r.severity == "Violation" else 1, r.focus, r.path or "")


def _classes_of(store: ox.Store, nodes: set[str]) -> set[str]:
    """Return the classes (with their superclasses) the given nodes are instances of in ``store``."""
    if not nodes:
        return set()
    query = bind_values(load_query("focus_classes"), {"n": [ox.NamedNode(n) for n in nodes]})
    return {row["c"].value for row in store.query(query)}  # type: ignore[union-attr]


def _ontology_quads(ontology: rdflib.Graph) -> Iterable[ox.Quad]:
    text = ontology.serialize(format="nt")
    for t in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
        yield ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())


def _term_text(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term.value)  # type: ignore[attr-defined]


_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
_PLACEHOLDER = re.compile(r"\{[?$](\w+)\}")


def _fill(template: str, row: ox.QuerySolution) -> str:
    return _PLACEHOLDER.sub(lambda m: _term_text(row[m.group(1)]) or m.group(0), template)


def _check_results(check: Check, rows: ox.QuerySolutions) -> Iterable[ValidationResult]:
    has_value = "value" in {v.value for v in rows.variables}
    for row in rows:
        for outcome in check.outcomes:
            if outcome.flag is not None and row[outcome.flag] != _TRUE:
                continue
            messages: dict[str, str] = {}
            for lang, text in outcome.messages:
                messages.setdefault(lang, _fill(text, row) if outcome.templated else text)
            yield ValidationResult(
                focus=_term_text(row["this"]) or "",
                path=outcome.path,
                value=_term_text(row["value"]) if outcome.with_value and has_value else None,
                severity=outcome.severity,
                messages=messages,
                shape=outcome.shape,
                constraint=outcome.constraint,
            )


def _results(report: rdflib.Graph) -> Iterable[ValidationResult]:
    # Only the report's top-level results: nested sh:detail results explain them, they are not new ones.
    for node in report.objects(None, SH.result):
        messages: dict[str, str] = {}
        templates = list(report.objects(report.value(node, SH.sourceConstraint), SH.message))
        for msg in report.objects(node, SH.resultMessage):
            lang = getattr(msg, "language", None) or _template_language(str(msg), templates) or "und"
            messages.setdefault(lang, str(msg))
        yield ValidationResult(
            focus=_text(report.value(node, SH.focusNode)) or "",
            path=_path_text(report, report.value(node, SH.resultPath)),
            value=_text(report.value(node, SH.value)),
            severity=SEVERITIES.get(str(report.value(node, SH.resultSeverity)), "Violation"),
            messages=messages,
            shape=_text(report.value(node, SH.sourceShape)),
            constraint=_text(report.value(node, SH.sourceConstraintComponent)),
        )


def _template_language(message: str, templates: list[rdflib.term.Node]) -> str | None:
    """Return the language of the sh:message template a filled-in message came from.

    pyshacl drops the language tag when it substitutes ``{?var}`` in a SPARQL constraint's message.
    """
    for template in templates:
        pieces = re.split(r"\{[?$]\w+\}", str(template))
        if re.fullmatch(".+?".join(re.escape(p) for p in pieces), message, flags=re.S):
            return getattr(template, "language", None)
    return None


def _text(node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    return str(node)


def _path_text(report: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    if path is None:
        return None
    if isinstance(path, rdflib.URIRef):
        return str(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{inverse}"
    items = list(Collection(report, path)) if report.value(path, rdflib.RDF.first) else []
    if items:
        return "/".join(str(i) for i in items)
    return _text(path)

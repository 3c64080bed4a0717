"""The SHACL shapes: valid SHACL (SHACL-SHACL), documented for registrars, and proven by one-fault fixtures.

Uses pyshacl directly (inference none, advanced on, the ontology mixed in) so that the test pins the shapes
themselves, independently of how the application reads reports.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib.namespace import RDF, SH

from tests.conftest import ROOT

# pyshacl mixing the ontology in trips an rdflib deprecation tens of thousands of times: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")

CNCSH = rdflib.Namespace("https://w3id.org/cnc-ma/shapes#")
FIXTURES = Path(__file__).resolve().parent / "data" / "shapes"
SHACL_SHACL = Path(pyshacl.__file__).resolve().parent / "assets" / "shacl-shacl.ttl"
CONSTRAINT_PARAMETERS = {
    rdflib.URIRef(str(SH) + name)
    for name in (
        *("class", "datatype", "nodeKind", "minCount", "maxCount", "minInclusive", "maxInclusive"),
        *("minExclusive", "maxExclusive", "pattern", "languageIn", "uniqueLang", "in", "hasValue"),
        *("node", "qualifiedValueShape", "lessThan", "or"),
    )
}

# fixture -> {(source shape, constraint component): number of violations}; warnings are not counted.
EXPECTED: dict[str, dict[tuple[str, str], int]] = {
    "valid-qualification.ttl": {},
    "level-without-notation.ttl": {("Level-notation", "MinCount"): 1},
    "descriptor-unknown-domain.ttl": {("LevelDescriptor-domainOfFramework", "SPARQL"): 1},
    "label-bad-language.ttl": {("Text-prefLabel-language", "LanguageIn"): 1},
    "qualification-missing-title.ttl": {("Qualification-title-fr", "QualifiedMinCount"): 1},
    "qualification-bad-level.ttl": {("Qualification-level", "QualifiedMaxCount"): 1},
    "qualification-level-9.ttl": {("Qualification-level", "QualifiedMaxCount"): 1},
    "duplicate-code.ttl": {("Qualification-codeUnique", "SPARQL"): 2},
    "mapping-bad-confidence.ttl": {("MappingRecord-confidence", "MaxInclusive"): 1},
}


def parse(*paths: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle", publicID="https://w3id.org/cnc-ma/")
    return graph


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return parse(*sorted((ROOT / "shapes").glob("*.ttl")))


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return parse(ROOT / "ontology" / "cnc.ttl")


def languages(graph: rdflib.Graph, subject: rdflib.term.Node, predicate: rdflib.URIRef) -> set[str | None]:
    return {getattr(o, "language", None) for o in graph.objects(subject, predicate)}


def named_shapes(shapes: rdflib.Graph) -> list[rdflib.URIRef]:
    found = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    return sorted(s for s in found if isinstance(s, rdflib.URIRef))


def test_shapes_are_valid_shacl(shapes: rdflib.Graph) -> None:
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=str(SHACL_SHACL), inference="none", advanced=True)
    assert conforms, text


def test_every_shape_has_a_severity_and_messages_in_french_and_english(shapes: rdflib.Graph) -> None:
    problems = []
    for shape in named_shapes(shapes):
        name = shape.fragment
        if shapes.value(shape, SH.severity) is None:
            problems.append(f"{name}: no sh:severity")
        constrains = any((shape, p, None) in shapes for p in CONSTRAINT_PARAMETERS)
        if constrains and languages(shapes, shape, SH.message) != {"fr", "en"}:
            problems.append(f"{name}: sh:message not exactly fr + en")
        for sparql in shapes.objects(shape, SH.sparql):
            if languages(shapes, sparql, SH.message) != {"fr", "en"}:
                problems.append(f"{name}: SPARQL sh:message not exactly fr + en")
        if (shape, RDF.type, SH.PropertyShape) in shapes:
            if not {"fr", "en"} <= languages(shapes, shape, SH.name) <= {"fr", "en", "ar"}:
                problems.append(f"{name}: name not fr + en (and optionally ar, the card form's Arabic label)")
            if languages(shapes, shape, SH.description) != {"fr", "en"}:
                problems.append(f"{name}: description not exactly fr + en")
    assert not problems, "\n".join(problems)


def test_every_card_column_has_an_arabic_label() -> None:
    from cnc_graph.card.form import form_fields

    missing = [column for column, f in form_fields().items() if not f.label.get("ar")]
    assert not missing, f"card columns without an Arabic sh:name on their shape: {missing}"


def test_qualification_shapes_document_the_card(shapes: rdflib.Graph) -> None:
    problems = []
    for shape in shapes.objects(CNCSH.QualificationShape, SH.property):
        requirement = str(shapes.value(shape, CNCSH.requirement))
        if requirement not in {"required", "recommended", "optional", "automatic"}:
            problems.append(f"{shape.fragment}: cncsh:requirement {requirement!r}")
        for predicate in (SH.order, CNCSH.example):
            if shapes.value(shape, predicate) is None:
                problems.append(f"{shape.fragment}: no {predicate}")
        if requirement != "automatic" and shapes.value(shape, CNCSH.column) is None:
            problems.append(f"{shape.fragment}: no cncsh:column")
    assert not problems, "\n".join(problems)


def template_matches(template: str, message: str) -> bool:
    pattern = ".+?".join(re.escape(piece) for piece in re.split(r"\{[?$]\w+\}", template))
    return re.fullmatch(pattern, message, flags=re.S) is not None


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture_yields_exactly_the_intended_violations(
    fixture: str, shapes: rdflib.Graph, ontology: rdflib.Graph
) -> None:
    data = parse(FIXTURES / fixture)
    _, report, text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True, allow_warnings=True
    )
    found: dict[tuple[str, str], int] = {}
    for result in report.objects(None, SH.result):  # top-level results only, not nested sh:detail
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        shape = report.value(result, SH.sourceShape)
        component = report.value(result, SH.sourceConstraintComponent).fragment.removesuffix("ConstraintComponent")
        key = (shape.fragment, component)
        found[key] = found.get(key, 0) + 1
        messages = list(report.objects(result, SH.resultMessage))
        if component == "SPARQL":
            # pyshacl drops the language tag when it fills in {?value}: match each message to its template.
            templates = list(report.objects(report.value(result, SH.sourceConstraint), SH.message))
            langs = {t.language for m in messages for t in templates if template_matches(str(t), str(m))}
            assert len(messages) == 2 and langs == {"fr", "en"}, messages
            assert all("{" not in str(m) for m in messages), messages
        else:
            assert {m.language for m in messages} == {"fr", "en"}, messages
    assert found == EXPECTED[fixture], text


@pytest.mark.parametrize("fixture", sorted(f for f, expected in EXPECTED.items() if expected))
def test_our_validator_reports_each_violation_in_french_and_english(fixture: str) -> None:
    from cnc_graph.rdf.files import parse_rdf_file
    from cnc_graph.settings import Settings
    from cnc_graph.validation.shapes import validator_for

    validator = validator_for(Settings(store="memory", root=ROOT))
    report = validator.validate_triples(parse_rdf_file(FIXTURES / fixture, "https://w3id.org/cnc-ma/"))
    assert len(report.violations) == sum(EXPECTED[fixture].values())
    for result in report.violations:
        assert set(result.messages) == {"fr", "en"}, result.messages
        assert "{" not in result.message("fr") and "{" not in result.message("en")
        assert result.shape and result.shape.rsplit("#", 1)[-1] in {shape for shape, _ in EXPECTED[fixture]}

"""Differential test: the compiled validator gives exactly pyshacl's results, on valid and faulty data.

pyshacl is the reference engine. Every result is compared on focus node, path, value, severity, source
shape, constraint component and messages (fr and en), as a multiset. The corpora: the shipped graph, the
one-fault shape fixtures (each merged into the shipped graph), a corpus of hand-made faults that touches
every constraint component the shapes use, and a generated inventory with broken rows.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from bench.generate import generate
from cnc_graph.build import NOT_VALIDATED, build, read_sources
from cnc_graph.errors import ValidationFailed
from cnc_graph.importing import _owner, import_inventory, store_triples
from cnc_graph.ingest.inventory import read_inventory_file
from cnc_graph.ingest.sources import discover_sources
from cnc_graph.iris import CNC, DCT, RDF, SKOS, XSD, graph_iri
from cnc_graph.rdf.files import parse_rdf_file
from cnc_graph.rdf.terms import graph_from_triples
from cnc_graph.settings import DEFAULT_BASE_IRI, Settings
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.validation.compiler import UnsupportedShape, compile_shapes
from cnc_graph.validation.shapes import load_shapes, validator_for
from cnc_graph.validation.validator import ValidationResult, Validator
from tests.conftest import ROOT

pytestmark = pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")

FIXTURES = Path(__file__).resolve().parent / "data" / "shapes"
BASE = DEFAULT_BASE_IRI
Key = tuple[object, ...]


def key(r: ValidationResult) -> Key:
    """What must agree between engines; blank node labels are engine-specific and compared as kinds."""

    def node(text: str | None) -> str | None:
        return "_:" if text is not None and text.startswith("_:") else text

    return (
        node(r.focus),
        r.path,
        node(r.value),
        r.severity,
        node(r.shape),
        r.constraint,
        tuple(sorted(r.messages.items())),
    )


def both(validators: tuple[Validator, Validator], triples: list[ox.Triple]) -> tuple[Counter[Key], Counter[Key]]:
    compiled, reference = validators
    return (
        Counter(key(r) for r in compiled.validate_triples(triples).results),
        Counter(key(r) for r in reference.validate_triples(triples).results),
    )


def assert_same(found: Counter[Key], expected: Counter[Key]) -> None:
    extra, missing = found - expected, expected - found
    assert not extra and not missing, f"only compiled: {sorted(extra)[:5]}\nonly pyshacl: {sorted(missing)[:5]}"


@pytest.fixture(scope="module")
def shipped() -> tuple[list[ox.Triple], rdflib.Graph]:
    contents = read_sources(discover_sources(ROOT), BASE)
    data = [t for k, ts in contents.items() if k not in NOT_VALIDATED for t in ts]
    return data, graph_from_triples(contents["ontology"])


@pytest.fixture(scope="module")
def validators(shipped: tuple[list[ox.Triple], rdflib.Graph]) -> tuple[Validator, Validator]:
    shapes = load_shapes(ROOT)
    compiled = Validator(shapes, shipped[1], engine="compiled")
    reference = Validator(shapes, shipped[1], engine="pyshacl")
    assert compiled.engine == "compiled" and reference.engine == "pyshacl"
    return compiled, reference


def test_every_shipped_shape_compiles() -> None:
    checks = compile_shapes(load_shapes(ROOT))
    constraints = {o.constraint.rsplit("#", 1)[-1] for c in checks for o in c.outcomes}
    assert {
        "SPARQLConstraintComponent",
        "QualifiedMaxCountConstraintComponent",
        "LessThanConstraintComponent",
    } <= constraints


def test_unsupported_features_fall_back_to_pyshacl() -> None:
    shapes = rdflib.Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:closed true .""",
        format="turtle",
    )
    with pytest.raises(UnsupportedShape, match="closed"):
        compile_shapes(shapes)
    assert Validator(shapes).engine == "pyshacl"
    with pytest.raises(UnsupportedShape):
        Validator(shapes, engine="compiled")


def test_same_results_on_the_shipped_graph(validators: tuple[Validator, Validator], shipped: tuple) -> None:
    found, expected = both(validators, shipped[0])
    assert sum(expected.values()) > 1000  # the shipped inventory's warnings: a real comparison
    assert_same(found, expected)


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.ttl")))
def test_same_results_on_each_fault_fixture(fixture: str, validators: tuple, shipped: tuple) -> None:
    data = shipped[0] + list(parse_rdf_file(FIXTURES / fixture, "https://w3id.org/cnc-ma/"))
    found, expected = both(validators, data)
    assert_same(found, expected)


def _faults() -> list[ox.Triple]:
    """Triples that break every constraint component the shapes use, each in a new small record."""
    n = ox.NamedNode
    q = n(f"{BASE}qualification/ZZ-FAULTS")
    q2 = n(f"{BASE}qualification/ZZ-FAULTS-2")
    a = n(f"{BASE}qualification/ZZ-FAULTS/accreditation/1")
    lo = n(f"{BASE}qualification/ZZ-FAULTS/outcome/1")
    typ = n(RDF + "type")
    date = n(XSD + "date")
    blank = ox.BlankNode()
    return [
        ox.Triple(q, typ, n(CNC + "Qualification")),
        ox.Triple(q, n(CNC + "code"), ox.Literal("zz faults")),  # pattern
        ox.Triple(q, n(CNC + "code"), ox.Literal("ZZ-FAULTS-2")),  # maxCount, and a code held by q2
        ox.Triple(q, n(DCT + "title"), ox.Literal("Titre", language="fr")),
        ox.Triple(q, n(DCT + "title"), ox.Literal("Autre titre", language="FR")),  # uniqueLang (case-insensitive)
        ox.Triple(q, n(DCT + "title"), ox.Literal("Title", language="en-GB")),
        ox.Triple(q, n(DCT + "title"), ox.Literal("sans langue")),  # languageIn
        ox.Triple(q, n(DCT + "title"), ox.Literal("ع" * 301, language="ar")),  # maxLength, counted in characters
        ox.Triple(q, n(DCT + "source"), n("https://example.org/" + "a" * 1990)),  # maxLength of an IRI
        ox.Triple(q, n(DCT + "source"), blank),  # a blank node has no length: fails maxLength too
        ox.Triple(q, n(CNC + "level"), n(f"{BASE}framework/eqf/level/5")),  # not a CNC level
        ox.Triple(q, n(CNC + "level"), ox.Literal("5")),  # literal where a level is expected
        ox.Triple(q, n(CNC + "awardingBody"), n(f"{BASE}organisation/does-not-exist")),  # class
        ox.Triple(q, n(CNC + "awardingBody"), blank),
        ox.Triple(q, n(CNC + "legalBasisDate"), ox.Literal("2020-13-45", datatype=date)),  # ill-formed date
        ox.Triple(q, n(CNC + "legalBasisDate"), ox.Literal("2020-01-01")),  # wrong datatype
        ox.Triple(q, n(CNC + "volumeHours"), ox.Literal("abc", datatype=n(XSD + "integer"))),
        ox.Triple(q, n(CNC + "volumeHours"), ox.Literal("-5", datatype=n(XSD + "integer"))),  # minInclusive
        ox.Triple(q, n(CNC + "creditPoints"), ox.Literal("1.5", datatype=n(XSD + "decimal"))),
        ox.Triple(q, n(CNC + "creditPoints"), ox.Literal("many")),
        ox.Triple(q, n(CNC + "duration"), ox.Literal("P2Y", datatype=n(XSD + "duration"))),
        ox.Triple(q, n(CNC + "duration"), ox.Literal("two years", datatype=n(XSD + "duration"))),
        ox.Triple(q, n(CNC + "hasLearningOutcome"), lo),
        ox.Triple(lo, typ, n(CNC + "LearningOutcome")),
        ox.Triple(lo, n(CNC + "statement"), ox.Literal("Un acquis", language="fr")),
        ox.Triple(lo, n(CNC + "statement"), ox.Literal("Un autre", language="fr")),
        ox.Triple(lo, n(CNC + "statement"), ox.Literal("x" * 1001, language="en")),
        ox.Triple(lo, n(CNC + "relatedSkill"), n("http://data.europa.eu/esco/skill/not-a-skill")),
        ox.Triple(q, n(CNC + "hasAccreditation"), a),
        ox.Triple(a, typ, n(CNC + "Accreditation")),
        ox.Triple(a, n(CNC + "validFrom"), ox.Literal("2024-01-01", datatype=date)),
        ox.Triple(a, n(CNC + "validUntil"), ox.Literal("2023-01-01", datatype=date)),  # lessThan
        ox.Triple(a, n(CNC + "validUntil"), ox.Literal("2030-01-01", datatype=date)),
        ox.Triple(a, n(CNC + "validUntil"), ox.Literal("soon")),
        ox.Triple(q2, typ, n(CNC + "Qualification")),
        ox.Triple(q2, n(CNC + "code"), ox.Literal("ZZ-FAULTS-2")),
        ox.Triple(q2, n(SKOS + "prefLabel"), ox.Literal("label", language="xx")),
        ox.Triple(n(f"{BASE}mapping/zz"), typ, n(CNC + "MappingRecord")),  # a mapping record missing everything
        ox.Triple(n(f"{BASE}mapping/zz"), n(CNC + "mappingPredicate"), n(SKOS + "sameAs")),  # sh:in
        ox.Triple(n(f"{BASE}mapping/zz"), n(CNC + "confidence"), ox.Literal("1.5", datatype=n(XSD + "decimal"))),
        ox.Triple(n(f"{BASE}mapping/zz"), n(CNC + "confidence"), ox.Literal("high")),
    ]


def test_same_results_on_hand_made_faults(validators: tuple[Validator, Validator], shipped: tuple) -> None:
    found, expected = both(validators, shipped[0] + _faults())
    constraints = {k[5].rsplit("#", 1)[-1] for k in expected if k[0].endswith(("ZZ-FAULTS", "/1", "mapping/zz"))}
    # The corpus exercises the components, not just one: checked on the reference's own results.
    assert len(constraints) >= 10, constraints
    assert_same(found, expected)


def test_same_results_on_a_generated_inventory_with_broken_rows(tmp_path: Path, validators: tuple) -> None:
    generated = generate(300, tmp_path / "root", seed=5, invalid=10)
    contents = read_sources(discover_sources(generated.root), BASE)
    data = [t for k, ts in contents.items() if k not in NOT_VALIDATED for t in ts]
    found, expected = both(validators, data)
    assert sum(1 for k in expected if k[3] == "Violation") >= 5
    assert_same(found, expected)


def _drop_codes_held_elsewhere(path: Path) -> None:
    others = set()
    for other in path.parent.glob("*.csv"):
        if other != path and other.name != "organisations.csv":
            with other.open(encoding="utf-8", newline="") as f:
                others |= {row["code"] for row in csv.DictReader(f)}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames, [row for row in reader if row["code"] not in others]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header or [])
        writer.writeheader()
        writer.writerows(rows)


def test_import_validates_records_in_context_like_pyshacl_on_the_whole_graph(tmp_path: Path) -> None:
    """The import path (records + the context read from the store, compiled, focus on the records) reports
    on the file's records exactly what pyshacl reports on them validating the whole graph."""
    generated = generate(300, tmp_path / "root", seed=11, invalid=10)
    _drop_codes_held_elsewhere(generated.reimport)  # the import refuses those before validating
    settings = Settings(store="memory", root=generated.root)
    store = OxigraphStore(None, settings.base_iri)
    build(store, settings, allow_violations=True)
    with pytest.raises(ValidationFailed) as failed:
        import_inventory(store, settings, generated.reimport, dry_run=True)
    found = Counter(key(r) for r in failed.value.report.results)

    rows = read_inventory_file(generated.reimport, settings.base_iri)
    graph = graph_iri(settings.base_iri, "inventory/continuing-training")
    reference = validator_for(settings)
    whole = Validator(reference.shapes, reference.ontology, engine="pyshacl").validate_triples(
        store_triples(store, exclude_graph=graph) + rows.triples
    )
    mine = {r.focus for r in whole.results if r.focus in rows.lines or _owner(r.focus, rows.lines)}
    expected = Counter(key(r) for r in whole.results if r.focus in mine)
    assert sum(1 for k in expected if k[3] == "Violation") >= 5
    assert_same(found, expected)


def test_focus_restriction_keeps_exactly_the_results_on_those_nodes(
    validators: tuple[Validator, Validator], shipped: tuple
) -> None:
    compiled, _ = validators
    data = shipped[0] + _faults()
    focus = {f"{BASE}qualification/ZZ-FAULTS", f"{BASE}qualification/ZZ-FAULTS/accreditation/1"}
    whole = Counter(key(r) for r in compiled.validate_triples(data).results if r.focus in focus)
    restricted = Counter(key(r) for r in compiled.validate_triples(data, focus=focus).results)
    assert sum(whole.values()) > 5
    assert_same(restricted, whole)

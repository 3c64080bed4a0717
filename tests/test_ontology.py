"""The ontology: every term labelled and defined in fr and en; every alignment target really exists."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from tests.conftest import REFERENCE as SHARED
from tests.conftest import ROOT

CNC = rdflib.Namespace("https://w3id.org/cnc-ma/ontology#")
REFERENCE = SHARED / "elm"
ALIGNMENT_PREDICATES = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    SKOS.closeMatch,
    SKOS.exactMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)


def parse(*paths: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle", publicID="https://w3id.org/cnc-ma/")
    return graph


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return parse(ROOT / "ontology" / "cnc.ttl")


@pytest.fixture(scope="module")
def reference_terms() -> set[rdflib.URIRef]:
    """Every IRI declared in the reference vocabulary copies (ELM from shared/, the rest shipped)."""
    paths = sorted((ROOT / "ontology" / "reference-vocabularies").glob("*.ttl"))
    graph = parse(*paths)
    for name in ("ELM.ttl", "ELM-external.ttl"):
        path = REFERENCE / name
        if path.exists():
            graph.parse(path, format="turtle")
    return {s for s in graph.subjects() if isinstance(s, rdflib.URIRef)}


def cnc_terms(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {s for kind in kinds for s in graph.subjects(RDF.type, kind) if str(s).startswith(str(CNC))}


def test_ontology_declares_the_domain_model(ontology: rdflib.Graph) -> None:
    expected = {
        "Framework",
        "Level",
        "LevelDescriptor",
        "DescriptorDomain",
        "Qualification",
        "LearningOutcome",
        "Organisation",
        "OrganisationRole",
        "Accreditation",
        "LearningOpportunity",
        "SubSector",
        "Region",
        "RegistrationApplication",
        "MappingRecord",
    }
    classes = {str(s).removeprefix(str(CNC)) for s in ontology.subjects(RDF.type, OWL.Class)}
    assert expected <= classes


def test_every_term_is_labelled_in_french_and_english_and_defined(ontology: rdflib.Graph) -> None:
    problems = []
    for term in sorted(cnc_terms(ontology)):
        labels = {lit.language for lit in ontology.objects(term, RDFS.label)}
        definitions = {lit.language for lit in ontology.objects(term, SKOS.definition)}
        if not {"fr", "en"} <= labels:
            problems.append(f"{term}: labels {labels}")
        if not {"fr", "en"} <= definitions:
            problems.append(f"{term}: definitions {definitions}")
    assert problems == []


def test_properties_have_domain_and_range(ontology: rdflib.Graph) -> None:
    missing = []
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in ontology.subjects(RDF.type, kind):
            if ontology.value(prop, RDFS.domain) is None or ontology.value(prop, RDFS.range) is None:
                missing.append(str(prop))
    assert missing == []


def test_every_alignment_target_exists_in_its_vocabulary(reference_terms: set[rdflib.URIRef]) -> None:
    if not (REFERENCE / "ELM.ttl").exists():
        pytest.fail(f"the ELM reference copy is missing at {REFERENCE}")
    alignments = parse(ROOT / "ontology" / "alignments.ttl")
    targets = {
        o
        for p in ALIGNMENT_PREDICATES
        for s, o in alignments.subject_objects(p)
        if isinstance(o, rdflib.URIRef) and str(s).startswith(str(CNC))
    }
    assert len(targets) > 20
    unknown = sorted(str(t) for t in targets if t not in reference_terms)
    assert unknown == []


def test_every_cnc_term_used_in_shapes_and_data_is_declared(ontology: rdflib.Graph) -> None:
    declared = cnc_terms(ontology)
    used: set[rdflib.URIRef] = set()
    files = [*sorted((ROOT / "shapes").glob("*.ttl")), *sorted((ROOT / "data").glob("*/*.ttl"))]
    graph = parse(*files)
    for triple in graph:
        for term in triple:
            if isinstance(term, rdflib.URIRef) and str(term).startswith(str(CNC)):
                used.add(term)
    assert sorted(str(t) for t in used - declared) == []

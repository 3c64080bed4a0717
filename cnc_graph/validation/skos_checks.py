"""qSKOS-style quality checks of the frameworks and vocabularies, as SKOS tools (Skosmos, SKOS Play) read them.

Each check is named as qSKOS names its issue; each finding names the resource and what is wrong. The checks read
asserted triples only (no inference runs anywhere): a scheme must be typed ``skos:ConceptScheme``, a level
``skos:Concept``.

- ``missing-labels``: a concept or scheme without a ``skos:prefLabel`` in one of the languages asked for;
- ``orphan-concepts``: a concept in no scheme (no ``skos:inScheme`` nor ``skos:topConceptOf``);
- ``undescribed-schemes``: ``skos:inScheme`` pointing at a scheme nobody describes as a ``skos:ConceptScheme``;
- ``top-concept-mismatch``: ``skos:hasTopConcept`` without the matching ``skos:topConceptOf``, or the reverse;
- ``untyped-levels``: a ``cnc:Level`` or ``cnc:DescriptorDomain`` not a ``skos:Concept``, a ``cnc:Framework`` not a
  ``skos:ConceptScheme``;
- ``mapping-clashes``: a concept both ``skos:exactMatch`` and ``skos:relatedMatch`` (or ``closeMatch``) to one target;
- ``missing-mapping-targets``: a mapping to one of our own IRIs that nothing describes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from cnc_graph.iris import CNC, RDF, SKOS

CHECKS = (
    "missing-labels",
    "orphan-concepts",
    "undescribed-schemes",
    "top-concept-mismatch",
    "untyped-levels",
    "mapping-clashes",
    "missing-mapping-targets",
)
MATCHES = ("exactMatch", "closeMatch", "relatedMatch", "broadMatch", "narrowMatch")


@dataclass(frozen=True)
class Finding:
    """One problem: which check, which resource, and what is wrong."""

    check: str
    resource: str
    detail: str


def _text(term: object) -> str:
    return str(getattr(term, "value", term))


def skos_findings(triples: Iterable[ox.Triple], base: str, languages: tuple[str, ...] = ("fr", "en")) -> list[Finding]:
    """Return what the checks find in ``triples`` (frameworks, vocabularies, mappings), by check then resource."""
    types: dict[str, set[str]] = defaultdict(set)
    props: dict[str, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    described: set[str] = set()
    for t in triples:
        s = _text(t.subject)
        described.add(s)
        if t.predicate.value == RDF + "type":
            types[s].add(_text(t.object))
        props[s][t.predicate.value].append(t.object)
    concepts = {s for s, found in types.items() if SKOS + "Concept" in found}
    schemes = {s for s, found in types.items() if SKOS + "ConceptScheme" in found}
    findings: list[Finding] = []
    for s in sorted(concepts | schemes):
        have = {getattr(o, "language", None) for o in props[s].get(SKOS + "prefLabel", [])}
        missing = [lang for lang in languages if lang not in have]
        if missing:
            findings.append(Finding("missing-labels", s, "no skos:prefLabel in " + ", ".join(missing)))
    for s in sorted(concepts):
        if not props[s].get(SKOS + "inScheme") and not props[s].get(SKOS + "topConceptOf"):
            findings.append(Finding("orphan-concepts", s, "in no scheme"))
        for scheme in props[s].get(SKOS + "inScheme", []):
            if _text(scheme) not in schemes:
                findings.append(Finding("undescribed-schemes", s, f"skos:inScheme {_text(scheme)}, described nowhere"))
    for scheme in sorted(schemes):
        for top in props[scheme].get(SKOS + "hasTopConcept", []):
            if scheme not in {_text(o) for o in props[_text(top)].get(SKOS + "topConceptOf", [])}:
                findings.append(
                    Finding("top-concept-mismatch", scheme, f"hasTopConcept {_text(top)} without topConceptOf")
                )
    for s in sorted(concepts):
        for scheme in props[s].get(SKOS + "topConceptOf", []):
            if s not in {_text(o) for o in props[_text(scheme)].get(SKOS + "hasTopConcept", [])}:
                findings.append(
                    Finding("top-concept-mismatch", s, f"topConceptOf {_text(scheme)} without hasTopConcept")
                )
    for s, found in sorted(types.items()):
        if (CNC + "Level" in found or CNC + "DescriptorDomain" in found) and SKOS + "Concept" not in found:
            findings.append(Finding("untyped-levels", s, "not a skos:Concept"))
        if CNC + "Framework" in found and SKOS + "ConceptScheme" not in found:
            findings.append(Finding("untyped-levels", s, "not a skos:ConceptScheme"))
    for s in sorted(props):
        exact = {_text(o) for o in props[s].get(SKOS + "exactMatch", [])}
        for weaker in ("closeMatch", "relatedMatch"):
            for target in sorted(exact & {_text(o) for o in props[s].get(SKOS + weaker, [])}):
                findings.append(Finding("mapping-clashes", s, f"exactMatch and {weaker} to {target}"))
        for match in MATCHES:
            for mapped in map(_text, props[s].get(SKOS + match, [])):
                if mapped.startswith(base) and mapped not in described:
                    findings.append(Finding("missing-mapping-targets", s, f"{match} {mapped}, described nowhere"))
    return findings

"""A candidate fast validation path, measured by the benchmark against pyshacl on the whole graph.

pyshacl stays the engine: the same shapes and ontology, the same results — only smaller data graphs.
A *record* is one qualification and the nodes minted under its IRI (``…/outcome/1``, ``…/opportunity/1``…);
everything else (frameworks, vocabularies, organisations, ESCO, mappings) is *context*. A record's results
depend only on the record and on its *neighbourhood*: the descriptions of the nodes it points to, two hops
deep (a level's scheme and that scheme's notation), plus the other holders of its code (for the unique-code
SPARQL constraint). So:

- ``validate_partitioned``: the context is validated once (with the records' ``rdf:type`` triples, so class
  checks pointing at records still see them), the records in chunks, each with its neighbourhood, in
  parallel worker processes; only results whose focus node is in the chunk are kept;
- ``validate_records``: the same for a few records against an existing store (re-import, one card on
  submit), reading the neighbourhood from the store instead of validating everything.

Whether this is right is an empirical question answered by the differential check in ``bench.run``
(identical result sets on valid and invalid corpora), not by this docstring.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.namespaces import CNC, RDF
from cnc_graph.store import GraphStore
from cnc_graph.validate import ValidationReport, ValidationResult, Validator

A = ox.NamedNode(RDF + "type")
QUALIFICATION = ox.NamedNode(CNC + "Qualification")
CODE = ox.NamedNode(CNC + "code")
CHUNK = 250

_WORKER: Validator | None = None


def _owner(iri: str, records: set[str]) -> str | None:
    if iri in records:
        return iri
    head, sep, _ = iri.partition("/outcome/")
    for marker in ("/outcome/", "/opportunity/", "/accreditation/"):
        head, sep, _ = iri.partition(marker)
        if sep and head in records:
            return head
    return None


def split_records(triples: Iterable[ox.Triple]) -> tuple[dict[str, list[ox.Triple]], list[ox.Triple]]:
    """Return (triples of each record by qualification IRI, context triples)."""
    triples = list(triples)
    records = {t.subject.value for t in triples if t.predicate == A and t.object == QUALIFICATION}
    by_record: dict[str, list[ox.Triple]] = defaultdict(list)
    context: list[ox.Triple] = []
    for t in triples:
        owner = _owner(t.subject.value, records) if isinstance(t.subject, ox.NamedNode) else None
        (by_record[owner] if owner else context).append(t)
    return dict(by_record), context


class Neighbourhood:
    """Descriptions of context nodes, by subject, for pulling a record's neighbourhood."""

    def __init__(self, context: Sequence[ox.Triple]) -> None:
        self.description: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = defaultdict(list)
        for t in context:
            self.description[t.subject].append(t)

    def around(self, triples: Sequence[ox.Triple]) -> list[ox.Triple]:
        """Return the context triples two hops out from ``triples``."""
        out: list[ox.Triple] = []
        seen: set[object] = set()
        frontier = [t.object for t in triples if not isinstance(t.object, ox.Literal)]
        for _hop in range(2):
            following = []
            for node in frontier:
                if node in seen:
                    continue
                seen.add(node)
                for t in self.description.get(node, ()):
                    out.append(t)
                    if not isinstance(t.object, ox.Literal):
                        following.append(t.object)
            frontier = following
        return out


def _key(r: ValidationResult) -> tuple[str, ...]:
    def plain(text: str | None) -> str:
        return "_:b" if text and text.startswith("_:") else (text or "")

    return (
        r.focus,
        plain(r.path),
        plain(r.value),
        r.severity,
        r.constraint or "",
        repr(sorted(r.messages.items())),
    )


def result_keys(report: ValidationReport) -> list[tuple[str, ...]]:
    """Return the results as comparable, sorted keys (blank-node labels, which differ between runs, dropped)."""
    return sorted(_key(r) for r in report.results)


def _init_worker(root: str) -> None:
    global _WORKER
    from cnc_graph.imports import validator_for
    from cnc_graph.settings import Settings

    _WORKER = validator_for(Settings(root=Path(root)))


def _validate_chunk(payload: tuple[bytes, list[str]]) -> list[ValidationResult]:
    data, focus = payload
    assert _WORKER is not None
    triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    keep = set(focus)
    report = _WORKER.validate_triples(triples)
    if not keep:
        return report.results
    return [r for r in report.results if _owner(r.focus, keep)]


def _nt(triples: Sequence[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def validate_partitioned(triples: Sequence[ox.Triple], root: Path, workers: int | None = None) -> ValidationReport:
    """Return the report of validating ``triples`` record by record (in chunks, in parallel) plus the context."""
    records, context = split_records(triples)
    hood = Neighbourhood(context)
    holders: dict[str, list[str]] = defaultdict(list)
    for iri, record in records.items():
        for t in record:
            if t.predicate == CODE and t.subject.value == iri:
                holders[t.object.value].append(iri)
    payloads: list[tuple[bytes, list[str]]] = []
    types = [ox.Triple(ox.NamedNode(iri), A, QUALIFICATION) for iri in records]
    payloads.append((_nt(context + types), []))
    iris = sorted(records)
    for start in range(0, len(iris), CHUNK):
        chunk = iris[start : start + CHUNK]
        data = [t for iri in chunk for t in records[iri]]
        extra = _code_holders(chunk, records, holders)
        payloads.append((_nt(data + extra + hood.around(data)), chunk))
    results: list[ValidationResult] = []
    with ProcessPoolExecutor(workers or os.cpu_count() or 2, initializer=_init_worker, initargs=(str(root),)) as pool:
        for index, part in enumerate(pool.map(_validate_chunk, payloads)):
            if index == 0:
                context_only = [r for r in part if not _owner(r.focus, set(records))]
                results.extend(context_only)
            else:
                results.extend(part)
    return ValidationReport(
        sorted(results, key=lambda r: (0 if r.severity == "Violation" else 1, r.focus, r.path or ""))
    )


def _code_holders(
    chunk: list[str], records: dict[str, list[ox.Triple]], holders: dict[str, list[str]]
) -> list[ox.Triple]:
    extra: list[ox.Triple] = []
    inside = set(chunk)
    for iri in chunk:
        for t in records[iri]:
            if t.predicate == CODE and t.subject.value == iri:
                for other in holders.get(t.object.value, ()):
                    if other not in inside:
                        extra += [
                            ox.Triple(ox.NamedNode(other), CODE, t.object),
                            ox.Triple(ox.NamedNode(other), A, QUALIFICATION),
                        ]
    return extra


def store_neighbourhood(store: GraphStore, triples: Sequence[ox.Triple], exclude_graph: str | None) -> list[ox.Triple]:
    """Return, from ``store``, the two-hop neighbourhood of ``triples`` and the other holders of their codes."""
    out: list[ox.Triple] = []
    frontier = {t.object for t in triples if isinstance(t.object, ox.NamedNode)}
    seen: set[ox.NamedNode] = set()
    exclude = f"FILTER (?g != <{exclude_graph}>)" if exclude_graph else ""
    for _hop in range(2):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        values = " ".join(str(n) for n in frontier)
        rows = store.query(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} {exclude} }}")
        following = set()
        for row in rows:  # type: ignore[union-attr]
            out.append(ox.Triple(row["s"], row["p"], row["o"]))
            if isinstance(row["o"], ox.NamedNode):
                following.add(row["o"])
        frontier = following
    codes = " ".join(str(t.object) for t in triples if t.predicate == CODE)
    if codes:
        query = f"SELECT ?q ?c WHERE {{ VALUES ?c {{ {codes} }} GRAPH ?g {{ ?q <{CODE.value}> ?c }} {exclude} }}"
        for row in store.query(query):  # type: ignore[union-attr]
            out += [ox.Triple(row["q"], CODE, row["c"]), ox.Triple(row["q"], A, QUALIFICATION)]
    return out


def validate_records(
    store: GraphStore, validator: Validator, triples: Sequence[ox.Triple], exclude_graph: str | None = None
) -> ValidationReport:
    """Return the results on the records of ``triples`` validated with their neighbourhood read from ``store``."""
    records, _context = split_records(triples)
    data = list(triples) + store_neighbourhood(store, triples, exclude_graph)
    report = validator.validate_triples(data)
    keep = set(records)
    return ValidationReport([r for r in report.results if _owner(r.focus, keep)])

"""Compile the project's SHACL shapes into SPARQL queries that find every violation at once.

pyshacl evaluates each constraint focus node by focus node in Python; here each constraint becomes one
SPARQL SELECT over all its focus nodes, evaluated by Oxigraph. The compiler covers the part of SHACL Core
and SHACL-SPARQL the shapes use; any other feature raises ``UnsupportedShape`` and the caller falls back
to pyshacl, which stays the reference (the differential tests compare both on valid and faulty data).

Semantics follow pyshacl 0.40 where it differs from a literal reading of the spec: one result per
duplicated language for ``sh:uniqueLang`` (no value), one per failing pair for ``sh:lessThan``,
``sh:languageIn`` matching the first subtag, messages of SPARQL constraints filled in and untagged.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

# Components this compiler understands; other SHACL parameters on a shape make it unsupported.
_SHAPE_ANNOTATIONS = {
    RDF.type, SH.name, SH.description, SH.order, SH.group, SH.message, SH.severity, SH.targetClass,
    SH.property, SH.path, SH.defaultValue, SH.qualifiedValueShapesDisjoint,
    rdflib.RDFS.label, rdflib.RDFS.comment,
}  # fmt: skip
_SUPPORTED = {
    SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind, SH["class"], SH.pattern, SH.flags, SH.languageIn,
    SH.uniqueLang, SH["in"], SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.lessThan,
    SH.minLength, SH.maxLength, SH["not"], SH["or"], SH["and"], SH.node, SH.qualifiedValueShape,
    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.sparql,
}  # fmt: skip
_CASTABLE = {XSD.date, XSD.dateTime, XSD.integer, XSD.decimal, XSD.duration, XSD.boolean, XSD.double, XSD.float}
_NODE_KINDS: dict[rdflib.term.Node, str] = {
    SH.IRI: "isIRI({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNode: "isBlank({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


class UnsupportedShape(Exception):
    """A shape uses a SHACL feature the compiler does not translate (use pyshacl instead)."""


@dataclass(frozen=True)
class Outcome:
    """What a row of a check means: one validation result, when its flag variable is true (or always)."""

    shape: str | None
    path: str | None
    severity: str
    constraint: str
    messages: tuple[tuple[str, str], ...]
    flag: str | None = None
    with_value: bool = False  # the result carries the row's ?value
    templated: bool = False  # messages contain {?var} placeholders filled from the row


@dataclass(frozen=True)
class Check:
    """One compiled query: each row (``?this``, maybe ``?value``, flags) yields the results of its outcomes."""

    sparql: str
    outcomes: tuple[Outcome, ...]
    classes: tuple[str, ...] = ()  # the target classes: the check can only find results on their instances


@dataclass
class _Names:
    counter: Iterator[int] = field(default_factory=itertools.count)

    def var(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self.counter)}"


def _iri(node: rdflib.term.Node) -> str:
    if not isinstance(node, rdflib.URIRef):
        raise UnsupportedShape(f"expected an IRI, got {node!r}")
    return str(ox.NamedNode(str(node)))


def _term(node: rdflib.term.Node) -> str:
    if isinstance(node, rdflib.URIRef):
        return _iri(node)
    if isinstance(node, rdflib.Literal):
        if node.language:
            return str(ox.Literal(str(node), language=node.language))
        datatype = node.datatype or XSD.string
        return str(ox.Literal(str(node), datatype=ox.NamedNode(str(datatype))))
    raise UnsupportedShape(f"blank node {node!r} where a constant is needed")


def _string(text: str) -> str:
    return str(ox.Literal(text))


class ShapeCompiler:
    """Turns a shapes graph into ``Check`` queries (see the module docstring)."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.g = shapes
        self.names = _Names()
        self._classes_of: dict[str, tuple[str, ...]] = {}

    # --- shapes graph helpers -------------------------------------------------------------------

    def _one(self, node: rdflib.term.Node, prop: rdflib.URIRef) -> rdflib.term.Node | None:
        values = list(self.g.objects(node, prop))
        if len(values) > 1:
            raise UnsupportedShape(f"{node} has several {prop}")
        return values[0] if values else None

    def _list(self, node: rdflib.term.Node) -> list[rdflib.term.Node]:
        return list(Collection(self.g, node))

    def _severity(self, shape: rdflib.term.Node) -> str:
        severity = self._one(shape, SH.severity)
        if severity is None:
            return "Violation"
        return {str(SH.Warning): "Warning", str(SH.Info): "Info"}.get(str(severity), "Violation")

    def _messages(self, node: rdflib.term.Node) -> tuple[tuple[str, str], ...]:
        out = []
        for m in self.g.objects(node, SH.message):
            if isinstance(m, rdflib.Literal):
                out.append((m.language or "und", str(m)))
        return tuple(sorted(out))

    def path(self, path: rdflib.term.Node) -> tuple[str, str]:
        """Return (SPARQL property path, the path as ``validate`` prints it) for a SHACL path."""
        if isinstance(path, rdflib.URIRef):
            return _iri(path), str(path)
        if self.g.value(path, RDF.first) is not None:
            parts = [self.path(p) for p in self._list(path)]
            return "(" + "/".join(p for p, _ in parts) + ")", "/".join(t for _, t in parts)
        inverse = self._one(path, SH.inversePath)
        if isinstance(inverse, rdflib.URIRef):
            return f"^{_iri(inverse)}", f"^{inverse}"
        raise UnsupportedShape(f"unsupported path {path!r}")

    def _check_supported(self, shape: rdflib.term.Node) -> None:
        for p in set(self.g.predicates(shape, None)):
            if p in _SUPPORTED or p in _SHAPE_ANNOTATIONS:
                continue
            if str(p).startswith(str(SH)):
                raise UnsupportedShape(f"shape {shape} uses {p}")

    # --- targets --------------------------------------------------------------------------------

    def _union(self, classes: list[rdflib.term.Node]) -> str:
        return " UNION ".join(f"{{ ?this a/<{rdflib.RDFS.subClassOf}>* {_iri(c)} }}" for c in classes)

    def targets(self, shape: rdflib.term.Node) -> str | None:
        """Return a group pattern binding ``?this`` to the shape's focus nodes, once each."""
        classes = list(self.g.objects(shape, SH.targetClass))
        for other in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            if (shape, other, None) in self.g:
                raise UnsupportedShape(f"shape {shape} uses {other}")
        if not classes:
            return None
        pattern = f"{{ SELECT DISTINCT ?this WHERE {{ {self._union(classes)} }} }}"
        self._classes_of[pattern] = tuple(map(str, classes))
        return pattern

    # --- value tests (boolean expressions on one term) ------------------------------------------

    def value_ok(self, shape: rdflib.term.Node, v: str) -> list[tuple[rdflib.URIRef, str]]:
        """Return (component, SPARQL expression true when ``v`` passes) for the shape's per-value tests."""
        g = self.g
        tests: list[tuple[rdflib.URIRef, str]] = []
        for dt in g.objects(shape, SH.datatype):
            tests.append((SH.DatatypeConstraintComponent, self._datatype_ok(dt, v)))
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise UnsupportedShape(f"node kind {kind}")
            tests.append((SH.NodeKindConstraintComponent, _NODE_KINDS[kind].format(v=v)))
        for cls in g.objects(shape, SH["class"]):
            test = f"EXISTS {{ {v} a/<{rdflib.RDFS.subClassOf}>* {_iri(cls)} }}"
            tests.append((SH.ClassConstraintComponent, test))
        flags = self._one(shape, SH.flags)
        for pattern in g.objects(shape, SH.pattern):
            args = f"{_string(str(pattern))}" + (f", {_string(str(flags))}" if flags else "")
            tests.append((SH.PatternConstraintComponent, f"(!isBlank({v}) && REGEX(STR({v}), {args}))"))
        for languages in g.objects(shape, SH.languageIn):
            ranges = [str(lang) for lang in self._list(languages)]
            if "*" in ranges:
                test = f'(isLiteral({v}) && LANG({v}) != "")'
            else:
                matches = " || ".join(f"LANGMATCHES(LANG({v}), {_string(r)})" for r in ranges) or "false"
                test = f"(isLiteral({v}) && ({matches}))"
            tests.append((SH.LanguageInConstraintComponent, test))
        for members in g.objects(shape, SH["in"]):
            same = " || ".join(f"sameTerm({v}, {_term(m)})" for m in self._list(members)) or "false"
            tests.append((SH.InConstraintComponent, f"({same})"))
        for prop, op, component in (
            (SH.minInclusive, ">=", SH.MinInclusiveConstraintComponent),
            (SH.maxInclusive, "<=", SH.MaxInclusiveConstraintComponent),
            (SH.minExclusive, ">", SH.MinExclusiveConstraintComponent),
            (SH.maxExclusive, "<", SH.MaxExclusiveConstraintComponent),
        ):
            for bound in g.objects(shape, prop):
                tests.append((component, f"COALESCE(isLiteral({v}) && {v} {op} {_term(bound)}, false)"))
        for prop, op, component in (
            (SH.minLength, ">=", SH.MinLengthConstraintComponent),
            (SH.maxLength, "<=", SH.MaxLengthConstraintComponent),
        ):
            length = self._int(shape, prop)
            if length is not None:
                # The length of the IRI or the lexical form, in characters; a blank node has none (SHACL 4.4).
                tests.append((component, f"(!isBlank({v}) && STRLEN(STR({v})) {op} {length})"))
        for other in g.objects(shape, SH["not"]):
            tests.append((SH.NotConstraintComponent, f"!({self.conforms(other, v)})"))
        for members in g.objects(shape, SH["or"]):
            alternatives = " || ".join(f"({self.conforms(m, v)})" for m in self._list(members)) or "false"
            tests.append((SH.OrConstraintComponent, f"({alternatives})"))
        for members in g.objects(shape, SH["and"]):
            all_of = " && ".join(f"({self.conforms(m, v)})" for m in self._list(members)) or "true"
            tests.append((SH.AndConstraintComponent, f"({all_of})"))
        for other in g.objects(shape, SH.node):
            tests.append((SH.NodeConstraintComponent, f"({self.conforms(other, v)})"))
        return tests

    def _datatype_ok(self, dt: rdflib.term.Node, v: str) -> str:
        if dt == XSD.string:
            return f"(isLiteral({v}) && DATATYPE({v}) = {_iri(dt)})"
        if dt in _CASTABLE:
            # Ill-formed lexical forms keep their datatype in the store; the cast tells them apart.
            return f"(isLiteral({v}) && DATATYPE({v}) = {_iri(dt)} && COALESCE(isLiteral({_iri(dt)}(STR({v}))), false))"
        raise UnsupportedShape(f"datatype {dt}")

    # --- nested conformance ---------------------------------------------------------------------

    def conforms(self, shape: rdflib.term.Node, x: str) -> str:
        """Return a SPARQL expression true when the term ``x`` conforms to ``shape`` (no results)."""
        self._check_supported(shape)
        if (shape, SH.sparql, None) in self.g:
            raise UnsupportedShape(f"SPARQL constraint inside a nested shape {shape}")
        parts = [test for _, test in self.value_ok(shape, x)]
        if (shape, SH.path, None) in self.g:
            parts += self._property_ok(shape, x)
        for prop in self.g.objects(shape, SH.property):
            self._check_supported(prop)
            parts += self._property_ok(prop, x)
        return " && ".join(f"({p})" for p in parts) or "true"

    def _property_ok(self, prop: rdflib.term.Node, f: str) -> list[str]:
        path_node = self._one(prop, SH.path)
        if path_node is None:
            raise UnsupportedShape(f"property shape {prop} without sh:path")
        path, _ = self.path(path_node)
        for unsupported in (SH.uniqueLang, SH.lessThan, SH.sparql):
            if (prop, unsupported, None) in self.g:
                raise UnsupportedShape(f"{unsupported} inside a nested shape {prop}")
        v = self.names.var()
        steps = self._steps(path_node)
        parts = [f"!{self._exists(f, steps, v, f'!({test})')}" for _, test in self.value_ok(prop, v)]
        n = self._int(prop, SH.minCount)
        if n is not None and n > 0:
            if n != 1:
                raise UnsupportedShape(f"sh:minCount {n} inside a nested shape {prop}")
            parts.append(self._exists(f, steps, self.names.var(), None))
        n = self._int(prop, SH.maxCount)
        if n is not None:
            parts.append(self._at_most(f, path, n, None))
        qualified = self._one(prop, SH.qualifiedValueShape)
        if qualified is not None:
            w = self.names.var()
            condition = self.conforms(qualified, w)
            n = self._int(prop, SH.qualifiedMinCount)
            if n:
                if n != 1:
                    raise UnsupportedShape(f"sh:qualifiedMinCount {n} inside a nested shape {prop}")
                parts.append(self._exists(f, steps, w, condition))
            n = self._int(prop, SH.qualifiedMaxCount)
            if n is not None:
                parts.append(self._at_most(f, path, n, qualified))
        return parts

    def _steps(self, path_node: rdflib.term.Node) -> list[str]:
        """Return the SPARQL steps of a path: its predicates for a sequence of IRIs, else the whole path."""
        if self.g.value(path_node, RDF.first) is not None:
            items = self._list(path_node)
            if all(isinstance(i, rdflib.URIRef) for i in items):
                return [_iri(i) for i in items]
        return [self.path(path_node)[0]]

    def _exists(self, f: str, steps: list[str], v: str, condition: str | None) -> str:
        """Return ``EXISTS`` a value ``v`` reached from ``f`` by ``steps`` (meeting ``condition``).

        A sequence becomes nested one-step EXISTS: Oxigraph then looks each hop up from a bound node,
        where a multi-hop pattern inside EXISTS is evaluated from the wrong end (a scan per row).
        """
        last = f" FILTER({condition})" if condition else ""
        text = ""
        node = f
        hops = []
        for step in steps[:-1]:
            middle = self.names.var("m")
            hops.append(f"{node} {step} {middle}")
            node = middle
        text = f"EXISTS {{ {node} {steps[-1]} {v}{last} }}"
        for hop in reversed(hops):
            text = f"EXISTS {{ {hop} FILTER({text}) }}"
        return text

    def _at_most(self, f: str, path: str, n: int, qualified: rdflib.term.Node | None) -> str:
        a, b = self.names.var(), self.names.var()
        filt_a = f" FILTER({self.conforms(qualified, a)})" if qualified is not None else ""
        filt_b = f" FILTER({self.conforms(qualified, b)})" if qualified is not None else ""
        if n == 0:
            return f"NOT EXISTS {{ {f} {path} {a}{filt_a} }}"
        if n == 1:
            return f"NOT EXISTS {{ {f} {path} {a}{filt_a} . {f} {path} {b}{filt_b} FILTER(!sameTerm({a}, {b})) }}"
        raise UnsupportedShape(f"a maximum count of {n} inside a nested shape")

    def _int(self, node: rdflib.term.Node, prop: rdflib.URIRef) -> int | None:
        value = self._one(node, prop)
        if value is None:
            return None
        if not isinstance(value, rdflib.Literal) or not isinstance(value.toPython(), int):
            raise UnsupportedShape(f"{prop} of {node} is not an integer")
        return int(value.toPython())

    # --- top-level checks -----------------------------------------------------------------------

    def compile(self) -> list[Check]:
        """Return the checks of every targeted shape (and its property shapes).

        Tests on the same focus nodes and path share one query: the per-value tests of every property
        shape on that path become flags of one pass over the values, the counts one aggregate.
        """
        targeted = {s for s in self.g.subjects(SH.targetClass, None)}
        for other in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            if (None, other, None) in self.g:
                raise UnsupportedShape(f"the shapes use {other}")
        if (None, SH.deactivated, None) in self.g:
            raise UnsupportedShape("the shapes use sh:deactivated")
        self._values: dict[tuple[str, str], list[tuple[str, Outcome]]] = {}
        self._counts: dict[tuple[str, str], list[tuple[str, int, rdflib.term.Node | None, Outcome]]] = {}
        checks: list[Check] = []
        for shape in sorted(targeted, key=str):
            target = self.targets(shape)
            assert target is not None
            self._check_supported(shape)
            if (shape, SH.path, None) in self.g:
                checks += self._property_checks(shape, target)
                continue
            checks += self._node_checks(shape, target)
            for prop in sorted(self.g.objects(shape, SH.property), key=str):
                self._check_supported(prop)
                checks += self._property_checks(prop, target)
        checks += [self._value_query(target, path, tests) for (target, path), tests in self._values.items() if tests]
        for (target, path), counts in self._counts.items():
            aggregated = []
            for op, n, qualified, outcome in counts:
                if (
                    qualified is not None
                    and (op, n) in ((">", 0), ("<", 1))
                    and "EXISTS" in self.conforms(qualified, "?x")
                ):
                    checks.append(self._existential_query(target, path, op, qualified, outcome))
                else:
                    aggregated.append((op, n, qualified, outcome))
            if aggregated:
                checks.append(self._count_query(target, path, aggregated))
        return [replace(c, classes=self._classes(c.sparql)) for c in checks]

    def _classes(self, sparql: str) -> tuple[str, ...]:
        return next((classes for pattern, classes in self._classes_of.items() if pattern in sparql), ())

    def _outcome(
        self, shape: rdflib.term.Node, path: str | None, component: rdflib.URIRef | str, **kw: object
    ) -> Outcome:
        return Outcome(
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
            path=path,
            severity=self._severity(shape),
            constraint=str(component),
            messages=self._messages(shape),
            **kw,  # type: ignore[arg-type]
        )

    def _node_checks(self, shape: rdflib.term.Node, target: str) -> list[Check]:
        checks = []
        for component, test in self.value_ok(shape, "?this"):
            query = f"SELECT ?this (?this AS ?value) WHERE {{ {target} FILTER(!({test})) }}"
            checks.append(Check(query, (self._outcome(shape, None, component, with_value=True),)))
        for constraint in self.g.objects(shape, SH.sparql):
            checks.append(self._sparql_check(shape, constraint, target, None, None))
        return checks

    def _property_checks(self, prop: rdflib.term.Node, target: str) -> list[Check]:
        path_node = self._one(prop, SH.path)
        assert path_node is not None
        path, path_text = self.path(path_node)
        values = self._values.setdefault((target, path), [])
        for component, test in self.value_ok(prop, "?value"):
            values.append((test, self._outcome(prop, path_text, component, with_value=True)))
        counts = self._counts.setdefault((target, path), [])
        n = self._int(prop, SH.minCount)
        if n is not None and n > 0:
            counts.append(("<", n, None, self._outcome(prop, path_text, SH.MinCountConstraintComponent)))
        n = self._int(prop, SH.maxCount)
        if n is not None:
            counts.append((">", n, None, self._outcome(prop, path_text, SH.MaxCountConstraintComponent)))
        qualified = self._one(prop, SH.qualifiedValueShape)
        if qualified is not None:
            n = self._int(prop, SH.qualifiedMinCount)
            if n is not None and n > 0:
                outcome = self._outcome(prop, path_text, SH.QualifiedMinCountConstraintComponent)
                counts.append(("<", n, qualified, outcome))
            n = self._int(prop, SH.qualifiedMaxCount)
            if n is not None:
                outcome = self._outcome(prop, path_text, SH.QualifiedMaxCountConstraintComponent)
                counts.append((">", n, qualified, outcome))
        checks: list[Check] = []
        if self._one(prop, SH.uniqueLang) == rdflib.Literal(True):
            query = (
                f'SELECT ?this WHERE {{ {target} ?this {path} ?_c BIND(LCASE(LANG(?_c)) AS ?_l) FILTER(?_l != "") }}'
                " GROUP BY ?this ?_l HAVING (COUNT(DISTINCT ?_c) > 1)"
            )
            checks.append(Check(query, (self._outcome(prop, path_text, SH.UniqueLangConstraintComponent),)))
        for other in self.g.objects(prop, SH.lessThan):
            query = (
                f"SELECT ?this ?value WHERE {{ {{ SELECT DISTINCT ?this ?value ?_w WHERE {{ {target}"
                f" ?this {path} ?value . ?this {_iri(other)} ?_w }} }} FILTER(!COALESCE(?value < ?_w, false)) }}"
            )
            outcome = self._outcome(prop, path_text, SH.LessThanConstraintComponent, with_value=True)
            checks.append(Check(query, (outcome,)))
        for constraint in self.g.objects(prop, SH.sparql):
            checks.append(self._sparql_check(prop, constraint, target, path, path_text))
        return checks

    def _value_query(self, target: str, path: str, tests: list[tuple[str, Outcome]]) -> Check:
        """One pass over the values of ``path``: a flag per test, rows only where a flag is raised."""
        binds = " ".join(f"BIND(!({test}) AS ?_f{i})" for i, (test, _) in enumerate(tests))
        raised = " || ".join(f"COALESCE(?_f{i}, false)" for i in range(len(tests)))
        outcomes = tuple(replace(o, flag=f"_f{i}") for i, (_, o) in enumerate(tests))
        if any("EXISTS" in test for test, _ in tests):
            # The tests depend on the value alone: costly ones (lookups around the value) run once per
            # distinct value, and only the failing values are joined back to their focus nodes.
            failing = (
                f"{{ SELECT * WHERE {{ {{ SELECT DISTINCT ?value WHERE {{ ?_s {path} ?value }} }} {binds}"
                f" FILTER({raised}) }} }}"
            )
            return Check(f"SELECT DISTINCT * WHERE {{ {failing} {target} ?this {path} ?value }}", outcomes)
        query = f"SELECT DISTINCT * WHERE {{ {target} ?this {path} ?value {binds} FILTER({raised}) }}"
        return Check(query, outcomes)

    def _existential_query(
        self, target: str, path: str, op: str, qualified: rdflib.term.Node, outcome: Outcome
    ) -> Check:
        """``sh:qualifiedMinCount 1`` / ``sh:qualifiedMaxCount 0`` with a costly shape: conformance is decided
        once per distinct value, then the focus nodes having (max) or lacking (min) a conforming value."""
        conforming = (
            f"{{ SELECT ?_c WHERE {{ {{ SELECT DISTINCT ?_c WHERE {{ ?_s {path} ?_c }} }}"
            f" FILTER({self.conforms(qualified, '?_c')}) }} }}"
        )
        if op == ">":
            query = f"SELECT DISTINCT ?this WHERE {{ {conforming} {target} ?this {path} ?_c }}"
        else:
            query = f"SELECT ?this WHERE {{ {target} MINUS {{ {conforming} ?this {path} ?_c }} }}"
        return Check(query, (outcome,))

    def _count_query(
        self, target: str, path: str, counts: list[tuple[str, int, rdflib.term.Node | None, Outcome]]
    ) -> Check:
        """One aggregate over the values of ``path``: the plain and qualified counts each test needs."""
        counted: dict[rdflib.term.Node | None, str] = {None: "?_c"}
        binds = []
        for _, _, qualified, _ in counts:
            if qualified not in counted:
                var = counted[qualified] = self.names.var("q")
                assert qualified is not None  # None (the plain count) is in `counted` from the start
                binds.append(f"BIND(IF({self.conforms(qualified, '?_c')}, ?_c, ?_unbound) AS {var})")
        pattern = f"?this {path} ?_c {' '.join(binds)}"
        if any(op == "<" for op, *_ in counts):
            pattern = f"OPTIONAL {{ {pattern} }}"
        aggregates = " ".join(f"(COUNT(DISTINCT {var}) AS {var}n)" for var in counted.values())
        flags = [f"BIND({counted[q]}n {op} {n} AS ?_f{i})" for i, (op, n, q, _) in enumerate(counts)]
        raised = " || ".join(f"?_f{i}" for i in range(len(counts)))
        query = (
            f"SELECT * WHERE {{ {{ SELECT ?this {aggregates} WHERE {{ {target} {pattern} }} GROUP BY ?this }}"
            f" {' '.join(flags)} FILTER({raised}) }}"
        )
        return Check(query, tuple(replace(o, flag=f"_f{i}") for i, (*_, o) in enumerate(counts)))

    def _sparql_check(
        self,
        shape: rdflib.term.Node,
        constraint: rdflib.term.Node,
        target: str,
        path: str | None,
        path_text: str | None,
    ) -> Check:
        select = self._one(constraint, SH.select)
        if not isinstance(select, rdflib.Literal):
            raise UnsupportedShape(f"SPARQL constraint of {shape} without sh:select")
        prefixes = []
        for source in self.g.objects(constraint, SH.prefixes):
            for declaration in self.g.objects(source, SH.declare):
                prefix, namespace = self._one(declaration, SH.prefix), self._one(declaration, SH.namespace)
                prefixes.append(f"PREFIX {prefix}: <{namespace}>")
        text = str(select).replace("$this", "?this")
        if path is not None:
            text = text.replace("$PATH", path)
        if "$" in text or "?path" in text:
            raise UnsupportedShape(f"SPARQL constraint of {shape} uses pre-bound variables other than $this/$PATH")
        messages = self._messages(constraint) + self._messages(shape)
        query = "\n".join(prefixes) + f"\nSELECT * WHERE {{ {target} {{ {text} }} }}"
        outcome = Outcome(
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
            path=path_text,
            severity=self._severity(shape),
            constraint=str(SH.SPARQLConstraintComponent),
            messages=messages,
            with_value=True,
            templated=True,
        )
        return Check(query, (outcome,))


def compile_shapes(shapes: rdflib.Graph) -> list[Check]:
    """Return the compiled checks of a shapes graph, or raise ``UnsupportedShape``."""
    return ShapeCompiler(shapes).compile()

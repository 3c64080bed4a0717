"""The registration card as the SHACL shapes describe it: each column's shapes, requirement and allowed values.

The shapes (``shapes/*.ttl``) say what each column means, whether it is required and how it is
checked; ``card.FIELDS`` says which columns exist and ``card.kinds`` what each kind of value holds.
``card.docs`` and ``card.templates`` write what this module reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from cnc_graph.card import fields as card
from cnc_graph.card import kinds
from cnc_graph.iris import CNC, DCT, FOAF, PREFIXES, SH
from cnc_graph.settings import DEFAULT_BASE_IRI, Settings

CNCSH = "https://w3id.org/cnc-ma/shapes#"
QUALIFICATION_SHAPE = URIRef(CNCSH + "QualificationShape")

# The columns inventory_to_rdf insists on finding in the header (the cells may still be empty
# where the shapes allow it); tests/test_card_docs.py checks this against the importer.
REQUIRED_HEADER_COLUMNS = ("code", "intitule_fr", "niveau_cnc")

REQUIREMENTS = ("required", "recommended", "optional", "automatic")
REQUIREMENT_LABELS = {
    "required": ("obligatoire", "required"),
    "recommended": ("recommandé", "recommended"),
    "optional": ("facultatif", "optional"),
    "automatic": ("automatique", "automatic"),
}

LANGUAGE_NAMES = {"fr": ("français", "French"), "ar": ("arabe", "Arabic"), "en": ("anglais", "English")}

# Where the importer puts a column's value when it is not a property of the qualification itself:
# kind -> (class of the intermediate node, property on that node), from the card's fields.
NESTED: dict[str, tuple[str, str]] = {
    f.kind: (card.NODES[f.node].cls, f.node_property) for f in card.NESTED_FIELDS if f.node and f.node_property
}

# organisations.csv: column -> (RDF property, language of the name) as organisations_to_rdf writes them.
ORG_PROPERTIES: dict[str, tuple[str | None, str | None]] = {
    "id": (None, None),
    "nom_fr": (SKOS + "prefLabel", "fr"),
    "nom_ar": (SKOS + "prefLabel", "ar"),
    "nom_en": (SKOS + "prefLabel", "en"),
    "sigle": (SKOS + "altLabel", None),
    "roles": (CNC + "organisationRole", None),
    "parent": (CNC + "parentOrganisation", None),
    "region": (CNC + "region", None),
    "site_web": (FOAF + "homepage", None),
    "source": (DCT + "source", None),
}
ORG_REQUIRED_HEADER_COLUMNS = ("id", "nom_fr")
ORG_MULTI = ("roles", "site_web", "source")


# --- reading the shapes ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShapeDoc:
    """One SHACL property shape, with its documentation annotations and constraints as text."""

    iri: str
    path: str
    columns: tuple[str, ...]
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    order: int | None
    severity: str
    requirement: str | None
    example: str | None
    min_count: int
    constraints: tuple[str, ...]
    relational: bool
    max_count: int | None = None
    max_length: int | None = None
    name_ar: str = ""


@dataclass(frozen=True)
class ColumnDoc:
    """Everything the documentation says about one card column."""

    field: card.CardField
    main: ShapeDoc
    shapes: tuple[ShapeDoc, ...]
    nested: tuple[ShapeDoc, ...]
    requirement: str

    @property
    def title(self) -> str:
        """Return the column's English name: its shape's, narrowed to the nested value when it has one."""
        if self.nested and len(self.main.columns) > 1:
            return f"{self.main.name_en}: {self.nested[0].name_en}"
        return self.main.name_en

    @property
    def title_fr(self) -> str:
        """Return the column's French name, as ``title`` the English one."""
        if self.nested and len(self.main.columns) > 1:
            return f"{self.main.name_fr} : {self.nested[0].name_fr}"
        return self.main.name_fr

    @property
    def title_ar(self) -> str:
        """Return the column's Arabic name ('' where the shapes give none)."""
        nested = self.nested[0].name_ar if self.nested and len(self.main.columns) > 1 else ""
        if not self.main.name_ar or (self.nested and len(self.main.columns) > 1 and not nested):
            return ""
        return f"{self.main.name_ar}: {nested}" if nested else self.main.name_ar

    @property
    def max_length(self) -> int | None:
        """Return the most characters a value of this column may have (its shapes' and its nested node's)."""
        found = [s.max_length for s in (*self.shapes, *self.nested) if s.max_length is not None]
        return min(found) if found else None

    @property
    def max_count(self) -> int | None:
        """Return the most values this column may have (1 for a one-value column), None if unbounded."""
        if not self.field.multi:
            return 1
        found = [s.max_count for s in self.shapes if s.max_count is not None]
        return min(found) if found else None

    @property
    def example(self) -> str:
        """Return the example cell value given by the column's main shape."""
        return self.main.example or ""

    @property
    def example_shared_with(self) -> tuple[str, ...]:
        """Return the other columns the main shape's example also documents (empty if its own)."""
        return tuple(c for c in self.main.columns if c != self.field.column)


def curie(term: object) -> str:
    """Return an IRI as a prefixed name (``cnc:code``) when a known prefix fits, else as ``<IRI>``."""
    text = str(term)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    if text.startswith(CNCSH):
        return "cncsh:" + text[len(CNCSH) :]
    return f"<{text}>"


def literal_text(graph: Graph, subject: Node, predicate: str, lang: str) -> str:
    values = sorted(
        str(o) for o in graph.objects(subject, URIRef(predicate)) if isinstance(o, Literal) and o.language == lang
    )
    return values[0] if values else ""


def _one(graph: Graph, subject: Node | None, predicate: str) -> Node | None:
    values = sorted(graph.objects(subject, URIRef(predicate)), key=str)
    return values[0] if values else None


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return list(Collection(graph, head)) if isinstance(head, BNode | URIRef) else []


def _path_text(graph: Graph, path: Node | None) -> str:
    if isinstance(path, URIRef):
        return curie(path)
    inverse = _one(graph, path, SH + "inversePath")
    if inverse is not None:
        return "^" + _path_text(graph, inverse)
    items = _list(graph, path)
    return " / ".join(_path_text(graph, item) for item in items) if items else "?"


def label_of(graph: Graph, node: Node) -> str:
    return literal_text(graph, node, str(RDFS.label), "en") or curie(node)


def _value_shape_text(graph: Graph, node: Node) -> str:
    languages = _one(graph, node, SH + "languageIn")
    if languages is not None:
        return "in language " + " or ".join(str(v) for v in _list(graph, languages))
    negated = _one(graph, node, SH + "not")
    if negated is not None:
        return f"that is not a {label_of(graph, negated)}"
    return f"matching {curie(node)}"


def _int(value: object | None) -> int | None:
    return int(str(value)) if value is not None else None


def _constraints(graph: Graph, shape: Node) -> tuple[str, ...]:
    """Return the shape's constraints as short English phrases, in a fixed order."""
    out: list[str] = []
    min_count = _int(_one(graph, shape, SH + "minCount"))
    max_count = _int(_one(graph, shape, SH + "maxCount"))
    if min_count:
        out.append(f"at least {min_count} value{'s' if min_count > 1 else ''}")
    if max_count is not None:
        out.append(f"at most {max_count} value{'s' if max_count != 1 else ''}")
    value_shape = _one(graph, shape, SH + "qualifiedValueShape")
    if value_shape is not None:
        qmin = _int(_one(graph, shape, SH + "qualifiedMinCount"))
        qmax = _int(_one(graph, shape, SH + "qualifiedMaxCount"))
        what = _value_shape_text(graph, value_shape)
        if qmin:
            out.append(f"at least {qmin} value {what}")
        if qmax == 0:
            out.append(f"no value {what}")
        elif qmax is not None:
            out.append(f"at most {qmax} values {what}")
    if (datatype := _one(graph, shape, SH + "datatype")) is not None:
        out.append(f"datatype `{curie(datatype)}`")
    if (alternatives := _one(graph, shape, SH + "or")) is not None:
        types = [_one(graph, item, SH + "datatype") for item in _list(graph, alternatives)]
        if all(t is not None for t in types):
            out.append("datatype " + " or ".join(f"`{curie(t)}`" for t in types))
        else:
            out.append("one of several shapes")
    if (kind := _one(graph, shape, SH + "nodeKind")) is not None:
        out.append({SH + "IRI": "an IRI", SH + "Literal": "a literal"}.get(str(kind), curie(kind)))
    if (klass := _one(graph, shape, SH + "class")) is not None:
        out.append(f"an instance of `{curie(klass)}`")
    if (allowed := _one(graph, shape, SH + "in")) is not None:
        out.append("one of " + ", ".join(f"`{v}`" for v in _list(graph, allowed)))
    if (pattern := _one(graph, shape, SH + "pattern")) is not None:
        out.append(f"pattern `{pattern}`")
    if (low := _one(graph, shape, SH + "minInclusive")) is not None:
        out.append(f"≥ {low}")
    if (longest := _int(_one(graph, shape, SH + "maxLength"))) is not None:
        out.append(f"at most {longest:,} characters")
    if (languages := _one(graph, shape, SH + "languageIn")) is not None:
        out.append("language " + " or ".join(str(v) for v in _list(graph, languages)))
    if str(_one(graph, shape, SH + "uniqueLang")) == "true":
        out.append("at most one value per language")
    if (other := _one(graph, shape, SH + "lessThan")) is not None:
        out.append(f"before `{curie(other)}`")
    if _one(graph, shape, SH + "sparql") is not None:
        out.append("SPARQL check")
    return tuple(out)


# Constraints comparing a value with other values or other nodes rather than checking the value itself.
RELATIONAL = ("sparql", "lessThan", "lessThanOrEquals", "equals", "disjoint")


def _card_order(column: str) -> tuple[int, str]:
    names = [f.column for f in card.FIELDS]
    return (names.index(column) if column in names else len(names), column)


def shape_doc(graph: Graph, shape: Node) -> ShapeDoc:
    """Return the documentation of one property shape."""
    severity = _one(graph, shape, SH + "severity")
    requirement = _one(graph, shape, CNCSH + "requirement")
    example = _one(graph, shape, CNCSH + "example")
    order = _one(graph, shape, SH + "order")
    min_count = _int(_one(graph, shape, SH + "minCount")) or 0
    if _one(graph, shape, SH + "qualifiedValueShape") is not None:
        min_count = max(min_count, _int(_one(graph, shape, SH + "qualifiedMinCount")) or 0)
    return ShapeDoc(
        iri=str(shape),
        path=_path_text(graph, _one(graph, shape, SH + "path")),
        columns=tuple(sorted((str(c) for c in graph.objects(shape, URIRef(CNCSH + "column"))), key=_card_order)),
        name_fr=literal_text(graph, shape, SH + "name", "fr"),
        name_en=literal_text(graph, shape, SH + "name", "en"),
        description_fr=literal_text(graph, shape, SH + "description", "fr"),
        description_en=literal_text(graph, shape, SH + "description", "en"),
        order=int(str(order)) if order is not None else None,
        severity=str(severity).removeprefix(SH) if severity is not None else "Violation",
        requirement=str(requirement) if requirement is not None else None,
        example=str(example) if example is not None else None,
        min_count=min_count,
        constraints=_constraints(graph, shape),
        relational=any(_one(graph, shape, SH + p) is not None for p in RELATIONAL),
        max_count=_int(_one(graph, shape, SH + "maxCount")),
        max_length=_int(_one(graph, shape, SH + "maxLength")),
        name_ar=literal_text(graph, shape, SH + "name", "ar"),
    )


def node_property_shapes(graph: Graph, node_shape: URIRef) -> list[ShapeDoc]:
    """Return the property shapes of a node shape, sorted by sh:order then IRI."""
    docs = [shape_doc(graph, s) for s in graph.objects(node_shape, URIRef(SH + "property"))]
    return sorted(docs, key=lambda d: (d.order if d.order is not None else 10_000, d.iri))


def qualification_shapes(graph: Graph) -> list[ShapeDoc]:
    """Return the property shapes of cnc:Qualification (the registration card)."""
    return node_property_shapes(graph, QUALIFICATION_SHAPE)


def target_shape(graph: Graph, cls: str) -> URIRef:
    shapes = sorted(s for s in graph.subjects(URIRef(SH + "targetClass"), URIRef(cls)) if isinstance(s, URIRef))
    if not shapes:
        raise ValueError(f"no node shape targets {curie(cls)} in the shapes")
    return shapes[0]


def shape_columns(graph: Graph) -> set[str]:
    """Return every card column named by a cncsh:column of a cnc:Qualification property shape."""
    return {c for s in qualification_shapes(graph) for c in s.columns}


def _rank(shape: ShapeDoc) -> tuple[bool, bool, bool, bool, str]:
    # The shape about this column alone, checking the value itself (Violation) rather than its
    # presence or its relation to other values, comes first; one that only limits counts or lengths, last.
    limit = all(c.startswith("at most") for c in shape.constraints)
    return (len(shape.columns) > 1, limit, shape.severity != "Violation", shape.relational, shape.iri)


def _closest(shapes: Sequence[ShapeDoc], column: str) -> list[ShapeDoc]:
    own = [s for s in shapes if s.columns == (column,)]
    return own or [s for s in shapes if column in s.columns]


def requirement_from_severities(shapes: Sequence[ShapeDoc]) -> str:
    """Return required / recommended / optional as the shapes' severities imply for a missing value."""
    if any(s.min_count and s.severity == "Violation" for s in shapes):
        return "required"
    if any(s.min_count and s.severity == "Warning" for s in shapes):
        return "recommended"
    return "optional"


def column_docs(graph: Graph) -> list[ColumnDoc]:
    """Return the documentation of every card column, in card order."""
    shapes = qualification_shapes(graph)
    nested_shapes: dict[str, list[ShapeDoc]] = {}
    for kind, (cls, prop) in NESTED.items():
        found = [s for s in node_property_shapes(graph, target_shape(graph, cls)) if s.path == curie(prop)]
        nested_shapes[kind] = sorted(found, key=_rank)
    docs = []
    for f in card.FIELDS:
        mine = sorted((s for s in shapes if f.column in s.columns), key=_rank)
        if not mine:
            raise ValueError(f"card column {f.column} has no shape with cncsh:column {f.column!r}")
        requirement = mine[0].requirement or requirement_from_severities(_closest(mine, f.column))
        docs.append(ColumnDoc(f, mine[0], tuple(mine), tuple(nested_shapes.get(f.kind, [])), requirement))
    return docs


def requirement_conflicts(graph: Graph) -> list[str]:
    """Return one message per column whose cncsh:requirement disagrees with its shapes' severities."""
    problems = []
    for doc in column_docs(graph):
        closest = _closest(doc.shapes, doc.field.column)
        annotated = {s.requirement for s in closest if s.requirement}
        implied = requirement_from_severities(closest)
        if annotated != {implied}:
            problems.append(
                f"{doc.field.column}: cncsh:requirement {sorted(annotated)} but the severities make it {implied}"
            )
    return problems


def automatic_shapes(graph: Graph) -> list[ShapeDoc]:
    """Return the qualification property shapes filled by the import or at publication (no card column)."""
    return [s for s in qualification_shapes(graph) if not s.columns]


# --- allowed values --------------------------------------------------------------------------


def region_keys(root: Path | None = None) -> list[str]:
    """Return the keys of Morocco's regions (``region/{key}``) in data/vocab/regions.ttl, by official code."""
    path = (root or Settings().root) / "data" / "vocab" / "regions.ttl"
    graph = Graph()
    graph.parse(path, format="turtle", publicID=DEFAULT_BASE_IRI)
    prefix = DEFAULT_BASE_IRI + "region/"
    regions = [
        (str(graph.value(r, SKOS.notation) or ""), str(r)[len(prefix) :])
        for r in graph.subjects(RDF.type, URIRef(CNC + "Region"))
        if str(r).startswith(prefix)
    ]
    return [key for _, key in sorted(regions)]


def _term_text(kind: str, value: str) -> str:
    """Return the text of the RDF term the importer makes of an enumerated value (for sh:pattern checks)."""
    iri_paths = {
        "status": "vocab/qualification-status/",
        "acquisition-mode": "vocab/acquisition-mode/",
        "subsector": "subsector/",
        "level": "framework/cnc/level/",
    }
    return DEFAULT_BASE_IRI + iri_paths[kind] + value if kind in iri_paths else value


def _shape_patterns(graph: Graph, doc: ColumnDoc) -> list[str]:
    patterns = []
    for s in doc.shapes:
        for pattern in graph.objects(URIRef(s.iri), URIRef(SH + "pattern")):
            patterns.append(str(pattern))
    return sorted(set(patterns))


def allowed_values(graph: Graph, doc: ColumnDoc, root: Path | None = None) -> tuple[list[str], list[str]]:
    """Return (values the card accepts and the shapes allow, values the card accepts but the shapes reject)."""
    kind = doc.field.kind
    values: list[str]
    if kind == "subsector":
        values = list(card.SUBSECTORS)
    elif kind == "level":
        values = [str(n) for n in card.CNC_LEVELS]
    elif kind == "acquisition-mode":
        values = list(card.ACQUISITION_MODES)
    elif kind == "status":
        values = list(card.QUALIFICATION_STATUSES)
    elif kind == "language":
        values = list(card.LANGUAGE_CODES)
    elif kind == "regions":
        return region_keys(root), []
    else:
        return [], []
    patterns = _shape_patterns(graph, doc)
    ok = [v for v in values if all(re.search(p, _term_text(kind, v)) for p in patterns)]
    return ok, [v for v in values if v not in ok]


def format_texts(graph: Graph, doc: ColumnDoc, root: Path | None = None) -> tuple[str, str]:
    """Return the format of a column's cells in French and English."""
    f = doc.field
    fr, en = kinds.describe_kind(f.kind)
    if f.kind in ("text", "outcomes") and f.lang in LANGUAGE_NAMES:
        fr += f", en {LANGUAGE_NAMES[f.lang][0]} (@{f.lang})"
        en += f", in {LANGUAGE_NAMES[f.lang][1]} (@{f.lang})"
    ok, rejected = allowed_values(graph, doc, root)
    if ok:
        listed = ", ".join(ok)
        fr += f" : {listed}"
        en += f": {listed}"
    if f.kind == "subsector":
        spellings = ", ".join(f"« {a} »" for aliases in card.SUBSECTORS.values() for a in aliases)
        fr += f" (ou en français : {spellings})"
        en += f" (or in French: {spellings})"
    if rejected:
        listed = ", ".join(rejected)
        fr += f" ({listed} : acceptés par l'import mais refusés par les formes)"
        en += f" ({listed}: accepted by the import but rejected by the shapes)"
    if f.multi:
        fr += " ; plusieurs valeurs séparées par « | »"
        en += '; several values separated by "|"'
    else:
        fr += " ; une seule valeur"
        en += "; one value"
    return fr, en


def rdf_text(doc: ColumnDoc) -> str:
    f = doc.field
    text = f"`{curie(f.property)}`"
    if f.kind in NESTED:
        cls, prop = NESTED[f.kind]
        text += f" → `{curie(cls)}` / `{curie(prop)}`"
    if f.lang:
        text += f" (`@{f.lang}`)"
    return text

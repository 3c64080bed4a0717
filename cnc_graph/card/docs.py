"""The registration card's documentation and blank templates, derived from the SHACL shapes and ``card.FIELDS``.

The shapes (``shapes/*.ttl``) say what each column means, whether it is required and how it is
checked; ``card.FIELDS`` says which columns exist, their English aliases, RDF properties and the
kind of value the importer accepts. This module turns both into ``docs/registration-card.md`` and
the blank spreadsheets under ``data/templates/``. ``python -m cnc_graph.card.docs`` regenerates
them; a test fails when the committed files differ from what it produces.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SKOS

from cnc_graph.card import fields as card
from cnc_graph.card.fields import ORG_COLUMNS, ORG_ROLES
from cnc_graph.card.kinds import ORG_ID_RE
from cnc_graph.iris import CNC, DCT, FOAF, PREFIXES, SH
from cnc_graph.settings import DEFAULT_BASE_IRI, Settings

CNCSH = "https://w3id.org/cnc-ma/shapes#"
QUALIFICATION_SHAPE = URIRef(CNCSH + "QualificationShape")

DOC_PATH = Path("docs") / "registration-card.md"
TEMPLATE_DIR = Path("data") / "templates"
CSV_FR_PATH = TEMPLATE_DIR / "registration-card-fr.csv"
CSV_EN_PATH = TEMPLATE_DIR / "registration-card-en.csv"
XLSX_PATH = TEMPLATE_DIR / "registration-card.xlsx"
FICHE_SHEET = "fiche"
GUIDE_SHEET = "guide"
# Fixed so that regenerating the workbook gives the same bytes (workbook properties and zip entries).
FIXED_TIMESTAMP = dt.datetime(2025, 1, 1, 0, 0, 0)

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

# What a cell of each card kind holds, in French and English; allowed values are added from card.py.
KIND_FORMATS: dict[str, tuple[str, str]] = {
    "code": (
        "lettres majuscules, chiffres et tirets, unique dans le registre",
        "upper-case letters, digits and dashes, unique in the register",
    ),
    "text": ("texte libre", "free text"),
    "subsector": ("une clé de sous-secteur", "a sub-sector key"),
    "level": ("un nombre entier de 1 à 8", "a whole number from 1 to 8"),
    "organisation": (
        "identifiant d'un organisme de organisations.csv (minuscules, chiffres, tirets)",
        "identifier of an organisation in organisations.csv (lower-case letters, digits, dashes)",
    ),
    "isced-f": ("code CITE-F 2013 de 2 à 4 chiffres", "ISCED-F 2013 code of 2 to 4 digits"),
    "outcomes": ("un énoncé d'acquis par valeur", "one learning-outcome statement per value"),
    "duration": (
        "durée ISO 8601 (P2Y, P6M, P1Y6M, P3W, P10D) ou en mots (« 2 ans », « 6 mois », « 3 semaines », « 10 jours »)",
        'ISO 8601 duration (P2Y, P6M, P1Y6M, P3W, P10D) or words ("2 years", "6 months", "3 weeks", "10 days")',
    ),
    "decimal": (
        "nombre positif ou nul, virgule ou point décimal (60,5 ou 60.5)",
        "number, zero or more, decimal comma or point (60,5 or 60.5)",
    ),
    "integer": ("nombre entier positif ou nul", "whole number, zero or more"),
    "date": (
        "date AAAA-MM-JJ, JJ/MM/AAAA ou cellule date d'Excel",
        "date as YYYY-MM-DD, DD/MM/YYYY or an Excel date cell",
    ),
    "accreditation-body": (
        "identifiant de l'organisme d'assurance qualité dans organisations.csv",
        "identifier of the quality-assurance body in organisations.csv",
    ),
    "accreditation-date": (
        "date AAAA-MM-JJ, JJ/MM/AAAA ou cellule date d'Excel",
        "date as YYYY-MM-DD, DD/MM/YYYY or an Excel date cell",
    ),
    "acquisition-mode": ("un mode d'acquisition", "a way to acquire"),
    "providers": (
        "identifiants d'organismes de organisations.csv (établissements prestataires)",
        "identifiers of organisations in organisations.csv (providers)",
    ),
    "regions": ("clés de régions du Maroc", "keys of Moroccan regions"),
    "esco-occupation": (
        "adresse d'un métier ESCO, http://data.europa.eu/esco/occupation/…",
        "address of an ESCO occupation, http://data.europa.eu/esco/occupation/…",
    ),
    "esco-skill": (
        "adresse d'une compétence ESCO, http://data.europa.eu/esco/skill/…",
        "address of an ESCO skill, http://data.europa.eu/esco/skill/…",
    ),
    "language": ("code de langue ISO 639-1", "ISO 639-1 language code"),
    "iri": (
        "adresse web complète (http:// ou https://, sans espaces)",
        "full web address (http:// or https://, no spaces)",
    ),
    "status": ("statut de la certification", "status of the qualification"),
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
    def example(self) -> str:
        """Return the example cell value given by the column's main shape."""
        return self.main.example or ""

    @property
    def example_shared_with(self) -> tuple[str, ...]:
        """Return the other columns the main shape's example also documents (empty if its own)."""
        return tuple(c for c in self.main.columns if c != self.field.column)


def load_shapes(root: Path | None = None) -> Graph:
    """Return an rdflib graph of every Turtle file under ``root/shapes`` (default: Settings().root)."""
    folder = (root or Settings().root) / "shapes"
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def curie(term: object) -> str:
    """Return an IRI as a prefixed name (``cnc:code``) when a known prefix fits, else as ``<IRI>``."""
    text = str(term)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    if text.startswith(CNCSH):
        return "cncsh:" + text[len(CNCSH) :]
    return f"<{text}>"


def _text(graph: Graph, subject: object, predicate: str, lang: str) -> str:
    values = sorted(
        str(o) for o in graph.objects(subject, URIRef(predicate)) if isinstance(o, Literal) and o.language == lang
    )
    return values[0] if values else ""


def _one(graph: Graph, subject: object, predicate: str) -> object | None:
    values = sorted(graph.objects(subject, URIRef(predicate)), key=str)
    return values[0] if values else None


def _list(graph: Graph, head: object) -> list[object]:
    return list(Collection(graph, head)) if isinstance(head, BNode | URIRef) else []


def _path_text(graph: Graph, path: object) -> str:
    if isinstance(path, URIRef):
        return curie(path)
    inverse = _one(graph, path, SH + "inversePath")
    if inverse is not None:
        return "^" + _path_text(graph, inverse)
    items = _list(graph, path)
    return " / ".join(_path_text(graph, item) for item in items) if items else "?"


def _label(graph: Graph, node: object) -> str:
    return _text(graph, node, str(RDFS.label), "en") or curie(node)


def _value_shape_text(graph: Graph, node: object) -> str:
    languages = _one(graph, node, SH + "languageIn")
    if languages is not None:
        return "in language " + " or ".join(str(v) for v in _list(graph, languages))
    negated = _one(graph, node, SH + "not")
    if negated is not None:
        return f"that is not a {_label(graph, negated)}"
    return f"matching {curie(node)}"


def _int(value: object | None) -> int | None:
    return int(str(value)) if value is not None else None


def _constraints(graph: Graph, shape: object) -> tuple[str, ...]:
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


def shape_doc(graph: Graph, shape: object) -> ShapeDoc:
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
        name_fr=_text(graph, shape, SH + "name", "fr"),
        name_en=_text(graph, shape, SH + "name", "en"),
        description_fr=_text(graph, shape, SH + "description", "fr"),
        description_en=_text(graph, shape, SH + "description", "en"),
        order=int(str(order)) if order is not None else None,
        severity=str(severity).removeprefix(SH) if severity is not None else "Violation",
        requirement=str(requirement) if requirement is not None else None,
        example=str(example) if example is not None else None,
        min_count=min_count,
        constraints=_constraints(graph, shape),
        relational=any(_one(graph, shape, SH + p) is not None for p in RELATIONAL),
    )


def node_property_shapes(graph: Graph, node_shape: URIRef) -> list[ShapeDoc]:
    """Return the property shapes of a node shape, sorted by sh:order then IRI."""
    docs = [shape_doc(graph, s) for s in graph.objects(node_shape, URIRef(SH + "property"))]
    return sorted(docs, key=lambda d: (d.order if d.order is not None else 10_000, d.iri))


def qualification_shapes(graph: Graph) -> list[ShapeDoc]:
    """Return the property shapes of cnc:Qualification (the registration card)."""
    return node_property_shapes(graph, QUALIFICATION_SHAPE)


def _target_shape(graph: Graph, cls: str) -> URIRef:
    shapes = sorted(s for s in graph.subjects(URIRef(SH + "targetClass"), URIRef(cls)) if isinstance(s, URIRef))
    if not shapes:
        raise ValueError(f"no node shape targets {curie(cls)} in the shapes")
    return shapes[0]


def shape_columns(graph: Graph) -> set[str]:
    """Return every card column named by a cncsh:column of a cnc:Qualification property shape."""
    return {c for s in qualification_shapes(graph) for c in s.columns}


def _rank(shape: ShapeDoc) -> tuple[bool, bool, bool, str]:
    # The shape about this column alone, checking the value itself (Violation) rather than its
    # presence or its relation to other values, comes first.
    return (len(shape.columns) > 1, shape.severity != "Violation", shape.relational, shape.iri)


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
        found = [s for s in node_property_shapes(graph, _target_shape(graph, cls)) if s.path == curie(prop)]
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


def _format_texts(graph: Graph, doc: ColumnDoc, root: Path | None = None) -> tuple[str, str]:
    """Return the format of a column's cells in French and English."""
    f = doc.field
    fr, en = KIND_FORMATS[f.kind]
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


def _rdf_text(doc: ColumnDoc) -> str:
    f = doc.field
    text = f"`{curie(f.property)}`"
    if f.kind in NESTED:
        cls, prop = NESTED[f.kind]
        text += f" → `{curie(cls)}` / `{curie(prop)}`"
    if f.lang:
        text += f" (`@{f.lang}`)"
    return text


# --- the Markdown ----------------------------------------------------------------------------

INTRO = """\
# Registration card — fiche d'enregistrement

<!-- Generated by `python -m cnc_graph.card.docs` from shapes/*.ttl and cnc_graph/card.py: do not edit by hand. -->

The **registration card** (*fiche d'enregistrement*) describes one qualification registered in
Morocco's National Qualifications Framework (CNC): its title, sub-sector, CNC level, awarding body,
learning outcomes, legal basis, where and how it is offered, and the documents the facts come from.
Its fields follow Annex VI of the EQF Recommendation (2017) plus what the CNC needs. One schema
(`cnc_graph/card.py`) serves three ways in, and the SHACL shapes (`shapes/qualification.ttl`) decide
in all three what is required and what a valid value is:

1. **Spreadsheet import** — one row per qualification, one file per sub-sector:
   `cnc-graph import inventory FILE.csv|FILE.xlsx [--subsector KEY] [--dry-run]`. The whole file is
   checked before anything is written; any violation imports nothing, warnings are reported. An
   import replaces the sub-sector's inventory graph, so the file holds the sub-sector's whole
   inventory. Blank templates: `data/templates/registration-card-fr.csv` (French headers),
   `registration-card-en.csv` (English headers) and `registration-card.xlsx` (sheet `fiche` to fill
   in, sheet `guide` describing each column).
2. **Registration API** — the same card fields, named by their French column key or English alias,
   submitted as a registration application and reviewed before publication.
3. **RDF** — a `cnc:Qualification` with the RDF properties listed below, checked by the same shapes
   (`cnc-graph validate FILE.ttl --with-graph`).

La fiche d'enregistrement décrit une certification du Cadre national des certifications. Elle se
remplit dans un tableur (une ligne par certification), par l'API d'enregistrement ou directement en
RDF ; les formes SHACL décident partout de ce qui est obligatoire et de ce qu'est une valeur valide.

## Filling in the spreadsheet

- **Header row**: the first row names the columns, by their French key (`intitule_fr`) or English
  alias (`title_fr`); both may be mixed, in any order, in upper or lower case, with spaces for
  underscores. Unknown or repeated column names are refused, with a suggestion for near misses.
  Columns you do not use may be left out, except these, which must be in the header even when a
  cell stays empty: {required_header}. Empty rows are skipped.
- **One value per cell**, except in the multi-valued columns, where values are separated by `|`
  (spaces around it are ignored), e.g. `fr | ar` or `formal-programme|apprenticeship`:
  {multi}.
  Values in the same position of `acquis_fr` and `acquis_en` are the French and English statements
  of the same learning outcome.
- **Dates** (`date_base_legale`, `date_accreditation`, `date_fin_validite`): `YYYY-MM-DD`
  (`2004-06-07`), `DD/MM/YYYY` (`07/06/2004`), an Excel date cell or an Excel date serial number
  (`38145`). Impossible dates (`31/02/2004`) are refused.
- **Durations** (`duree`): ISO 8601 `P2Y` (2 years), `P6M` (6 months), `P3W`, `P10D`, or
  combinations such as `P1Y6M`; or words, in French or English: `2 ans`, `6 mois`, `3 semaines`,
  `10 jours`, `2 years`, `6 months`. They are stored as `xsd:duration`.
- **Numbers**: `credits_ects` takes a decimal point or comma (`60.5`, `60,5`); `volume_horaire` a
  whole number. `niveau_cnc` is a whole number from 1 to 8.
- **References**: organisations by their `id` in `data/inventory/organisations.csv` (e.g. `ofppt`),
  regions by their key (e.g. `casablanca-settat`), ISCED-F fields by code (`0613`), ESCO occupations
  and skills by their full ESCO address.
- **Files and encodings**: `.csv` (also `.tsv`, `.txt`) or `.xlsx`. A CSV file must be UTF-8, with
  or without a byte-order mark (Excel's « CSV UTF-8 »); a Latin-1/Windows-1252 file is refused with
  a message saying how to re-save it. The separator is detected from the header line: comma,
  semicolon (French Excel) or tab; cells are quoted as in RFC 4180 (`"…"`, `""` for a quote). In an
  `.xlsx` workbook the first sheet is read, with the header in row 1.
- **Requirement**: *required* — a missing value is an error (sh:Violation) and nothing is imported;
  *recommended* — a missing value gives a warning (sh:Warning); *optional* — only the format is
  checked. A malformed value is an error whatever the requirement.
"""


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _column_section(graph: Graph, doc: ColumnDoc, root: Path | None) -> list[str]:
    f = doc.field
    fr_label, en_label = REQUIREMENT_LABELS[doc.requirement]
    format_fr, format_en = _format_texts(graph, doc, root)
    example = f"`{doc.example}`" if doc.example else "—"
    if doc.example_shared_with:
        example += " (given for the columns " + ", ".join(f"`{c}`" for c in doc.main.columns) + " together)"
    lines = [
        f"### `{f.column}` — {doc.title}",
        "",
        f"- **English alias**: `{f.english}`",
        f"- **Requirement**: {en_label} ({fr_label})",
        f"- **Meaning**: {doc.main.description_en}",
        f"- **Signification**: {doc.main.description_fr}",
    ]
    for nested in doc.nested[:1]:
        lines.append(f"- **Value**: {nested.description_en} / {nested.description_fr}")
    lines += [
        f"- **Format**: {format_en}",
        f"- **Format (fr)**: {format_fr}",
        f"- **Example**: {example}",
        f"- **RDF**: {_rdf_text(doc)}",
        "- **Checks** (SHACL):",
    ]
    for s in (*doc.shapes, *doc.nested):
        constraints = "; ".join(s.constraints) or "—"
        lines.append(f"  - {s.severity} — *{s.name_en}* (`{s.path}`): {constraints}")
    lines.append("")
    return lines


def _organisation_section(graph: Graph) -> list[str]:
    org_shape = _target_shape(graph, CNC + "Organisation")
    by_path: dict[str, ShapeDoc] = {}
    for s in node_property_shapes(graph, org_shape):
        by_path.setdefault(s.path, s)
    lines = [
        "## organisations.csv",
        "",
        "Every organisation a card refers to (awarding body, quality-assurance body, provider) is a row",
        "of `data/inventory/organisations.csv`; cards name it by its `id`. Multi-valued cells ("
        + ", ".join(f"`{c}`" for c in ORG_MULTI)
        + ") use `|` as above. Roles: "
        + ", ".join(f"`{r}`" for r in ORG_ROLES)
        + ".",
        "",
        "| column | requirement | meaning | RDF property |",
        "|---|---|---|---|",
    ]
    for column in ORG_COLUMNS:
        prop, lang = ORG_PROPERTIES[column]
        if column == "id":
            meaning = (
                f"Identifier of the organisation: lower-case letters, digits and dashes (`{ORG_ID_RE.pattern}`), "
                "e.g. `ofppt`; the organisation's IRI is `organisation/{id}`."
            )
            rdf = "IRI `organisation/{id}`"
        else:
            shape = by_path.get(curie(prop)) if prop else None
            meaning = shape.description_en if shape and lang in (None, "fr") else ""
            if lang and lang != "fr":
                meaning = f"Name of the organisation in {LANGUAGE_NAMES[lang][1]}."
            rdf = f"`{curie(prop)}`" + (f" (`@{lang}`)" if lang else "")
        requirement = "required" if column in ORG_REQUIRED_HEADER_COLUMNS else "optional"
        lines.append(f"| `{column}` | {requirement} | {_md_escape(meaning)} | {rdf} |")
    lines.append("")
    return lines


def _parts_section(graph: Graph) -> list[str]:
    lines = [
        "## Parts of the card in RDF",
        "",
        "The importer turns some columns into nodes of their own; in RDF or through the API they can carry",
        "more than the spreadsheet holds.",
        "",
    ]
    for cls in (CNC + "LearningOutcome", CNC + "Accreditation", CNC + "LearningOpportunity"):
        node = _target_shape(graph, cls)
        lines += [
            f"### `{curie(cls)}` — {_label(graph, node)}",
            "",
            _text(graph, node, str(RDFS.comment), "en"),
            "",
            "| property | name | severity | checks | meaning |",
            "|---|---|---|---|---|",
        ]
        for s in node_property_shapes(graph, node):
            checks = _md_escape("; ".join(s.constraints) or "—")
            lines.append(
                f"| `{_md_escape(s.path)}` | {s.name_en} | {s.severity} | {checks} | {_md_escape(s.description_en)} |"
            )
        lines.append("")
    return lines


def registration_card_markdown(graph: Graph | None = None, root: Path | None = None) -> str:
    """Return the Markdown of docs/registration-card.md, derived from the shapes and card.FIELDS."""
    graph = graph if graph is not None else load_shapes(root)
    docs = column_docs(graph)
    multi = ", ".join(f"`{f.column}`" for f in card.FIELDS if f.multi)
    lines = [
        INTRO.format(
            required_header=", ".join(f"`{c}`" for c in REQUIRED_HEADER_COLUMNS),
            multi=multi,
        ).rstrip("\n"),
        "",
        "## Columns",
        "",
        "| # | French column | English alias | requirement | example | RDF property |",
        "|---|---|---|---|---|---|",
    ]
    for i, doc in enumerate(docs, start=1):
        f = doc.field
        example = f"`{_md_escape(doc.example)}`" if doc.example and not doc.example_shared_with else "see below"
        lines.append(
            f"| {i} | `{f.column}` | `{f.english}` | {doc.requirement} | {example} | {_md_escape(_rdf_text(doc))} |"
        )
    lines += ["", "## Column details", ""]
    for doc in docs:
        lines += _column_section(graph, doc, root)
    lines += [
        "## Filled in automatically",
        "",
        "These properties have no column: the import or the publication sets them.",
        "",
        "| RDF property | name | meaning | example |",
        "|---|---|---|---|",
    ]
    for s in automatic_shapes(graph):
        lines.append(f"| `{s.path}` | {s.name_en} | {_md_escape(s.description_en)} | `{s.example or ''}` |")
    lines.append("")
    lines += _parts_section(graph)
    lines += _organisation_section(graph)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- the templates ---------------------------------------------------------------------------


def template_header(lang: str) -> list[str]:
    """Return the header of the blank card: French column keys (``fr``) or English aliases (``en``)."""
    if lang not in ("fr", "en"):
        raise ValueError(f"template language must be fr or en, not {lang!r}")
    return [f.column if lang == "fr" else f.english for f in card.FIELDS]


def template_csv(lang: str) -> bytes:
    """Return the blank CSV template: UTF-8 with a byte-order mark (for Excel), header row only."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(template_header(lang))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def guide_rows(graph: Graph | None = None, root: Path | None = None) -> list[list[str]]:
    """Return the rows of the workbook's ``guide`` sheet: a header, then one row per card column."""
    graph = graph if graph is not None else load_shapes(root)
    rows = [
        [
            "colonne",
            "English alias",
            "exigence / requirement",
            "signification",
            "meaning",
            "format (fr)",
            "format (en)",
            "exemple / example",
            "propriété RDF / RDF property",
        ]
    ]
    for doc in column_docs(graph):
        fr_label, en_label = REQUIREMENT_LABELS[doc.requirement]
        format_fr, format_en = _format_texts(graph, doc, root)
        example = doc.example
        if doc.example_shared_with:
            example += " (" + ", ".join(doc.main.columns) + ")"
        rows.append(
            [
                doc.field.column,
                doc.field.english,
                f"{fr_label} / {en_label}",
                doc.main.description_fr,
                doc.main.description_en,
                format_fr,
                format_en,
                example,
                _rdf_text(doc).replace("`", ""),
            ]
        )
    return rows


def _deterministic_zip(data: bytes) -> bytes:
    """Return the zip archive rewritten with fixed entry timestamps and attributes, same order."""
    out = io.BytesIO()
    stamp = FIXED_TIMESTAMP.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def template_xlsx(graph: Graph | None = None, root: Path | None = None) -> bytes:
    """Return the blank XLSX template: sheet ``fiche`` (French headers in row 1) and sheet ``guide``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.writer.excel import ExcelWriter

    graph = graph if graph is not None else load_shapes(root)
    docs = column_docs(graph)
    workbook = Workbook()
    fiche = workbook.active
    fiche.title = FICHE_SHEET
    bold = Font(bold=True)
    for index, doc in enumerate(docs, start=1):
        cell = fiche.cell(row=1, column=index, value=doc.field.column)
        cell.font = bold
        letter = get_column_letter(index)
        fiche.column_dimensions[letter].width = max(14, len(doc.field.column) + 4)
        ok, _ = allowed_values(graph, doc, root)
        if ok and not doc.field.multi and len(",".join(ok)) < 250:
            # A drop-down for single-valued enumerations; a warning only, since the importer also
            # accepts other spellings (e.g. a sub-sector's French name).
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(ok) + '"',
                allow_blank=True,
                errorStyle="warning",
                showErrorMessage=True,
                error=f"Valeurs attendues : {', '.join(ok)} (voir la feuille {GUIDE_SHEET}).",
                errorTitle=doc.field.column,
            )
            validation.add(f"{letter}2:{letter}1000")
            fiche.add_data_validation(validation)
    fiche.freeze_panes = "A2"
    guide = workbook.create_sheet(GUIDE_SHEET)
    widths = (22, 22, 24, 60, 60, 50, 50, 40, 40)
    for row in guide_rows(graph, root):
        guide.append(row)
    for index, width in enumerate(widths, start=1):
        guide.column_dimensions[get_column_letter(index)].width = width
    for cell in guide[1]:
        cell.font = bold
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide.freeze_panes = "A2"
    properties = workbook.properties
    properties.creator = "CNC Graph"
    properties.lastModifiedBy = "CNC Graph"
    properties.title = "Fiche d'enregistrement CNC / CNC registration card"
    properties.created = FIXED_TIMESTAMP
    properties.modified = FIXED_TIMESTAMP
    buffer = io.BytesIO()
    # ExcelWriter rather than Workbook.save, which stamps the current time as the modified date.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    return _deterministic_zip(buffer.getvalue())


def generated_files(root: Path | None = None) -> dict[Path, bytes]:
    """Return every generated file (path relative to the resources root → content)."""
    graph = load_shapes(root)
    return {
        DOC_PATH: registration_card_markdown(graph, root).encode("utf-8"),
        CSV_FR_PATH: template_csv("fr"),
        CSV_EN_PATH: template_csv("en"),
        XLSX_PATH: template_xlsx(graph, root),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate docs/registration-card.md and the templates (``--check``: only report stale files)."""
    parser = argparse.ArgumentParser(prog="python -m cnc_graph.card.docs", description=main.__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is out of date")
    parser.add_argument("--root", type=Path, default=None, help="resources root (default: the installation's)")
    args = parser.parse_args(argv)
    root = args.root or Settings().root
    stale = []
    for relative, content in generated_files(root).items():
        path = root / relative
        if path.exists() and path.read_bytes() == content:
            print(f"up to date: {relative}")
            continue
        stale.append(relative)
        if args.check:
            print(f"out of date: {relative}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            print(f"wrote: {relative}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

"""The official ESCO CSV distribution → RDF, with ESCO's own IRIs and terms.

Reads a folder of the ESCO CSV download (or one of its files), in one or several languages; the
language of a file is the suffix of its name (``skills_en.csv``, ``occupations_fr.csv``,
``skills_en_subset.csv``). Files are streamed row by row and triples are yielded as they are made,
so the full distribution (≈14k skills with long texts, ≈120k occupation–skill relations) is never
held as text in memory.

The RDF follows the ESCO model (http://data.europa.eu/esco/model#, checked against the model's
documentation): occupations are ``esco:Occupation`` and skills ``esco:Skill`` (both
``esco:MemberConcept``); the model has no class for ISCO groups or skill groups, which are
``esco:GroupConcept`` told apart by their ``skos:inScheme`` and IRI. Occupation–skill links are
``esco:relatedEssentialSkill`` / ``esco:relatedOptionalSkill``, an occupation's ISCO unit group is
``esco:memberOfISCOGroup``, skill types and reuse levels are ESCO's concept IRIs
(``…/skill-type/knowledge``, ``…/skill-reuse-level/cross-sector``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cnc_graph.errors import InputError, Location
from cnc_graph.ingest.esco.files import (
    ISCO_GROUP,
    OCCUPATION,
    SKILL,
    SKILL_GROUP,
    CsvRow,
    EscoFile,
    Progress,
    plan_files,
    read_rows,
    version_from_path,
)
from cnc_graph.iris import DCAT, DCT, ESCO_MODEL, RDF, SKOS, XSD

ESCO = "http://data.europa.eu/esco/"
ESCO_SITE = "https://esco.ec.europa.eu/"
ISO_THES = "http://purl.org/iso25964/skos-thes#"
ISCO_SCHEME = ESCO + "concept-scheme/isco"

CONCEPT_KINDS = (OCCUPATION, SKILL, ISCO_GROUP, SKILL_GROUP)
KIND_BY_CONCEPT_TYPE = {
    "Occupation": OCCUPATION,
    "KnowledgeSkillCompetence": SKILL,
    "ISCOGroup": ISCO_GROUP,
    "SkillGroup": SKILL_GROUP,
}
RDF_TYPES: dict[str, tuple[str, ...]] = {
    OCCUPATION: (SKOS + "Concept", ESCO_MODEL + "Occupation", ESCO_MODEL + "MemberConcept"),
    SKILL: (SKOS + "Concept", ESCO_MODEL + "Skill", ESCO_MODEL + "MemberConcept"),
    ISCO_GROUP: (SKOS + "Concept", ESCO_MODEL + "GroupConcept"),
    SKILL_GROUP: (SKOS + "Concept", ESCO_MODEL + "GroupConcept"),
}
SKILL_TYPES = {"skill/competence": ESCO + "skill-type/skill", "knowledge": ESCO + "skill-type/knowledge"}
REUSE_LEVELS = {
    level: ESCO + "skill-reuse-level/" + level
    for level in ("transversal", "cross-sector", "sector-specific", "occupation-specific")
}
RELATION_PROPERTIES = {
    "essential": ESCO_MODEL + "relatedEssentialSkill",
    "optional": ESCO_MODEL + "relatedOptionalSkill",
}

# Names of the relations counted in EscoStats.relations, by property.
RELATION_NAMES = {
    SKOS + "broader": "broader",
    ESCO_MODEL + "memberOfISCOGroup": "memberOfISCOGroup",
    ESCO_MODEL + "relatedEssentialSkill": "essentialSkill",
    ESCO_MODEL + "relatedOptionalSkill": "optionalSkill",
}
LABEL_PROPERTIES = {SKOS + "prefLabel": "prefLabel", SKOS + "altLabel": "altLabel", SKOS + "hiddenLabel": "hiddenLabel"}

IRI_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
ISCO_CODE_RE = re.compile(r"^\d{1,4}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$")

A = ox.NamedNode(RDF + "type")
SKOS_CONCEPT = ox.NamedNode(SKOS + "Concept")
PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
ALT_LABEL = ox.NamedNode(SKOS + "altLabel")


# --- which file is which -------------------------------------------------------------------


# --- reading CSV rows, streaming -------------------------------------------------------------


# --- rows → triples --------------------------------------------------------------------------


@dataclass
class EscoStats:
    """What a conversion produced, counted on distinct triples."""

    concepts: Counter[str] = field(default_factory=Counter)
    relations: Counter[str] = field(default_factory=Counter)
    labels: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    coverage: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    triples: int = 0
    rows: int = 0
    demoted_labels: int = 0
    version: str = "unknown"
    modified: str | None = None
    files: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def count(self, triple: ox.Triple, kind: str | None) -> None:
        """Count one new triple: a relation or a label (concepts are counted per kind by ``esco_triples``)."""
        self.triples += 1
        predicate = triple.predicate.value
        if predicate in RELATION_NAMES:
            self.relations[RELATION_NAMES[predicate]] += 1
        elif predicate in LABEL_PROPERTIES and isinstance(triple.object, ox.Literal):
            lang = triple.object.language or "none"
            self.labels[lang][LABEL_PROPERTIES[predicate]] += 1
            if predicate == SKOS + "prefLabel" and kind:
                self.coverage[kind][lang] += 1


class _RowConverter:
    """Turns one row of one file into triples; a bad cell is an InputError naming file, line and column."""

    def __init__(self, file: EscoFile, derive_occupation_hierarchy: bool) -> None:
        self.file = file
        self.source = str(file.path)
        self.lang = file.lang
        self.derive = derive_occupation_hierarchy
        # Collections separate multiple values with " | ", the pillar files with new lines.
        self.pipe_lists = False
        self.latest_modified: str | None = None

    def fail(self, row: CsvRow, column: str, en: str, fr: str) -> InputError:
        """Return the error for one cell."""
        return InputError(en, Location(file=self.source, line=row.line, field=column), fr)

    def iri(self, row: CsvRow, column: str, text: str | None = None) -> ox.NamedNode:
        """Return the IRI in a cell (or ``text``), which must be an absolute http(s) IRI."""
        value = row.get(column) if text is None else text.strip()
        if not value:
            raise self.fail(row, column, "empty IRI", "IRI vide")
        if not IRI_RE.fullmatch(value):
            raise self.fail(
                row,
                column,
                f"« {value} » is not an IRI (http://…, no spaces)",
                f"« {value} » n'est pas une IRI (http://…, sans espaces)",
            )
        return ox.NamedNode(value)

    def text(self, value: str) -> ox.Literal:
        """Return a literal in the file's language."""
        return ox.Literal(value, language=self.lang) if self.lang else ox.Literal(value)

    def values(self, row: CsvRow, column: str) -> list[str]:
        """Return the values of a multi-valued cell (new-line separated, or ' | ' in collections)."""
        raw = row.cells.get(column) or ""
        parts = raw.split("\n")
        if self.pipe_lists:
            parts = [p for part in parts for p in part.split(" | ")]
        return [p.strip() for p in parts if p.strip()]

    # -- concept files ---------------------------------------------------------------------

    def concept(self, row: CsvRow) -> tuple[str, list[ox.Triple]]:
        """Return the kind of the concept a row describes and its triples."""
        kind = self._kind(row)
        s = self.iri(row, "conceptUri")
        out = [ox.Triple(s, A, ox.NamedNode(t)) for t in RDF_TYPES[kind]]

        def add(p: str, o: ox.NamedNode | ox.Literal) -> None:
            out.append(ox.Triple(s, ox.NamedNode(p), o))

        label = row.get("preferredLabel")
        if label:
            add(SKOS + "prefLabel", self.text(label))
        for column, prop in (("altLabels", "altLabel"), ("hiddenLabels", "hiddenLabel")):
            for value in self.values(row, column):
                # ESCO rows often repeat the preferred label among the others; SKOS keeps them disjoint.
                if value != label:
                    add(SKOS + prop, self.text(value))
        for column, prop in (
            ("description", DCT + "description"),
            ("definition", SKOS + "definition"),
            ("scopeNote", SKOS + "scopeNote"),
        ):
            value = row.get(column)
            if value:
                add(prop, self.text(value))
        for scheme in re.split(r"[,\n]", row.cells.get("inScheme") or ""):
            if scheme.strip():
                add(SKOS + "inScheme", self.iri(row, "inScheme", scheme))
        if row.get("status"):
            add(ISO_THES + "status", ox.Literal(row.get("status")))
        if row.get("modifiedDate"):
            add(DCT + "modified", self._datetime(row, "modifiedDate"))
        if kind == ISCO_GROUP:
            out.extend(self._isco_group(row, s))
        elif kind == OCCUPATION:
            out.extend(self._occupation(row, s))
        elif kind == SKILL:
            out.extend(self._skill(row, s))
        if kind != ISCO_GROUP and row.get("code"):
            add(SKOS + "notation", ox.Literal(row.get("code")))
        for broader in self.values(row, "broaderConceptUri"):
            add(SKOS + "broader", self.iri(row, "broaderConceptUri", broader))
        return kind, out

    def _kind(self, row: CsvRow) -> str:
        declared = row.get("conceptType")
        if not declared:
            assert self.file.kind.concept_kind is not None
            return self.file.kind.concept_kind
        kind = KIND_BY_CONCEPT_TYPE.get(declared)
        if kind is None:
            known = ", ".join(KIND_BY_CONCEPT_TYPE)
            raise self.fail(
                row,
                "conceptType",
                f"unknown conceptType « {declared} » (expected {known})",
                f"conceptType « {declared} » inconnu (attendu : {known})",
            )
        return kind

    def _isco_code(self, row: CsvRow, column: str) -> str:
        code = row.get(column)
        if not ISCO_CODE_RE.fullmatch(code):
            raise self.fail(
                row,
                column,
                f"« {code} » is not an ISCO-08 code (1 to 4 digits)",
                f"« {code} » n'est pas un code CITP-08 (1 à 4 chiffres)",
            )
        return code

    def _isco_group(self, row: CsvRow, s: ox.NamedNode) -> list[ox.Triple]:
        code = self._isco_code(row, "code")
        out = [
            ox.Triple(s, ox.NamedNode(SKOS + "notation"), ox.Literal(code)),
            ox.Triple(s, ox.NamedNode(SKOS + "inScheme"), ox.NamedNode(ISCO_SCHEME)),
        ]
        if self.derive and len(code) > 1:
            # ISCO-08 codes are strictly hierarchical: 0110 is in 011, in 01, in 0.
            out.append(ox.Triple(s, ox.NamedNode(SKOS + "broader"), ox.NamedNode(f"{ESCO}isco/C{code[:-1]}")))
        return out

    def _occupation(self, row: CsvRow, s: ox.NamedNode) -> list[ox.Triple]:
        out: list[ox.Triple] = []
        if row.get("iscoGroup"):
            group = ox.NamedNode(f"{ESCO}isco/C{self._isco_code(row, 'iscoGroup')}")
            out.append(ox.Triple(s, ox.NamedNode(ESCO_MODEL + "memberOfISCOGroup"), group))
            if self.derive:
                out.append(ox.Triple(s, ox.NamedNode(SKOS + "broader"), group))
        note = row.get("regulatedProfessionNote")
        if note:
            value: ox.NamedNode | ox.Literal = ox.NamedNode(note) if IRI_RE.fullmatch(note) else self.text(note)
            out.append(ox.Triple(s, ox.NamedNode(ESCO_MODEL + "regulatedProfessionNote"), value))
        return out

    def _skill(self, row: CsvRow, s: ox.NamedNode) -> list[ox.Triple]:
        out: list[ox.Triple] = []
        for token in row.get("skillType").split():
            if token not in SKILL_TYPES:
                raise self.fail(
                    row,
                    "skillType",
                    f"unknown skillType « {token} » (expected {' or '.join(SKILL_TYPES)})",
                    f"skillType « {token} » inconnu (attendu : {' ou '.join(SKILL_TYPES)})",
                )
            out.append(ox.Triple(s, ox.NamedNode(ESCO_MODEL + "skillType"), ox.NamedNode(SKILL_TYPES[token])))
        level = row.get("reuseLevel")
        if level:
            if level not in REUSE_LEVELS:
                raise self.fail(
                    row,
                    "reuseLevel",
                    f"unknown reuseLevel « {level} » (expected {', '.join(REUSE_LEVELS)})",
                    f"reuseLevel « {level} » inconnu (attendu : {', '.join(REUSE_LEVELS)})",
                )
            out.append(ox.Triple(s, ox.NamedNode(ESCO_MODEL + "skillReuseLevel"), ox.NamedNode(REUSE_LEVELS[level])))
        return out

    def _datetime(self, row: CsvRow, column: str) -> ox.Literal:
        value = row.get(column)
        if not DATETIME_RE.fullmatch(value):
            raise self.fail(
                row,
                column,
                f"« {value} » is not a date-time (YYYY-MM-DDThh:mm:ssZ)",
                f"« {value} » n'est pas une date-heure (AAAA-MM-JJThh:mm:ssZ)",
            )
        if self.latest_modified is None or value > self.latest_modified:
            self.latest_modified = value
        datatype = "dateTime" if "T" in value else "date"
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))

    # -- hierarchy and relation files --------------------------------------------------------

    def hierarchy(self, row: CsvRow) -> list[ox.Triple]:
        """Return the triples of a skillsHierarchy row: each level's labels and its broader level."""
        out: list[ox.Triple] = []
        parent: ox.NamedNode | None = None
        deepest: ox.NamedNode | None = None
        for level in range(4):
            column = f"Level {level} URI"
            if not row.get(column):
                continue
            node = self.iri(row, column)
            out.extend(ox.Triple(node, A, ox.NamedNode(t)) for t in RDF_TYPES[SKILL_GROUP])
            label = row.get(f"Level {level} preferred term")
            if label:
                out.append(ox.Triple(node, ox.NamedNode(SKOS + "prefLabel"), self.text(label)))
            if parent is not None:
                out.append(ox.Triple(node, ox.NamedNode(SKOS + "broader"), parent))
            parent = deepest = node
        if deepest is not None:
            for column, prop in (("Description", DCT + "description"), ("Scope note", SKOS + "scopeNote")):
                if row.get(column):
                    out.append(ox.Triple(deepest, ox.NamedNode(prop), self.text(row.get(column))))
        return out

    def broader(self, row: CsvRow) -> list[ox.Triple]:
        """Return the skos:broader triple of a broader-relations row."""
        return [ox.Triple(self.iri(row, "conceptUri"), ox.NamedNode(SKOS + "broader"), self.iri(row, "broaderUri"))]

    def occupation_skill(self, row: CsvRow) -> list[ox.Triple]:
        """Return the essential/optional skill triple of an occupation–skill relations row."""
        relation = row.get("relationType").lower()
        if relation not in RELATION_PROPERTIES:
            raise self.fail(
                row,
                "relationType",
                f"unknown relationType « {row.get('relationType')} » (expected essential or optional)",
                f"relationType « {row.get('relationType')} » inconnu (attendu : essential ou optional)",
            )
        occupation = self.iri(row, "occupationUri")
        skill = self.iri(row, "skillUri")
        return [ox.Triple(occupation, ox.NamedNode(RELATION_PROPERTIES[relation]), skill)]


def esco_triples(
    path: Path,
    base_iri: str,
    version: str | None = None,
    stats: EscoStats | None = None,
    progress: Progress | None = None,
) -> Iterator[ox.Triple]:
    """Yield the distinct triples of an ESCO CSV folder or file, then those of the ``dataset/esco`` node.

    ``stats`` (if given) is filled as the triples are yielded. Without a broaderRelationsOccPillar
    file, the occupations pillar's hierarchy is taken from the occupations' iscoGroup column and the
    ISCO-08 codes themselves.
    """
    stats = stats if stats is not None else EscoStats()
    plan = plan_files(path)
    stats.skipped.update(plan.skipped)
    stats.version = version or version_from_path(path) or "unknown"
    derive = not plan.has_occupation_hierarchy
    seen: set[ox.Triple] = set()
    concepts: set[tuple[str, str]] = set()
    preferred: dict[tuple[str, str], str] = {}
    for index, file in enumerate(plan.files, start=1):
        if progress:
            progress(f"reading {file.path.name}", index, len(plan.files))
        stats.files.append(str(file.path))
        converter = _RowConverter(file, derive)
        converter.pipe_lists = file.kind.name.endswith("Collection")
        for row in read_rows(file.path, file.kind.required):
            stats.rows += 1
            kind: str | None = None
            if file.kind.reader == "concepts":
                kind, triples = converter.concept(row)
            elif file.kind.reader == "hierarchy":
                kind, triples = SKILL_GROUP, converter.hierarchy(row)
            elif file.kind.reader == "broader":
                triples = converter.broader(row)
            else:
                triples = converter.occupation_skill(row)
            for triple in triples:
                if not isinstance(triple.subject, ox.NamedNode):
                    continue  # ESCO's rows only ever describe concepts named by IRIs
                subject = triple.subject.value
                if triple.predicate == PREF_LABEL and isinstance(triple.object, ox.Literal):
                    # SKOS allows one prefLabel per language: when files of different ESCO versions
                    # disagree, the first one read stays preferred and the other becomes an altLabel.
                    key = (subject, triple.object.language or "")
                    if preferred.setdefault(key, triple.object.value) != triple.object.value:
                        triple = ox.Triple(triple.subject, ALT_LABEL, triple.object)
                        stats.demoted_labels += 1
                if kind and triple.object == SKOS_CONCEPT and triple.predicate == A:
                    # Counted per kind: across ESCO versions a concept can change kind (skill group → skill).
                    key = (subject, kind)
                    if key not in concepts:
                        concepts.add(key)
                        stats.concepts[kind] += 1
                if triple not in seen:
                    seen.add(triple)
                    stats.count(triple, kind)
                    yield triple
        if converter.latest_modified and (stats.modified is None or converter.latest_modified > stats.modified):
            stats.modified = converter.latest_modified
    for triple in dataset_triples(base_iri, stats.version, stats.modified):
        stats.count(triple, None)
        yield triple


def dataset_iri(base_iri: str) -> str:
    """Return the IRI of the node describing the loaded ESCO dataset."""
    return f"{base_iri}dataset/esco"


def dataset_triples(base_iri: str, version: str, modified: str | None) -> list[ox.Triple]:
    """Return the description of the loaded ESCO dataset: version, source and latest concept modification."""
    s = ox.NamedNode(dataset_iri(base_iri))
    out = [
        ox.Triple(s, A, ox.NamedNode(DCAT + "Dataset")),
        ox.Triple(
            s,
            ox.NamedNode(DCT + "title"),
            ox.Literal("ESCO – European Skills, Competences, Qualifications and Occupations", language="en"),
        ),
        ox.Triple(s, ox.NamedNode(DCT + "hasVersion"), ox.Literal(version)),
        ox.Triple(s, ox.NamedNode(DCT + "source"), ox.NamedNode(ESCO_SITE)),
    ]
    if modified:
        datatype = "dateTime" if "T" in modified else "date"
        out.append(
            ox.Triple(s, ox.NamedNode(DCT + "modified"), ox.Literal(modified, datatype=ox.NamedNode(XSD + datatype)))
        )
    return out


def concept_kind_order(kinds: Iterable[str]) -> list[str]:
    """Return concept kinds in the order reports list them (occupations, skills, ISCO groups, skill groups)."""
    return sorted(kinds, key=lambda k: CONCEPT_KINDS.index(k) if k in CONCEPT_KINDS else len(CONCEPT_KINDS))

"""The registration card: one schema for the inventory spreadsheet, the registration API and RDF.

Each field names its spreadsheet column (French key, English alias), the RDF property it becomes
and the kind of value it takes. Whether a field is required, its labels and its messages live in
the SHACL shapes (``shapes/qualification.ttl``, annotation ``cncsh:column``); a test keeps the two
in step, and ``docs/registration-card.md`` is generated from both.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnc_graph.iris import CNC, DCT, FOAF

COUNTRY_MOROCCO = "http://publications.europa.eu/resource/authority/country/MAR"
ISCED_F = "http://data.europa.eu/snb/isced-f/"
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"

SUBSECTORS = {
    "general-education": ("enseignement-general", "enseignement général"),
    "vocational-training": ("formation-professionnelle", "formation professionnelle"),
    "higher-education": ("enseignement-superieur", "enseignement supérieur"),
    "continuing-training": ("formation-continue", "formation continue"),
}
ACQUISITION_MODES = (
    "formal-programme",
    "apprenticeship",
    "work-based-training",
    "validation-of-prior-learning",
    "distance-learning",
    "continuing-training",
)
QUALIFICATION_STATUSES = ("active", "archived")
LANGUAGE_CODES = ("fr", "ar", "en", "es", "de", "zgh")
CNC_LEVELS = range(1, 9)

# organisations.csv, the companion of the inventory spreadsheet: its columns and the roles it knows.
ORG_COLUMNS = ("id", "nom_fr", "nom_ar", "nom_en", "sigle", "roles", "parent", "region", "site_web", "source")
ORG_ROLES = ("ministry", "awarding-body", "provider", "qa-agency", "subsector-authority", "coordinating-body")


@dataclass(frozen=True)
class CardField:
    """One field of the registration card."""

    column: str
    english: str
    property: str
    kind: str
    multi: bool = False
    lang: str | None = None
    # For a value that sits on a node of its own (see NODES): the node's name and its property there.
    node: str | None = None
    node_property: str | None = None


@dataclass(frozen=True)
class NestedNode:
    """A node the card hangs some of its values on, linked from the qualification by the fields' property."""

    name: str
    cls: str
    # One node per value position (the n-th outcome in French and in English share a node), or one node.
    per_value: bool = False
    # Extra statement the node carries: (property, "qualification") links it back to the qualification.
    back_link: str | None = None


NODES: dict[str, NestedNode] = {
    "outcome": NestedNode("outcome", CNC + "LearningOutcome", per_value=True),
    "opportunity": NestedNode("opportunity", CNC + "LearningOpportunity", back_link=CNC + "leadsTo"),
    "accreditation": NestedNode("accreditation", CNC + "Accreditation"),
}


FIELDS: tuple[CardField, ...] = (
    CardField("code", "code", CNC + "code", "code"),
    CardField("intitule_fr", "title_fr", DCT + "title", "text", lang="fr"),
    CardField("intitule_ar", "title_ar", DCT + "title", "text", lang="ar"),
    CardField("intitule_en", "title_en", DCT + "title", "text", lang="en"),
    CardField("sous_secteur", "subsector", CNC + "subSector", "subsector"),
    CardField("niveau_cnc", "cnc_level", CNC + "level", "level"),
    CardField("organisme_certificateur", "awarding_body", CNC + "awardingBody", "organisation"),
    CardField("domaine_isced_f", "isced_f_field", CNC + "iscedField", "isced-f"),
    CardField("description_fr", "description_fr", DCT + "description", "text", lang="fr"),
    CardField("description_en", "description_en", DCT + "description", "text", lang="en"),
    CardField(
        "acquis_fr",
        "learning_outcomes_fr",
        CNC + "hasLearningOutcome",
        "outcomes",
        True,
        "fr",
        node="outcome",
        node_property=CNC + "statement",
    ),
    CardField(
        "acquis_en",
        "learning_outcomes_en",
        CNC + "hasLearningOutcome",
        "outcomes",
        True,
        "en",
        node="outcome",
        node_property=CNC + "statement",
    ),
    CardField("conditions_acces", "entry_requirements", CNC + "entryRequirements", "text", lang="fr"),
    CardField("duree", "duration", CNC + "duration", "duration"),
    CardField("credits_ects", "ects_credits", CNC + "creditPoints", "decimal"),
    CardField("volume_horaire", "volume_hours", CNC + "volumeHours", "integer"),
    CardField("base_legale", "legal_basis", CNC + "legalBasis", "text"),
    CardField("date_base_legale", "legal_basis_date", CNC + "legalBasisDate", "date"),
    CardField(
        "organisme_qa",
        "qa_body",
        CNC + "hasAccreditation",
        "accreditation-body",
        node="accreditation",
        node_property=CNC + "accreditingBody",
    ),
    CardField(
        "date_accreditation",
        "accreditation_date",
        CNC + "hasAccreditation",
        "accreditation-date",
        node="accreditation",
        node_property=CNC + "decisionDate",
    ),
    CardField("date_fin_validite", "valid_until", CNC + "validUntil", "date"),
    CardField("modes_acquisition", "ways_to_acquire", CNC + "wayToAcquire", "acquisition-mode", True),
    CardField(
        "prestataires",
        "providers",
        CNC + "hasLearningOpportunity",
        "providers",
        True,
        node="opportunity",
        node_property=CNC + "providedBy",
    ),
    CardField(
        "regions",
        "regions",
        CNC + "hasLearningOpportunity",
        "regions",
        True,
        node="opportunity",
        node_property=CNC + "region",
    ),
    CardField("metiers_esco", "esco_occupations", CNC + "relatedOccupation", "esco-occupation", True),
    CardField("competences_esco", "esco_skills", CNC + "relatedSkill", "esco-skill", True),
    CardField("langues", "languages", CNC + "instructionLanguage", "language", True),
    CardField("lien", "url", FOAF + "page", "iri"),
    CardField("statut", "status", CNC + "status", "status"),
    CardField("source", "source", DCT + "source", "iri", True),
)

BY_COLUMN: dict[str, CardField] = {f.column: f for f in FIELDS}
COLUMN_ALIASES: dict[str, str] = {f.english: f.column for f in FIELDS} | {f.column: f.column for f in FIELDS}
MULTI_SEPARATOR = "|"
NESTED_FIELDS: tuple[CardField, ...] = tuple(f for f in FIELDS if f.node)


def canonical_column(name: str) -> str | None:
    """Return the card column a (French or English) header names, or None if it is unknown."""
    return COLUMN_ALIASES.get(name)


def subsector_key(value: str) -> str | None:
    """Return the sub-sector key for a key or its French spelling, or None."""
    text = value.strip().lower()
    for key, aliases in SUBSECTORS.items():
        if text == key or text in aliases:
            return key
    return None

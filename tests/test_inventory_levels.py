"""The shipped inventory, as built into the graph, follows the published CNC diploma→level table.

The table is the ACQF NQF inventory's list of qualifications per CNC level (see
/work/shared/reference/README.md, "Qualifications per level"). Each row names a diploma type, a
regular expression that recognises it in the French titles of the inventory, and its level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
import pytest

from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import BASE

QUALIFICATIONS = """
SELECT ?q ?code ?title ?level ?subsector (COUNT(?source) AS ?sources)
WHERE {
    ?q a cnc:Qualification ; cnc:code ?code ; dct:title ?title .
    FILTER (lang(?title) = "fr")
    OPTIONAL { ?q cnc:level/cnc:levelNumber ?level }
    OPTIONAL { ?q cnc:subSector ?subsector }
    OPTIONAL { ?q dct:source ?source }
}
GROUP BY ?q ?code ?title ?level ?subsector
"""

# (diploma type as the table names it, regex over the French title, CNC level).
LEVEL_TABLE: list[tuple[str, str, int]] = [
    ("Doctorat", r"^Doctorat\b", 8),
    ("Master (M)", r"^Master\b", 7),
    ("Master Spécialisé (MS)", r"^Master spécialisé\b", 7),
    ("Master Sciences et Techniques (MST)", r"^Master (en )?sciences et techniques\b", 7),
    ("Diplôme d'Ingénieur (DI)", r"^Diplôme d['’]ingénieur\b", 7),
    ("Diplôme d'ENCG", r"\bENCG\b|Écoles? nationales? de commerce et de gestion", 7),
    ("diplôme de traduction", r"^Diplôme de tradu(cteur|ction)\b", 7),
    ("Licence d'Études Fondamentales (LF)", r"^Licence d['’]études fondamentales\b", 6),
    ("Licence Professionnelle", r"^Licence professionnelle\b", 6),
    ("Technicien spécialisé", r"\bTechnicien spécialisé\b", 5),
    ("Brevet de technicien supérieur (BTS)", r"^Brevet de technicien supérieur\b|\bBTS\b", 5),
    ("DEUG", r"\bDEUG\b|^Diplôme d['’]études universitaires générales\b", 5),
    ("DEUP", r"\bDEUP\b|^Diplôme d['’]études universitaires professionnelles\b", 5),
    ("DUT", r"^DUT\b|^Diplôme universitaire de technologie\b", 5),
    ("Baccalauréat", r"^Baccalauréat\b", 4),
    # Technicien, not Technicien spécialisé (5) nor Brevet de technicien supérieur (5).
    ("Technicien", r"^Technicien\b(?!\s+spécialisé)", 4),
    ("CE9 (end of lower secondary)", r"\bsecondaire collégial\b|\bCE9\b", 3),
    # OFPPT's generic entry, the agricultural "ouvrier qualifié" (level Qualification) and the
    # apprenticeship diploma of qualification.
    ("Qualification", r"^Qualification\b|^Ouvrier qualifié\b|^Diplôme de qualification professionnelle\b", 3),
    ("Primary", r"\bétudes primaires\b", 2),
    ("Spécialisation", r"^Spécialisation\b|^Diplôme de spécialisation professionnelle\b", 2),
    ("Certificat de Formation Professionnelle (CFP)", r"^Certificat de formation professionnelle\b|\(CFP\)", 1),
]

# Qualifications with a level whose title names no diploma type of the table. The two ITPM
# diplomas are described by their sources as two-year "formation des techniciens" and were given
# the Technicien level (4) by the inventory's compiler, not by the table itself.
LEVEL_WITHOUT_TABLE_ROW = {"PECHE-ITPM-PP", "PECHE-ITPM-OM3"}


@dataclass(frozen=True)
class Qualification:
    """One qualification of the built graph, as these tests need it."""

    code: str
    title: str
    level: int | None
    subsector: str | None
    sources: int


@pytest.fixture(scope="module")
def qualifications(built_store: OxigraphStore) -> list[Qualification]:
    """Every qualification of the built graph with its French title, level, sub-sector and source count."""
    result = built_store.query(QUALIFICATIONS)
    assert isinstance(result, ox.QuerySolutions)
    found = []
    for row in result:
        level, subsector = row["level"], row["subsector"]
        found.append(
            Qualification(
                code=row["code"].value,
                title=row["title"].value,
                level=int(level.value) if level is not None else None,
                subsector=subsector.value if subsector is not None else None,
                sources=int(row["sources"].value),
            )
        )
    return sorted(found, key=lambda q: q.code)


def matching(qualifications: list[Qualification], pattern: str) -> list[Qualification]:
    regex = re.compile(pattern, re.IGNORECASE)
    return [q for q in qualifications if regex.search(q.title)]


@pytest.mark.parametrize(("diploma", "pattern", "level"), LEVEL_TABLE, ids=[row[0] for row in LEVEL_TABLE])
def test_diploma_type_has_its_cnc_level(
    qualifications: list[Qualification], diploma: str, pattern: str, level: int
) -> None:
    found = matching(qualifications, pattern)
    assert found, f"no qualification of type {diploma} in the graph"
    wrong = [(q.code, q.title, q.level) for q in found if q.level != level]
    assert wrong == [], f"{diploma} is level {level} in the CNC table"


def test_every_qualification_with_a_level_is_a_diploma_type_of_the_table(
    qualifications: list[Qualification],
) -> None:
    covered = {q.code for _, pattern, _ in LEVEL_TABLE for q in matching(qualifications, pattern)}
    uncovered = {q.code for q in qualifications if q.level is not None and q.code not in covered}
    assert uncovered == LEVEL_WITHOUT_TABLE_ROW


def test_technicien_does_not_match_technicien_specialise(qualifications: list[Qualification]) -> None:
    technicien = {q.code for q in matching(qualifications, dict((d, p) for d, p, _ in LEVEL_TABLE)["Technicien"])}
    assert "OFPPT-T-TSMIR" in technicien
    assert not technicien & {"OFPPT-TS-TDI", "BTS-DSI", "TOUR-DTS-MHR"}


def test_inventory_has_at_least_150_qualifications(qualifications: list[Qualification]) -> None:
    assert len({q.code for q in qualifications}) == len(qualifications)
    assert len(qualifications) >= 150


def test_the_three_main_subsectors_are_present(qualifications: list[Qualification]) -> None:
    present = {q.subsector for q in qualifications}
    for key in ("general-education", "vocational-training", "higher-education"):
        assert f"{BASE}subsector/{key}" in present


def test_every_cnc_level_is_present(qualifications: list[Qualification]) -> None:
    assert {q.level for q in qualifications} >= set(range(1, 9))


def test_every_qualification_has_a_source(qualifications: list[Qualification]) -> None:
    assert [q.code for q in qualifications if q.sources == 0] == []

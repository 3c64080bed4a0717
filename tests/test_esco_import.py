"""ESCO import: the official CSV distribution becomes ESCO's own RDF in graph/esco, with counts and clear errors."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from cnc_graph.errors import InputError
from cnc_graph.ingest.esco.concepts import ESCO, EscoStats, esco_triples
from cnc_graph.ingest.esco.importer import import_esco
from cnc_graph.ingest.esco.slice import slice_triples, write_slice
from cnc_graph.iris import DCT, ESCO_MODEL, RDF, SKOS
from cnc_graph.rdf.files import parse_rdf_file
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import BASE, DATA, ROOT, run_cli
from tests.conftest import REFERENCE as SHARED

REFERENCE = SHARED / "esco"
MINI = DATA / "esco" / "mini"
TECHNICAL_DIRECTOR = ESCO + "occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"
METAL_DRAWING_OPERATOR = ESCO + "occupation/000e93a3-d956-4e45-aacb-f12c83fedf84"
ENERGY_SAVING = ESCO + "skill/0037c821-2898-4919-b96e-7ed1cd89554c"
SPORT_MEDICINE = ESCO + "skill/00506f28-e884-4496-800c-3477c67eb355"
HOUSEKEEPING = ESCO + "skill/0085e6bd-6829-4e8e-b302-842a7fe57ed9"

needs_reference = pytest.mark.usefixtures("esco_reference_present")


@pytest.fixture
def esco_reference_present() -> None:
    """Fail loudly (never skip) when the shared ESCO extracts are not beside the checkout."""
    if not REFERENCE.is_dir():
        pytest.fail(f"ESCO reference extracts not found in {REFERENCE} (set CNC_REFERENCE)")


def csv_rows(path: Path) -> int:
    """Return the number of records of a CSV file (fields hold new lines, so not its line count)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def objects(triples: list[ox.Triple], subject: str, predicate: str) -> set[ox.NamedNode | ox.Literal]:
    """Return the objects of ``subject predicate ?o`` among ``triples``."""
    s, p = ox.NamedNode(subject), ox.NamedNode(predicate)
    return {t.object for t in triples if t.subject == s and t.predicate == p}  # type: ignore[misc]


def literals(triples: list[ox.Triple], subject: str, predicate: str, lang: str) -> set[str]:
    """Return the texts in ``lang`` of ``subject predicate ?o``."""
    return {o.value for o in objects(triples, subject, predicate) if isinstance(o, ox.Literal) and o.language == lang}


@pytest.fixture(scope="module")
def reference() -> tuple[list[ox.Triple], EscoStats]:
    """The triples and counts of the whole reference extract, converted once."""
    if not REFERENCE.is_dir():
        pytest.fail(f"ESCO reference extracts not found in {REFERENCE} (set CNC_REFERENCE)")
    stats = EscoStats()
    return list(esco_triples(REFERENCE, BASE, None, stats)), stats


@pytest.fixture(scope="module")
def mini() -> tuple[list[ox.Triple], EscoStats]:
    """The triples and counts of the small fixture distribution."""
    stats = EscoStats()
    return list(esco_triples(MINI, BASE, None, stats)), stats


# --- the real extracts -----------------------------------------------------------------------


@needs_reference
def test_reference_concepts_are_counted_per_type(reference: tuple[list[ox.Triple], EscoStats]) -> None:
    _, stats = reference
    assert csv_rows(REFERENCE / "occupations_en.csv") == csv_rows(REFERENCE / "occupations_fr.csv") == 2942
    assert csv_rows(REFERENCE / "ISCOGroups_en.csv") == 619
    assert csv_rows(REFERENCE / "skillGroups_en.csv") == 673
    assert csv_rows(REFERENCE / "skills_fr.csv") == 13485
    assert stats.concepts["Occupation"] == 2942
    assert stats.concepts["ISCOGroup"] == 619
    assert stats.concepts["SkillGroup"] == 673
    # The 13,485 skills of skills_fr.csv and 167 more found only in the (later) English subset.
    assert stats.concepts["Skill"] == 13485 + 167


@needs_reference
def test_reference_relations_are_counted(reference: tuple[list[ox.Triple], EscoStats]) -> None:
    _, stats = reference
    # 7,006 distinct pairs of broaderRelationsSkillPillar.csv (7,161 rows, some repeated), 652 from
    # skillsHierarchy, 107 more from the collections, 609 ISCO groups under their parent code and
    # 2,948 occupation → ISCO group links (6 occupations have another group in the fr extract).
    assert stats.relations["broader"] == 7006 + 652 + 107 + 609 + 2948
    assert stats.relations["memberOfISCOGroup"] == 2948
    assert "essentialSkill" not in stats.relations


@needs_reference
def test_reference_labels_per_language(reference: tuple[list[ox.Triple], EscoStats]) -> None:
    _, stats = reference
    assert stats.coverage["Occupation"] == {"en": 2942, "fr": 2942}
    assert stats.coverage["ISCOGroup"] == {"en": 619, "fr": 619}
    assert stats.coverage["Skill"]["fr"] == 13485
    assert stats.labels["en"]["prefLabel"] == 2942 + 619 + 673 + stats.coverage["Skill"]["en"]
    assert stats.labels["fr"]["altLabel"] > 10_000
    assert stats.labels["en"]["hiddenLabel"] > 0


@needs_reference
def test_reference_occupation_has_labels_in_english_and_french(reference: tuple[list[ox.Triple], EscoStats]) -> None:
    triples, _ = reference
    assert literals(triples, TECHNICAL_DIRECTOR, SKOS + "prefLabel", "en") == {"technical director"}
    assert literals(triples, TECHNICAL_DIRECTOR, SKOS + "prefLabel", "fr") == {
        "directeur technique/directrice technique"
    }
    # altLabels are one per line in the CSV cell.
    assert {"head of technical", "technical manager"} <= literals(triples, TECHNICAL_DIRECTOR, SKOS + "altLabel", "en")
    assert {"régisseuse", "directrice technique"} <= literals(triples, TECHNICAL_DIRECTOR, SKOS + "altLabel", "fr")
    types = objects(triples, TECHNICAL_DIRECTOR, RDF + "type")
    assert {ox.NamedNode(SKOS + "Concept"), ox.NamedNode(ESCO_MODEL + "Occupation")} <= types
    assert objects(triples, TECHNICAL_DIRECTOR, ESCO_MODEL + "memberOfISCOGroup") == {ox.NamedNode(ESCO + "isco/C2166")}


@needs_reference
def test_reference_isco_groups_have_codes_and_parents(reference: tuple[list[ox.Triple], EscoStats]) -> None:
    triples, _ = reference
    group = ESCO + "isco/C0110"
    assert objects(triples, group, SKOS + "notation") == {ox.Literal("0110")}
    assert objects(triples, group, SKOS + "broader") == {ox.NamedNode(ESCO + "isco/C011")}
    assert objects(triples, ESCO + "isco/C0", SKOS + "broader") == set()
    assert literals(triples, group, SKOS + "prefLabel", "fr") == {"Officiers des forces armées"}


@needs_reference
def test_reference_skill_type_and_reuse_level_are_esco_iris(reference: tuple[list[ox.Triple], EscoStats]) -> None:
    triples, _ = reference
    skill = ESCO + "skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"
    assert objects(triples, skill, ESCO_MODEL + "skillType") == {ox.NamedNode(ESCO + "skill-type/skill")}
    assert objects(triples, skill, ESCO_MODEL + "skillReuseLevel") == {
        ox.NamedNode(ESCO + "skill-reuse-level/sector-specific")
    }


@needs_reference
def test_reference_keeps_one_preferred_label_per_language(reference: tuple[list[ox.Triple], EscoStats]) -> None:
    triples, stats = reference
    # The subset and the transversal collection (different ESCO versions) name this skill differently.
    skill = ESCO + "skill/045f71e6-0699-4169-8a54-9c6b96f3174d"
    assert literals(triples, skill, SKOS + "prefLabel", "en") == {"advise others"}
    assert "give advice to others" in literals(triples, skill, SKOS + "altLabel", "en")
    assert stats.demoted_labels > 0


@needs_reference
def test_reference_dataset_records_version_and_source(reference: tuple[list[ox.Triple], EscoStats]) -> None:
    triples, stats = reference
    dataset = BASE + "dataset/esco"
    assert objects(triples, dataset, DCT + "hasVersion") == {ox.Literal("unknown")}
    assert objects(triples, dataset, DCT + "source") == {ox.NamedNode("https://esco.ec.europa.eu/")}
    assert stats.modified == "2020-06-11T14:59:33.667Z"


# --- the fixture distribution and the import -------------------------------------------------


def test_occupation_skill_relations_use_esco_properties(mini: tuple[list[ox.Triple], EscoStats]) -> None:
    triples, stats = mini
    assert objects(triples, TECHNICAL_DIRECTOR, ESCO_MODEL + "relatedEssentialSkill") == {ox.NamedNode(ENERGY_SAVING)}
    assert objects(triples, TECHNICAL_DIRECTOR, ESCO_MODEL + "relatedOptionalSkill") == {ox.NamedNode(SPORT_MEDICINE)}
    assert stats.relations["essentialSkill"] == 2
    assert stats.relations["optionalSkill"] == 1
    assert objects(triples, SPORT_MEDICINE, ESCO_MODEL + "skillType") == {ox.NamedNode(ESCO + "skill-type/knowledge")}
    assert stats.concepts == {"Occupation": 2, "ISCOGroup": 8, "Skill": 3}


def test_occupations_pillar_hierarchy_comes_from_isco_codes(mini: tuple[list[ox.Triple], EscoStats]) -> None:
    triples, _ = mini
    assert objects(triples, TECHNICAL_DIRECTOR, SKOS + "broader") == {ox.NamedNode(ESCO + "isco/C2166")}
    assert objects(triples, ESCO + "isco/C2166", SKOS + "broader") == {ox.NamedNode(ESCO + "isco/C216")}


def test_occupations_pillar_file_replaces_derived_hierarchy(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "esco")
    (tmp_path / "esco" / "broaderRelationsOccPillar_en.csv").write_text(
        "conceptType,conceptUri,broaderType,broaderUri\n"
        f"Occupation,{METAL_DRAWING_OPERATOR},Occupation,{TECHNICAL_DIRECTOR}\n",
        encoding="utf-8",
    )
    triples = list(esco_triples(tmp_path / "esco", BASE))
    assert objects(triples, METAL_DRAWING_OPERATOR, SKOS + "broader") == {ox.NamedNode(TECHNICAL_DIRECTOR)}
    assert objects(triples, TECHNICAL_DIRECTOR, SKOS + "broader") == set()
    assert objects(triples, TECHNICAL_DIRECTOR, ESCO_MODEL + "memberOfISCOGroup") == {ox.NamedNode(ESCO + "isco/C2166")}


def test_version_comes_from_option_then_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "ESCO dataset - v1.1.1 - classification - en - csv"
    shutil.copytree(MINI, folder)
    dataset = BASE + "dataset/esco"
    assert objects(list(esco_triples(folder, BASE)), dataset, DCT + "hasVersion") == {ox.Literal("v1.1.1")}
    given = list(esco_triples(folder, BASE, version="v1.2.0"))
    assert objects(given, dataset, DCT + "hasVersion") == {ox.Literal("v1.2.0")}


def test_import_replaces_the_esco_graph(settings: Settings) -> None:
    store = OxigraphStore(None, settings.base_iri)
    graph = f"{settings.base_iri}graph/esco"
    first = import_esco(store, settings, MINI, version="v1.0.8")
    assert first.graph == graph
    assert first.concepts == {"Occupation": 2, "Skill": 3, "ISCOGroup": 8}
    assert first.coverage["Occupation"] == {"en": 2, "fr": 2}
    assert store.graphs()[graph] == first.triples
    second = import_esco(store, settings, MINI / "occupations_fr.csv")
    assert store.graphs()[graph] == second.triples < first.triples
    rows = list(store.query(f"SELECT ?v WHERE {{ GRAPH <{graph}> {{ ?d dct:hasVersion ?v }} }}"))  # type: ignore[arg-type]
    assert [r["v"].value for r in rows] == ["unknown"]


def test_failed_import_leaves_the_graph_as_it_was(settings: Settings) -> None:
    store = OxigraphStore(None, settings.base_iri)
    before = import_esco(store, settings, MINI)
    with pytest.raises(InputError):
        import_esco(store, settings, DATA / "esco" / "malformed")
    assert store.graphs()[before.graph] == before.triples


def test_large_files_stream_row_by_row(tmp_path: Path) -> None:
    relations = tmp_path / "occupationSkillRelations_en.csv"
    with relations.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["occupationUri", "relationType", "skillType", "skillUri"])
        for i in range(120_000):
            writer.writerow(
                [f"{ESCO}occupation/{i % 3000}", "essential" if i % 3 else "optional", "knowledge", f"{ESCO}skill/{i}"]
            )
        handle.write('broken,"row\n')
    stats = EscoStats()
    triples = esco_triples(relations, BASE, None, stats)
    # The first triples come before the broken last line is read: nothing waits for the whole file.
    assert next(triples).predicate.value in (ESCO_MODEL + "relatedEssentialSkill", ESCO_MODEL + "relatedOptionalSkill")
    with pytest.raises(InputError) as caught:
        for _ in triples:
            pass
    assert caught.value.location.line == 120_002
    assert stats.relations["essentialSkill"] + stats.relations["optionalSkill"] == 120_000


# --- errors ----------------------------------------------------------------------------------


def test_malformed_csv_names_file_and_line() -> None:
    with pytest.raises(InputError) as caught:
        list(esco_triples(DATA / "esco" / "malformed", BASE))
    assert caught.value.location.file is not None and caught.value.location.file.endswith("malformed/skills_en.csv")
    assert caught.value.location.line == 4
    assert "ligne 4" in caught.value.localised("fr")


def test_missing_concept_uri_column_is_rejected() -> None:
    with pytest.raises(InputError) as caught:
        list(esco_triples(DATA / "esco" / "no-concept-uri", BASE))
    assert caught.value.location.field == "conceptUri"
    assert caught.value.location.line == 1
    assert "conceptUri" in str(caught.value)


def test_non_utf8_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "occupations_fr.csv"
    path.write_bytes(
        b"conceptType,conceptUri,iscoGroup,preferredLabel,altLabels\n"
        b"Occupation,http://data.europa.eu/esco/occupation/a,2166,directeur,\n"
        b"Occupation,http://data.europa.eu/esco/occupation/b,2166,op\xe9rateur,\n"
    )
    with pytest.raises(InputError) as caught:
        list(esco_triples(path, BASE))
    assert caught.value.location.line == 3
    assert "UTF-8" in str(caught.value)


def test_row_with_extra_cell_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ISCOGroups_en.csv"
    path.write_text(
        "conceptType,conceptUri,code,preferredLabel\n"
        "ISCOGroup,http://data.europa.eu/esco/isco/C2,2,Professionals\n"
        "ISCOGroup,http://data.europa.eu/esco/isco/C21,21,Science, engineering professionals\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        list(esco_triples(path, BASE))
    assert caught.value.location.line == 3


def test_bad_values_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "skills_en.csv"
    header = "conceptType,conceptUri,skillType,reuseLevel,preferredLabel\n"
    path.write_text(header + f"KnowledgeSkillCompetence,{ENERGY_SAVING},skill,cross-sector,x\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(esco_triples(path, BASE))
    assert (caught.value.location.line, caught.value.location.field) == (2, "skillType")
    path.write_text(header + "KnowledgeSkillCompetence,not an iri,knowledge,cross-sector,x\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(esco_triples(path, BASE))
    assert (caught.value.location.line, caught.value.location.field) == (2, "conceptUri")


def test_file_without_language_suffix_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "occupations.csv"
    shutil.copy(MINI / "occupations_en.csv", path)
    with pytest.raises(InputError, match="occupations_en.csv"):
        list(esco_triples(path, BASE))


def test_relation_file_is_read_once_whatever_its_languages(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "esco")
    shutil.copy(MINI / "occupationSkillRelations_en.csv", tmp_path / "esco" / "occupationSkillRelations_fr.csv")
    stats = EscoStats()
    list(esco_triples(tmp_path / "esco", BASE, None, stats))
    assert any(path.endswith("occupationSkillRelations_fr.csv") for path in stats.skipped)
    assert stats.relations["essentialSkill"] == 2


# --- command line ----------------------------------------------------------------------------


def test_cli_import_esco_prints_counts(tmp_path: Path) -> None:
    result = run_cli("import", "esco", str(MINI), "--version", "v1.0.8", "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.splitlines()
    assert any("Occupation" in line and "│ 2 " in line for line in lines), result.stdout
    assert any("ISCOGroup" in line and "│ 8 " in line for line in lines), result.stdout
    assert any("essentialSkill" in line and "│ 2 " in line for line in lines), result.stdout
    assert "graph/esco" in result.stdout and "v1.0.8" in result.stdout


def test_cli_import_esco_reports_malformed_file(tmp_path: Path) -> None:
    result = run_cli("import", "esco", str(DATA / "esco" / "malformed"), "--store", str(tmp_path / "store"))
    assert result.returncode == 2
    assert "skills_en.csv, ligne 4" in result.stderr
    assert "Traceback" not in result.stderr


# --- the slice -------------------------------------------------------------------------------


def test_slice_keeps_concepts_and_their_groups_one_level_up(mini: tuple[list[ox.Triple], EscoStats]) -> None:
    triples, _ = mini
    result = slice_triples(triples, {TECHNICAL_DIRECTOR, ENERGY_SAVING, ESCO + "skill/unknown"}, BASE)
    sliced = result.triples
    assert result.missing == {ESCO + "skill/unknown"}
    assert literals(sliced, TECHNICAL_DIRECTOR, SKOS + "prefLabel", "fr") == {
        "directeur technique/directrice technique"
    }
    assert literals(sliced, ESCO + "isco/C2166", SKOS + "prefLabel", "en") == {"Graphic and multimedia designers"}
    assert objects(sliced, ESCO + "isco/C2166", SKOS + "broader") == set()
    assert objects(sliced, ESCO + "isco/C216", SKOS + "prefLabel") == set()
    # Links inside the slice stay; a link to a skill outside it does not.
    assert objects(sliced, TECHNICAL_DIRECTOR, ESCO_MODEL + "relatedEssentialSkill") == {ox.NamedNode(ENERGY_SAVING)}
    assert objects(sliced, TECHNICAL_DIRECTOR, ESCO_MODEL + "relatedOptionalSkill") == set()
    assert objects(sliced, BASE + "dataset/esco", DCT + "hasVersion") == {ox.Literal("unknown")}


def test_slice_script_writes_turtle_for_an_inventory(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "vocational-training.csv").write_text(
        "code,intitule_fr,niveau_cnc,metiers_esco,competences_esco\n"
        f"OFPPT-X,Technicien,4,{TECHNICAL_DIRECTOR} | {METAL_DRAWING_OPERATOR},{HOUSEKEEPING}\n",
        encoding="utf-8",
    )
    (inventory / "organisations.csv").write_text("id,nom_fr\nofppt,OFPPT\n", encoding="utf-8")
    output = tmp_path / "esco-slice.ttl"
    result = write_slice(MINI, inventory, output, BASE, version="v1.0.8")
    assert result.found == {TECHNICAL_DIRECTOR, METAL_DRAWING_OPERATOR, HOUSEKEEPING}
    text = output.read_text(encoding="utf-8")
    assert text.startswith("# Generated by `cnc-graph import esco-slice`")
    assert "# ESCO version: v1.0.8" in text and "vocational-training.csv" in text
    assert "@base" not in text and "<dataset/esco>" in text
    parsed = parse_rdf_file(output, BASE)
    assert literals(parsed, METAL_DRAWING_OPERATOR, SKOS + "prefLabel", "en") == {"metal drawing machine operator"}
    assert objects(parsed, BASE + "dataset/esco", DCT + "hasVersion") == {ox.Literal("v1.0.8")}
    assert objects(parsed, METAL_DRAWING_OPERATOR, ESCO_MODEL + "relatedEssentialSkill") == {ox.NamedNode(HOUSEKEEPING)}


def test_the_cli_writes_the_slice(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "higher-education.csv").write_text(
        f"code,intitule_fr,niveau_cnc,competences_esco\nUM5-X,Licence,6,{SPORT_MEDICINE}\n", encoding="utf-8"
    )
    output = tmp_path / "slice.ttl"
    result = run_cli("import", "esco-slice", str(MINI), str(inventory), str(output), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "1 ESCO concept(s)" in result.stdout
    assert literals(parse_rdf_file(output, BASE), SPORT_MEDICINE, SKOS + "prefLabel", "fr") == {"médecine sportive"}

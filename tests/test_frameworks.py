"""The frameworks as SKOS: CNC, EQF, ACQF, ISCED 2011 and ISCED-F, as built into the store."""

from __future__ import annotations

import re

import pyoxigraph as ox

from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import REFERENCE as SHARED
from tests.conftest import ROOT as ROOT_DIR

ELM = SHARED / "elm"


def rows(store: OxigraphStore, sparql: str) -> list[dict[str, str]]:
    result = store.query(sparql)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def levels_of(store: OxigraphStore, key: str) -> list[str]:
    found = rows(
        store,
        f"""
        SELECT ?n WHERE {{ ?fw skos:notation "{key}" . ?l a cnc:Level ; skos:inScheme ?fw ; skos:notation ?n ;
                          cnc:levelNumber ?i }} ORDER BY ?i""",
    )
    return [r["n"] for r in found]


def test_cnc_has_eight_levels_and_six_descriptor_domains(built_store: OxigraphStore) -> None:
    assert levels_of(built_store, "cnc") == [str(i) for i in range(1, 9)]
    domains = rows(
        built_store,
        """
        SELECT ?key WHERE { ?fw skos:notation "cnc" ; cnc:hasDescriptorDomain ?d . ?d cnc:domainKey ?key }""",
    )
    assert {r["key"] for r in domains} == {
        "communication",
        "knowledge",
        "skills",
        "complexity",
        "autonomy-responsibility",
        "adaptability",
    }


def test_every_level_of_cnc_carries_labels_in_three_languages(built_store: OxigraphStore) -> None:
    found = rows(
        built_store,
        """
        SELECT ?l (GROUP_CONCAT(DISTINCT LANG(?label)) AS ?langs) WHERE {
          ?fw skos:notation "cnc" . ?l a cnc:Level ; skos:inScheme ?fw ; skos:prefLabel ?label } GROUP BY ?l""",
    )
    assert len(found) == 8
    assert all(set(r["langs"].split()) == {"fr", "en", "ar"} for r in found)


def test_eqf_levels_match_the_eu_level_iris(built_store: OxigraphStore) -> None:
    assert levels_of(built_store, "eqf") == [str(i) for i in range(1, 9)]
    eu_iris = set(re.findall(r'value="(http://data.europa.eu/snb/eqf/\d)"', (ELM / "eqf.xsd").read_text()))
    matched = rows(
        built_store,
        """
        SELECT ?eu WHERE { ?fw skos:notation "eqf" . ?l skos:inScheme ?fw ; skos:exactMatch ?eu }""",
    )
    assert {r["eu"] for r in matched} == eu_iris
    assert len(eu_iris) == 8


def test_eqf_has_a_descriptor_per_level_and_domain(built_store: OxigraphStore) -> None:
    found = rows(
        built_store,
        """
        SELECT ?n ?key WHERE { ?fw skos:notation "eqf" . ?l skos:inScheme ?fw ; skos:notation ?n ;
          cnc:hasDescriptor ?d . ?d cnc:descriptorDomain/cnc:domainKey ?key ; cnc:descriptorText ?t }""",
    )
    assert {(r["n"], r["key"]) for r in found} == {
        (str(n), k) for n in range(1, 9) for k in ("knowledge", "skills", "responsibility-autonomy")
    }


def test_acqf_has_ten_levels(built_store: OxigraphStore) -> None:
    assert levels_of(built_store, "acqf") == [str(i) for i in range(1, 11)]


def test_isced_2011_has_levels_zero_to_eight(built_store: OxigraphStore) -> None:
    assert levels_of(built_store, "isced-2011") == [str(i) for i in range(0, 9)]


def test_isced_f_fields_are_exactly_the_eu_code_list(built_store: OxigraphStore) -> None:
    codes = set(re.findall(r'value="http://data.europa.eu/snb/isced-f/(\d+)"', (ELM / "isced-f.xsd").read_text()))
    found = rows(
        built_store,
        """
        SELECT ?code WHERE { ?c skos:inScheme ?s ; skos:notation ?code . ?s skos:notation "isced-f" }""",
    )
    assert {r["code"] for r in found} == codes


def test_every_framework_cites_its_sources(built_store: OxigraphStore) -> None:
    found = rows(
        built_store,
        """
        SELECT ?key (COUNT(?src) AS ?n) WHERE { ?fw a cnc:Framework ; skos:notation ?key .
          OPTIONAL { ?fw dct:source ?src } } GROUP BY ?key""",
    )
    assert found and all(int(r["n"]) > 0 for r in found)


def test_acqf_levels_carry_the_platforms_descriptors_word_for_word(built_store: OxigraphStore) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_acqf", ROOT_DIR / "data" / "frameworks" / "build_acqf_descriptors.py"
    )
    assert spec and spec.loader
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    published = builder.descriptors((SHARED / "acqf-qcp" / "acqf-levels").read_text(encoding="utf-8"))
    found = rows(
        built_store,
        """
        PREFIX cnc: <https://w3id.org/cnc-ma/ontology#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?n ?key ?text ?match WHERE {
          ?level a cnc:Level ; skos:inScheme <https://w3id.org/cnc-ma/framework/acqf> ; cnc:levelNumber ?n ;
                 cnc:hasDescriptor ?d ; skos:exactMatch ?match .
          ?d cnc:descriptorDomain ?domain ; cnc:descriptorText ?text ; dct:license ?licence .
          ?domain cnc:domainKey ?key .
          FILTER(STRSTARTS(STR(?match), "https://data.acqf-qcp.africa/"))
        }""",
    )
    assert len(found) == 30
    for row in found:
        n = int(row["n"])
        assert row["text"] == published[n][row["key"]], (n, row["key"])
        assert row["match"] == f"https://data.acqf-qcp.africa/model/acqf-levels/resource/level-{n}"


def test_cnc_levels_are_the_continental_platforms_levels_for_morocco(built_store: OxigraphStore) -> None:
    published = (SHARED / "acqf-qcp" / "ma-nqf-levels").read_text(encoding="utf-8")
    found = rows(
        built_store,
        """
        PREFIX cnc: <https://w3id.org/cnc-ma/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?n ?match WHERE {
          ?level a cnc:Level ; skos:inScheme <https://w3id.org/cnc-ma/framework/cnc> ; cnc:levelNumber ?n ;
                 skos:exactMatch ?match .
          FILTER(STRSTARTS(STR(?match), "https://data.acqf-qcp.africa/"))
        }""",
    )
    assert sorted(int(r["n"]) for r in found) == list(range(1, 9))
    for row in found:
        tail = row["match"].rsplit("/", 1)[-1]
        assert row["match"] == f"https://data.acqf-qcp.africa/model/ma-nqf-levels/resource/level-{row['n']}"
        assert f":{tail}\n" in published, "the platform's scheme for Morocco has that level"

"""Importing a sub-sector's inventory: clear errors naming row and column, atomic replacement, nothing lost."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from pyoxigraph import Literal

from cnc_graph.build import build
from cnc_graph.card.diff import record_owner
from cnc_graph.errors import InputError, InputErrors, ValidationFailed
from cnc_graph.importing import import_inventory, locate
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import DATA, run_cli

FIXTURES = DATA / "inventory"
VOCATIONAL = "https://w3id.org/cnc-ma/graph/inventory/vocational-training"


@pytest.fixture(scope="module")
def store(settings: Settings) -> OxigraphStore:
    """A freshly built store for this module (rejected imports must leave it unchanged)."""
    fresh = OxigraphStore(None, settings.base_iri)
    build(fresh, settings)
    return fresh


def fingerprint(store: OxigraphStore) -> str:
    """Return a digest of every quad of the store."""
    lines = sorted(str(q) for q in store.quads())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def rejected(store: OxigraphStore, settings: Settings, name: str) -> Exception:
    """Import a bad fixture, assert it fails and leaves the store unchanged; return the error."""
    before = fingerprint(store)
    with pytest.raises((InputError, InputErrors, ValidationFailed)) as info:
        import_inventory(store, settings, FIXTURES / name)
    assert fingerprint(store) == before
    return info.value


def messages(error: Exception, lang: str = "fr") -> str:
    if isinstance(error, ValidationFailed):
        return "\n".join(
            f"{locate(r, error.lines, 'f').localised(lang)}: {r.message(lang)}" for r in error.report.violations
        )
    return error.localised(lang)  # type: ignore[attr-defined]


def test_import_rejects_a_word_for_a_level(store: OxigraphStore, settings: Settings) -> None:
    text = messages(rejected(store, settings, "wrong-level.csv"))
    assert "ligne 3, colonne niveau_cnc" in text
    assert "« neuf » n'est pas un niveau CNC (1 à 8)" in text


def test_import_rejects_level_nine(store: OxigraphStore, settings: Settings) -> None:
    error = rejected(store, settings, "level-nine.csv")
    assert "ligne 2, colonne niveau_cnc" in messages(error)
    assert "line 2, column niveau_cnc" in messages(error, "en")


def test_import_rejects_a_missing_french_title(store: OxigraphStore, settings: Settings) -> None:
    error = rejected(store, settings, "missing-title.csv")
    assert isinstance(error, ValidationFailed)
    assert len(error.report.violations) == 1
    text = messages(error)
    assert "ligne 3" in text and "intitule_fr" in text


def test_import_rejects_a_title_over_the_limit_naming_row_and_column(
    store: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    text = (FIXTURES / "valid.csv").read_text(encoding="utf-8")
    path = tmp_path / "long-title.csv"
    path.write_text(text.replace("Technicien Spécialisé en Réseaux", "T" * 301), encoding="utf-8")
    before = fingerprint(store)
    with pytest.raises(ValidationFailed) as info:
        import_inventory(store, settings, path)
    assert fingerprint(store) == before
    said = messages(info.value, "fr")
    assert "ligne 3, colonne intitule_fr" in said and "au plus 300 caractères" in said
    assert "at most 300 characters" in messages(info.value, "en")


def test_import_rejects_an_impossible_date(store: OxigraphStore, settings: Settings) -> None:
    text = messages(rejected(store, settings, "bad-date.csv"))
    assert "colonne date_base_legale" in text and "31/02/2004" in text


def test_import_rejects_a_duplicate_code_in_the_file(store: OxigraphStore, settings: Settings) -> None:
    text = messages(rejected(store, settings, "duplicate-code.csv"), "en")
    assert "line 3" in text and "TEST-TS-A" in text and "line 2" in text


def test_import_rejects_a_code_already_registered_in_another_subsector(
    store: OxigraphStore, settings: Settings
) -> None:
    # DUT-ESTS-TM is in the higher-education inventory; a vocational file may not re-use it.
    text = messages(rejected(store, settings, "duplicates-registered-code.csv"))
    assert "DUT-ESTS-TM" in text and "ligne 2, colonne code" in text and "inventory/higher-education" in text


def test_import_rejects_an_unknown_esco_iri(store: OxigraphStore, settings: Settings) -> None:
    error = rejected(store, settings, "unknown-esco.csv")
    assert isinstance(error, ValidationFailed)
    assert "metiers_esco" in messages(error) and "ESCO" in messages(error)


def test_import_rejects_an_unknown_column(store: OxigraphStore, settings: Settings) -> None:
    text = messages(rejected(store, settings, "unknown-column.csv"))
    assert "colonne inconnue « niveau_cec »" in text and "niveau_cnc" in text


def test_import_rejects_a_latin1_file(store: OxigraphStore, settings: Settings) -> None:
    text = messages(rejected(store, settings, "latin1.csv"), "en")
    assert "UTF-8" in text and "line 2" in text


def test_import_rejects_an_empty_file(store: OxigraphStore, settings: Settings) -> None:
    assert "empty" in messages(rejected(store, settings, "empty.csv"), "en")


@pytest.mark.parametrize("kind", ["binary", "text"])
def test_import_rejects_fifty_megabytes_of_garbage(
    store: OxigraphStore, settings: Settings, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "garbage.csv"
    if kind == "binary":
        path.write_bytes(os.urandom(50 * 1024 * 1024))
    else:
        path.write_text(("abc" * 7919 + "\n") * (50 * 1024 * 1024 // (3 * 7919 + 1)))
    before = fingerprint(store)
    with pytest.raises((InputError, InputErrors)):
        import_inventory(store, settings, path)
    assert fingerprint(store) == before


def test_dry_run_validates_without_writing(store: OxigraphStore, settings: Settings) -> None:
    before = fingerprint(store)
    result = import_inventory(store, settings, FIXTURES / "valid.csv", dry_run=True)
    assert result.qualifications == 2 and not result.written
    assert fingerprint(store) == before


def codes_of(store: OxigraphStore, subsector: str) -> set[str]:
    """Return the codes of the sub-sector's qualifications in the store."""
    query = "SELECT ?c WHERE { ?q cnc:code ?c ; cnc:subSector/skos:notation ?s }"
    return {r["c"].value for r in store.query(query, bindings={"s": Literal(subsector)})}  # type: ignore[union-attr]


def test_import_adds_and_updates_and_keeps_the_rest_of_the_subsector(settings: Settings) -> None:
    fresh = OxigraphStore(None, settings.base_iri)
    build(fresh, settings)
    shipped = codes_of(fresh, "vocational-training")
    assert len(shipped) > 10 and "OFPPT-TS-TDI" in shipped
    result = import_inventory(fresh, settings, FIXTURES / "valid-semicolon-bom.csv")
    assert result.written and result.graph == VOCATIONAL
    assert codes_of(fresh, "vocational-training") == shipped | {"TEST-TS-A", "TEST-TS-B"}  # nothing lost
    assert [(c.code, c.action) for c in result.changes] == [("TEST-TS-A", "added"), ("TEST-TS-B", "added")]
    assert result.kept == len(shipped)
    dates = {r["d"].value for r in fresh.query("SELECT ?d WHERE { ?q cnc:code 'TEST-TS-B' ; cnc:legalBasisDate ?d }")}
    assert dates == {"2004-06-07"}  # written 07/06/2004 in the file

    again = import_inventory(fresh, settings, FIXTURES / "valid-semicolon-bom.csv")
    assert [c.action for c in again.changes] == ["unchanged", "unchanged"]


def test_an_import_names_the_fields_a_row_changes(settings: Settings, tmp_path: Path) -> None:
    fresh = OxigraphStore(None, settings.base_iri)
    build(fresh, settings)
    import_inventory(fresh, settings, FIXTURES / "valid.csv")
    text = (FIXTURES / "valid.csv").read_text(encoding="utf-8")
    changed = tmp_path / "changed.csv"
    changed.write_text(text.replace("Technicien Spécialisé en Réseaux", "Technicien Spécialisé en Réseaux et Cloud"))
    result = import_inventory(fresh, settings, changed)
    assert [(c.code, c.action, c.fields) for c in result.changes] == [
        ("TEST-TS-A", "unchanged", ()),
        ("TEST-TS-B", "updated", ("intitule_fr",)),
    ]
    titles = {r["t"].value for r in fresh.query("SELECT ?t WHERE { ?q cnc:code 'TEST-TS-B' ; dct:title ?t }")}
    assert "Technicien Spécialisé en Réseaux et Cloud" in titles and "Technicien Spécialisé en Réseaux" not in titles


def test_replace_lists_what_it_would_remove_and_removes_only_when_told(settings: Settings) -> None:
    fresh = OxigraphStore(None, settings.base_iri)
    build(fresh, settings)
    shipped = codes_of(fresh, "vocational-training")
    before = fingerprint(fresh)
    with pytest.raises(InputError) as refused:
        import_inventory(fresh, settings, FIXTURES / "valid.csv", replace=True)
    assert fingerprint(fresh) == before
    said = str(refused.value)
    assert f"would remove {len(shipped)} qualification(s)" in said and sorted(shipped)[0] in said
    assert f"(+{len(shipped) - 20})" in said  # twenty named, the rest counted; the dry run lists them all
    assert "--yes" in refused.value.localised("fr")

    dry = import_inventory(fresh, settings, FIXTURES / "valid.csv", dry_run=True, replace=True)
    assert not dry.written and fingerprint(fresh) == before
    assert {c.code for c in dry.changes if c.action == "removed"} == shipped

    done = import_inventory(fresh, settings, FIXTURES / "valid.csv", replace=True, confirm=True)
    assert done.written and done.count("removed") == len(shipped)
    assert codes_of(fresh, "vocational-training") == {"TEST-TS-A", "TEST-TS-B"}


def test_cli_import_reports_row_and_column_and_writes_report(tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    assert run_cli("build", "--store", str(store_path)).returncode == 0
    report = tmp_path / "report.json"
    result = run_cli(
        "import", "inventory", str(FIXTURES / "missing-title.csv"), "--store", str(store_path), "--report", str(report)
    )
    assert result.returncode == 1
    assert "ligne 3, colonne intitule_fr" in result.stderr
    assert "Traceback" not in result.stderr
    assert '"line": 3' in report.read_text()
    ok = run_cli("import", "inventory", str(FIXTURES / "valid.csv"), "--store", str(store_path), "--lang", "en")
    assert ok.returncode == 0, ok.stderr
    assert "imported 2 qualification(s)" in ok.stdout and "2 added" in ok.stdout and "0 updated" in ok.stdout
    assert "kept (in the sub-sector, not in the file)" in ok.stdout


def test_cli_replace_refuses_without_yes_and_the_dry_run_shows_the_same(tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    assert run_cli("build", "--store", str(store_path)).returncode == 0
    args = ("import", "inventory", str(FIXTURES / "valid.csv"), "--store", str(store_path), "--replace")
    dry = run_cli(*args, "--dry-run", "--lang", "en")
    assert dry.returncode == 0, dry.stderr
    assert "would be removed (absent from the file)" in dry.stdout and "OFPPT-TS-TDI" in dry.stdout
    refused = run_cli(*args, "--lang", "en")
    assert refused.returncode != 0 and "--yes" in refused.stderr and "would remove" in refused.stderr
    done = run_cli(*args, "--yes", "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "removed (absent from the file)" in done.stdout


@pytest.mark.parametrize(
    ("column", "cell", "expected"),
    [
        ("niveau_cnc", "²", "« ² »"),  # a digit to str.isdigit, not to int()
        ("volume_horaire", "³", "« ³ »"),
        ("credits_ects", "NaN", "« NaN »"),  # Decimal NaN refuses comparisons
        ("credits_ects", "-Infinity", "« -Infinity »"),
    ],
)
def test_import_names_the_cell_for_odd_numbers(
    store: OxigraphStore, settings: Settings, tmp_path: Path, column: str, cell: str, expected: str
) -> None:
    header = "code,intitule_fr,sous_secteur,niveau_cnc,organisme_certificateur,credits_ects,volume_horaire,source"
    row = {"niveau_cnc": "5", "credits_ects": "120", "volume_horaire": "1200", column: cell}
    path = tmp_path / "odd.csv"
    path.write_text(
        f"{header}\nTEST-ODD,Certification,vocational-training,{row['niveau_cnc']},ofppt,"
        f"{row['credits_ects']},{row['volume_horaire']},https://example.org/\n",
        encoding="utf-8",
    )
    before = fingerprint(store)
    with pytest.raises(InputErrors) as info:
        import_inventory(store, settings, path)
    assert fingerprint(store) == before
    text = info.value.localised("en")
    assert f"line 2, column {column}" in text and expected in text


def test_a_record_is_the_qualification_and_its_own_nodes() -> None:
    base = "https://w3id.org/cnc-ma/"
    q = base + "qualification/OFPPT-TS-TDI"
    assert record_owner(q, base) == q
    assert record_owner(q + "/outcome/3", base) == q
    assert record_owner(base + "qualification/", base) is None
    assert record_owner(base + "qualification//x", base) is None
    assert record_owner(base + "organisation/ofppt", base) is None
    assert record_owner("https://example.org/qualification/X", base) is None

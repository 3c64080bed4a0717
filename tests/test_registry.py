"""The registration workflow as a library: the state machine table, the card's three entry points,
accounts and tokens, submission rules, registration numbers and one-transaction transitions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from cnc_graph.card import fields as card
from cnc_graph.card.json import card_json, cells_from_json, cells_from_jsonld, load_context
from cnc_graph.card.rdf import card_to_triples, cells_from_triples
from cnc_graph.errors import Conflict, Forbidden, InputError, InputErrors, NotFound, StoreError, ValidationFailed
from cnc_graph.ingest.inventory import organisations_to_rdf
from cnc_graph.ingest.table import read_table
from cnc_graph.iris import CNC, RDF_TYPE
from cnc_graph.rdf.files import parse_rdf_file
from cnc_graph.registry.accounts import (
    Account,
    account_for_token,
    accounts_graph,
    add_account,
    list_accounts,
    revoke_account,
    token_hash,
)
from cnc_graph.registry.checks import RegistryPolicy, card_rdf
from cnc_graph.registry.records import PreconditionFailed
from cnc_graph.registry.service import Registry
from cnc_graph.registry.workflow import TRANSITIONS, TransitionRefused, allowed_transitions, next_state
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import BASE, ROOT

# --- the state machine ---------------------------------------------------------------------------

EXPECTED_TABLE = """
-                 create          applicant admin  -> draft
draft             edit            applicant admin  -> draft
changes-requested edit            applicant admin  -> changes-requested
draft             submit          applicant admin  -> submitted
changes-requested submit          applicant admin  -> submitted
submitted         assign          reviewer admin   -> under-review
under-review      assign          reviewer admin   -> under-review
under-review      request-changes reviewer admin   -> changes-requested
under-review      approve         reviewer admin   -> approved
under-review      reject          reviewer admin   -> rejected
approved          publish         admin            -> published
draft             withdraw        applicant admin  -> withdrawn
submitted         withdraw        applicant admin  -> withdrawn
under-review      withdraw        applicant admin  -> withdrawn
changes-requested withdraw        applicant admin  -> withdrawn
approved          withdraw        applicant admin  -> withdrawn
"""


def expected_table() -> dict[tuple[str | None, str, str], str]:
    table: dict[tuple[str | None, str, str], str] = {}
    for line in EXPECTED_TABLE.strip().splitlines():
        left, to = line.split("->")
        state, action, *roles = left.split()
        for role in roles:
            table[(None if state == "-" else state, action, role)] = to.strip()
    return table


def test_transition_table_is_exactly_the_documented_one() -> None:
    assert expected_table() == TRANSITIONS


@pytest.mark.parametrize("final", ["published", "rejected", "withdrawn"])
def test_final_states_have_no_way_out(final: str) -> None:
    assert all(allowed_transitions(final, role) == [] for role in ("applicant", "reviewer", "admin"))


def test_every_state_is_reachable_from_a_new_application() -> None:
    reached, frontier = set(), [None]
    while frontier:
        state = frontier.pop()
        for (source, _action, _role), to in TRANSITIONS.items():
            if source == state and to not in reached:
                reached.add(to)
                frontier.append(to)
    assert reached == {
        "draft",
        "submitted",
        "under-review",
        "changes-requested",
        "approved",
        "rejected",
        "published",
        "withdrawn",
    }


def test_roles_keep_to_their_jobs() -> None:
    actions = {role: {a for (_s, a, r) in TRANSITIONS if r == role} for role in ("applicant", "reviewer", "admin")}
    assert actions["applicant"] == {"create", "edit", "submit", "withdraw"}
    assert actions["reviewer"] == {"assign", "request-changes", "approve", "reject"}
    assert "publish" in actions["admin"] and "publish" not in actions["reviewer"]


def test_refused_transition_lists_what_the_role_may_do() -> None:
    with pytest.raises(TransitionRefused) as refused:
        next_state("under-review", "approve", "applicant")
    assert isinstance(refused.value, Conflict)
    assert refused.value.problem_extra()["allowed"] == [{"action": "withdraw", "to": "withdrawn"}]
    assert "allowed: withdraw → withdrawn" in str(refused.value)
    assert next_state("approved", "publish", "admin") == "published"
    with pytest.raises(TransitionRefused):
        next_state("submitted", "publish", "admin")


# --- the card's three entry points ---------------------------------------------------------------


def test_json_card_takes_french_or_english_keys_lists_and_numbers() -> None:
    cells = cells_from_json({"code": "X-1", "cnc_level": 5, "source": ["https://a.ma/", "https://b.ma/"], "lien": None})
    assert cells == {"code": "X-1", "niveau_cnc": "5", "source": "https://a.ma/ | https://b.ma/"}
    assert card_json(cells) == {"code": "X-1", "niveau_cnc": "5", "source": ["https://a.ma/", "https://b.ma/"]}


def test_json_card_refuses_unknown_and_doubled_fields() -> None:
    with pytest.raises(InputErrors) as raised:
        cells_from_json({"niveau": 5, "code": "A", "intitule_fr": "x", "title_fr": "y", "duree": ["a"]})
    fields = [e.location.field for e in raised.value.errors]
    assert fields == ["niveau", "intitule_fr", "duree"]
    assert "niveau_cnc" in raised.value.errors[0].message
    with pytest.raises(InputError):
        cells_from_json(["not", "an", "object"])


@pytest.mark.parametrize("sheet", sorted((ROOT / "data" / "inventory").glob("[a-z]*-*.csv")))
def test_every_inventory_row_survives_rdf_and_back(sheet: Path) -> None:
    table = read_table(sheet)
    for row in table.rows:
        cells = {k: v for k, v in row.cells.items() if v.strip()}
        iri, triples, errors = card_to_triples(cells, BASE, sheet.name, row.line)
        assert not errors and iri
        back = cells_from_triples(triples, ox.NamedNode(iri), BASE)
        assert card_json(back) == card_json(_canonical(cells)), row.line


def _canonical(cells: dict[str, str]) -> dict[str, str]:
    """The cells as the conversion writes them (durations in ISO 8601, dates ISO, numbers plain)."""
    from cnc_graph.card.kinds import parse_date, parse_duration

    out = dict(cells)
    if "duree" in out:
        out["duree"] = str(parse_duration(out["duree"]))
    for column in ("date_base_legale", "date_accreditation", "date_fin_validite"):
        if column in out:
            out[column] = str(parse_date(out[column]))
    if "sous_secteur" in out:
        out["sous_secteur"] = str(card.subsector_key(out["sous_secteur"]))
    return out


def test_card_rdf_keeps_a_draft_without_code_at_its_own_iri() -> None:
    card_iri = f"{BASE}registration/r000000000001/card"
    triples = card_rdf({"intitule_fr": "Sans code", "acquis_fr": "A | B"}, BASE, card_iri)
    subjects = {t.subject.value for t in triples}
    assert subjects == {card_iri, card_iri + "/outcome/1", card_iri + "/outcome/2"}
    assert not any(t.predicate.value.endswith("#code") for t in triples)
    assert cells_from_triples(triples, ox.NamedNode(card_iri), BASE) == {
        "intitule_fr": "Sans code",
        "acquis_fr": "A | B",
    }


def test_card_rdf_names_the_field_and_value_of_a_malformed_cell() -> None:
    with pytest.raises(ValidationFailed) as failed:
        card_rdf({"code": "X-1", "niveau_cnc": "9", "duree": "longtemps"}, BASE, f"{BASE}registration/r1/card")
    problems = [(p.field, p.value) for p in failed.value.report.violations]  # type: ignore[attr-defined]
    assert problems == [("niveau_cnc", "9"), ("duree", "longtemps")]


def test_json_ld_card_with_our_context_reads_as_cells_without_fetching_it() -> None:
    document = {
        "@context": "https://cnc.example.org/context.jsonld",
        "@id": "qualification/LD-1",
        "@type": "cnc:Qualification",
        "code": "LD-1",
        "dct:title": [{"@value": "Titre", "@language": "fr"}, {"@value": "Title", "@language": "en"}],
        "level": {"@id": "framework/cnc/level/3"},
        "hasLearningOutcome": [
            {"@id": "qualification/LD-1/outcome/2", "cnc:statement": {"@value": "B", "@language": "fr"}},
            {"@id": "qualification/LD-1/outcome/1", "cnc:statement": {"@value": "A", "@language": "fr"}},
        ],
    }
    cells = cells_from_jsonld(json.dumps(document).encode(), BASE, load_context(ROOT))
    assert cells == {
        "code": "LD-1",
        "intitule_fr": "Titre",
        "intitule_en": "Title",
        "niveau_cnc": "3",
        "acquis_fr": "A | B",
    }


def test_json_ld_card_refuses_statements_the_card_cannot_hold() -> None:
    document = {
        "@context": {"cnc": "https://w3id.org/cnc-ma/ontology#"},
        "@id": "qualification/LD-2",
        "@type": "cnc:Qualification",
        "cnc:code": "LD-2",
        "http://example.org/colour": "blue",
    }
    with pytest.raises(InputErrors) as raised:
        cells_from_jsonld(json.dumps(document).encode(), BASE, load_context(ROOT))
    assert raised.value.errors[0].location.field == "http://example.org/colour"


def test_json_ld_remote_context_is_never_fetched() -> None:
    document = {"@context": "https://elsewhere.example/ctx", "@type": "x"}
    with pytest.raises(InputError):
        cells_from_jsonld(json.dumps(document).encode(), BASE, load_context(ROOT))


# --- a small store: vocabularies, the CNC framework, organisations ------------------------------


@pytest.fixture
def store() -> OxigraphStore:
    graph = OxigraphStore(None, BASE)
    files = [*sorted((ROOT / "data" / "vocab").glob("*.ttl")), ROOT / "data" / "frameworks" / "cnc.ttl"]
    with graph.transaction() as tx:
        tx.replace_graph(f"{BASE}graph/vocab", [t for p in files for t in parse_rdf_file(p, BASE)])
        organisations = organisations_to_rdf(read_table(ROOT / "data" / "inventory" / "organisations.csv"), BASE)
        tx.replace_graph(f"{BASE}graph/inventory/organisations", organisations.triples)
    return graph


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(store="memory", root=ROOT)


def good_card(code: str, **changes: str) -> dict[str, str]:
    cells = {
        "code": code,
        "intitule_fr": "Technicien test",
        "sous_secteur": "vocational-training",
        "niveau_cnc": "5",
        "organisme_certificateur": "ofppt",
        "statut": "active",
        "source": "https://www.ofppt.ma/",
    }
    return {k: v for k, v in (cells | changes).items() if v}


def test_accounts_keep_only_token_hashes_and_revocation_is_immediate(store: OxigraphStore) -> None:
    account, token = add_account(store, BASE, "alice", "applicant", "ofppt", "formation professionnelle")
    assert account.organisation == f"{BASE}organisation/ofppt" and account.subsector == "vocational-training"
    quads = list(store.quads(accounts_graph(BASE)))
    assert token_hash(token) in {q.object.value for q in quads}
    assert token not in " ".join(str(q) for q in quads)
    assert not store.graphs(public_only=True).keys() & {accounts_graph(BASE)}
    assert account_for_token(store, BASE, token) == account
    assert account_for_token(store, BASE, token + "x") is None
    with pytest.raises(Conflict):
        add_account(store, BASE, "alice", "admin")
    revoked = revoke_account(store, BASE, "alice")
    assert revoked.revoked and account_for_token(store, BASE, token) is None
    assert [a.name for a in list_accounts(store, BASE)] == ["alice"]
    with pytest.raises(NotFound):
        revoke_account(store, BASE, "nobody")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"role": "applicant"}, "organisation"),
        ({"role": "applicant", "organisation": "ofppt"}, "sub-sector"),
        ({"role": "reviewer", "organisation": "nowhere"}, "unknown organisation"),
        ({"role": "boss"}, "not a role"),
        ({"role": "admin", "subsector": "cooking"}, "not a sub-sector"),
    ],
)
def test_account_options_are_checked(store: OxigraphStore, options: dict[str, str], says: str) -> None:
    with pytest.raises(InputError) as raised:
        add_account(store, BASE, "bob", **options)
    assert says in str(raised.value)


def people(store: OxigraphStore) -> dict[str, Account]:
    return {
        "alice": add_account(store, BASE, "alice", "applicant", "ofppt", "vocational-training")[0],
        "dora": add_account(store, BASE, "dora", "applicant", "dfp", "vocational-training")[0],
        "hugo": add_account(store, BASE, "hugo", "applicant", "um5", "higher-education")[0],
        "rita": add_account(store, BASE, "rita", "reviewer")[0],
        "ada": add_account(store, BASE, "ada", "admin")[0],
    }


def test_coordinating_body_policy_lets_only_coordinating_bodies_submit(
    store: OxigraphStore, settings: Settings
) -> None:
    who = people(store)
    registry = Registry(store, settings, RegistryPolicy("coordinating-body"))
    refused = registry.create(who["alice"], good_card("T-1"))
    with pytest.raises(Forbidden, match="coordinating body"):
        registry.submit(who["alice"], refused.id, None)
    accepted = registry.create(who["dora"], good_card("T-2"))
    assert registry.submit(who["dora"], accepted.id, None)[0].status == "submitted"


def test_submitting_for_another_subsector_is_forbidden(store: OxigraphStore, settings: Settings) -> None:
    who = people(store)
    registry = Registry(store, settings, RegistryPolicy())
    app = registry.create(who["hugo"], good_card("T-3"))
    with pytest.raises(Forbidden, match="higher-education"):
        registry.submit(who["hugo"], app.id, None)


def walk_to_published(registry: Registry, who: dict[str, Account], code: str) -> str:
    app = registry.create(who["alice"], good_card(code))
    registry.submit(who["alice"], app.id, None)
    registry.assign(who["rita"], app.id, None)
    registry.approve(who["rita"], app.id, None)
    return str(registry.publish(who["ada"], app.id, None).registration_number)


def test_registration_numbers_are_sequential_per_year_and_codes_unique(
    store: OxigraphStore, settings: Settings
) -> None:
    who = people(store)
    registry = Registry(store, settings, RegistryPolicy())
    year = dt.datetime.now(dt.UTC).year
    assert walk_to_published(registry, who, "T-10") == f"CNC-{year}-00001"
    assert walk_to_published(registry, who, "T-11") == f"CNC-{year}-00002"
    # The same code again is an amendment: version 2, the same registration number, no new number used.
    assert walk_to_published(registry, who, "T-10") == f"CNC-{year}-00001"
    assert [v["version"] for v in registry.life.versions("T-10")] == [1, 2]
    assert walk_to_published(registry, who, "T-12") == f"CNC-{year}-00003"
    register = {q.subject.value for q in store.quads(registry.register_graph)}
    assert {f"{BASE}qualification/T-10", f"{BASE}qualification/T-11", f"{BASE}qualification/T-10/version/2"} <= register
    # A code another graph holds (an inventory file's) is still taken: refused at submission.
    with store.transaction() as tx:
        tx.add(
            f"{BASE}graph/inventory/vocational-training",
            [
                ox.Triple(
                    ox.NamedNode(f"{BASE}qualification/T-13"),
                    ox.NamedNode(RDF_TYPE),
                    ox.NamedNode(CNC + "Qualification"),
                ),
                ox.Triple(ox.NamedNode(f"{BASE}qualification/T-13"), ox.NamedNode(CNC + "code"), ox.Literal("T-13")),
            ],
        )
    with pytest.raises(ValidationFailed) as taken:
        walk_to_published(registry, who, "T-13")
    assert [p.field for p in taken.value.report.violations] == ["code"]  # type: ignore[attr-defined]


def test_stale_if_match_is_refused_before_anything_is_written(store: OxigraphStore, settings: Settings) -> None:
    who = people(store)
    registry = Registry(store, settings, RegistryPolicy())
    app = registry.create(who["alice"], good_card("T-20"))
    edited = registry.edit(who["alice"], app.id, good_card("T-20", niveau_cnc="4"), app.etag)
    with pytest.raises(PreconditionFailed) as stale:
        registry.edit(who["alice"], app.id, good_card("T-20", niveau_cnc="6"), app.etag)
    assert stale.value.http_status == 412
    assert registry.get(who["alice"], app.id).version == edited.version == 2
    assert registry.edit(who["alice"], app.id, {}, "*", merge=True).version == 3


def test_a_failed_commit_leaves_no_half_applied_transition(
    store: OxigraphStore, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = people(store)
    registry = Registry(store, settings, RegistryPolicy())
    app = registry.create(who["alice"], good_card("T-30"))
    registry.submit(who["alice"], app.id, None)
    registry.assign(who["rita"], app.id, None)
    registry.approve(who["rita"], app.id, None)
    before = {g: sorted(str(q) for q in store.quads(g)) for g in store.graphs() if "/staging/" not in g}

    class FailingCommit:
        """The real store, except that the final update of a commit fails (as a crash there would)."""

        def __init__(self, real: ox.Store) -> None:
            self.real = real

        def __getattr__(self, name: str) -> object:
            return getattr(self.real, name)

        def update(self, *args: object, **kwargs: object) -> None:
            raise OSError("disk full")

    monkeypatch.setattr(store, "_store", FailingCommit(store._store))  # noqa: SLF001
    with pytest.raises(StoreError):
        registry.publish(who["ada"], app.id, None)
    monkeypatch.undo()
    after = {g: sorted(str(q) for q in store.quads(g)) for g in store.graphs() if "/staging/" not in g}
    assert after == before
    assert registry.get(who["ada"], app.id).status == "approved"
    assert [e.action for e in registry.history(who["ada"], app.id)][-1] == "approve"
    assert walk_to_published(registry, who, "T-31").endswith("-00001")

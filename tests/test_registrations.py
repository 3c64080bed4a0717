"""The registration workflow over HTTP, against a real ``cnc-graph serve`` on a store built once.

Walks cards from draft to published (then finds them in search, SPARQL and the dumps), through the
changes-requested loop and a rejection; checks every refused move, the 422 for each missing required
field, that nothing private leaks on a public surface, and that a kill -9 right after a 2xx loses nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from tests.conftest import BASE, run_cli
from tests.servers import ServeProcess

PROBLEM = "application/problem+json"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
REQUIRED = ("code", "intitule_fr", "sous_secteur", "niveau_cnc", "organisme_certificateur", "statut", "source")


def card(code: str, /, **changes: Any) -> dict[str, Any]:
    """Return a complete, valid vocational-training card for OFPPT (``None`` in ``changes`` drops a field)."""
    body: dict[str, Any] = {
        "code": code,
        "intitule_fr": f"Technicien spécialisé en essais {code}",
        "title_en": f"Specialised technician in testing {code}",
        "sous_secteur": "vocational-training",
        "niveau_cnc": 5,
        "organisme_certificateur": "ofppt",
        "domaine_isced_f": "0613",
        "acquis_fr": ["Concevoir un plan d'essais", "Rédiger un rapport d'essais"],
        "duree": "2 ans",
        "modes_acquisition": "formal-programme",
        "prestataires": ["ofppt"],
        "regions": ["casablanca-settat"],
        "statut": "active",
        "source": ["https://www.ofppt.ma/"],
    }
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


@dataclass
class World:
    """The store, the server and one token per account."""

    store: Path
    server: ServeProcess
    tokens: dict[str, str]
    account_graph: list[str]

    def client(self, who: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.Client(base_url=self.server.url, headers=headers, timeout=30)


def add_user(store: Path, name: str, *options: str) -> str:
    result = run_cli("users", "add", name, *options, "--store", str(store))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip("\n").splitlines()
    token = lines[-1]
    assert TOKEN_RE.fullmatch(token), result.stdout
    assert all(token not in line for line in lines[:-1])
    return token


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = tmp_path_factory.mktemp("registrations") / "store"
    assert run_cli("build", "--store", str(store)).returncode == 0
    vt = ("--organisation", "ofppt", "--subsector", "vocational-training")
    tokens = {
        "alice": add_user(store, "alice", "--role", "applicant", *vt),
        "amir": add_user(store, "amir", "--role", "applicant", *vt),
        "hugo": add_user(
            store, "hugo", "--role", "applicant", "--organisation", "um5", "--subsector", "higher-education"
        ),
        "rita": add_user(store, "rita", "--role", "reviewer"),
        "rex": add_user(store, "rex", "--role", "reviewer"),
        "ada": add_user(store, "ada", "--role", "admin"),
    }
    # What the store holds about accounts, read before the server takes the store's lock.
    raw = ox.Store(str(store))
    accounts = [str(q) for q in raw.quads_for_pattern(None, None, None, ox.NamedNode(BASE + "graph/private/accounts"))]
    del raw
    server = ServeProcess(str(store), store.parent)
    server.start()
    try:
        yield World(store, server, tokens, accounts)
    finally:
        server.stop()


def create(c: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = c.post("/api/registrations", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def act(c: httpx.Client, app_id: str, action: str, expect: int = 200, **body: Any) -> httpx.Response:
    response = c.post(f"/api/registrations/{app_id}/{action}", json=body or None)
    assert response.status_code == expect, response.text
    return response


def sparql(world: World, query: str) -> list[dict[str, Any]] | None:
    """Return the bindings of a SELECT on /sparql, or None when the app has no SPARQL endpoint."""
    response = httpx.get(
        f"{world.server.url}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    if response.status_code == 404 and "sparql" not in response.text.lower():
        assert importlib.util.find_spec("api.routes.sparql") is None, "the app has a SPARQL module but no /sparql"
        return None
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]  # type: ignore[no-any-return]


# --- accounts ----------------------------------------------------------------------------------


def test_store_keeps_token_hashes_never_tokens(world: World) -> None:
    text = "\n".join(world.account_graph)
    for name, token in world.tokens.items():
        assert token not in text
        assert hashlib.sha256(token.encode()).hexdigest() in text
        assert f"account/{name}>" in text


# --- the happy path ----------------------------------------------------------------------------


def test_card_walks_from_draft_to_published_and_is_public_everywhere(world: World) -> None:
    alice, rita, ada = world.client("alice"), world.client("rita"), world.client("ada")
    code = "OFPPT-TS-E2E-PUB"
    draft = create(alice, card(code, niveau_cnc=4))
    app_id = draft["id"]
    assert draft["status"] == "draft" and draft["version"] == 1 and draft["applicant"] == "ofppt"
    assert draft["card"]["niveau_cnc"] == "4" and draft["card"]["duree"] == "P2Y"
    assert {a["action"] for a in draft["allowed"]} == {"edit", "submit", "withdraw"}

    read = alice.get(f"/api/registrations/{app_id}")
    etag = read.headers["ETag"]
    edited = alice.put(f"/api/registrations/{app_id}", json=card(code), headers={"If-Match": etag})
    assert edited.status_code == 200, edited.text
    assert edited.headers["ETag"] != etag and edited.json()["card"]["niveau_cnc"] == "5"
    stale = alice.put(f"/api/registrations/{app_id}", json=card(code, niveau_cnc=6), headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.headers["content-type"].startswith(PROBLEM)

    submitted = act(alice, app_id, "submit").json()
    assert submitted["status"] == "submitted" and submitted["submitted_by"] == "alice"
    assert any(w["field"] == "description_fr" and w["severity"] == "Warning" for w in submitted["warnings"])
    assert act(rita, app_id, "assign").json()["status"] == "under-review"
    assert act(rita, app_id, "approve", comment="conforme").json()["status"] == "approved"
    published = act(ada, app_id, "publish").json()
    assert published["status"] == "published"
    number = published["registration_number"]
    assert re.fullmatch(r"CNC-\d{4}-\d{5}", number) and published["registration_date"]
    assert published["qualification"] == f"{BASE}qualification/{code}"

    history = alice.get(f"/api/registrations/{app_id}/history").json()["history"]
    assert [h["action"] for h in history] == ["create", "edit", "submit", "assign", "approve", "publish"]
    assert [h["agent"] for h in history] == ["alice", "alice", "alice", "rita", "rita", "ada"]
    assert history[1]["changed"] == ["niveau_cnc"] and history[1]["card_before"] == 1
    assert history[4]["comment"] == "conforme" and history[5]["to_status"] == "published"
    assert alice.get(f"/api/registrations/{app_id}/versions/1").json()["card"]["niveau_cnc"] == "4"

    public = httpx.Client(base_url=world.server.url, timeout=30)
    found = public.get("/api/qualifications", params={"q": f"essais {code}"}).json()
    assert [i["code"] for i in found["items"]] == [code]
    assert found["items"][0]["level"]["cnc"] == "5"
    assert public.get(f"/api/qualifications/{code}").status_code == 200

    rows = sparql(
        world,
        "PREFIX cnc: <https://w3id.org/cnc-ma/ontology#> PREFIX prov: <http://www.w3.org/ns/prov#> "
        f'SELECT ?n ?a ?t WHERE {{ ?q cnc:code "{code}" ; cnc:registrationNumber ?n ; prov:wasGeneratedBy ?a . '
        "?a a prov:Activity ; prov:endedAtTime ?t }",
    )
    if rows is not None:
        assert [r["n"]["value"] for r in rows] == [number]
        assert rows[0]["a"]["value"] == f"{BASE}registration/{app_id}/activity/6"
    activity = public.get(f"/id/registration/{app_id}/activity/6", headers={"Accept": "application/n-triples"})
    assert activity.status_code == 200 and "account/" not in activity.text

    catalogue = public.get("/dumps", headers={"Accept": "text/turtle"}).text
    assert "graph-register.nt" in catalogue
    dump = public.get("/dumps/cnc-graph.nt").text
    assert f"<{BASE}qualification/{code}>" in dump and f'"{number}"' in dump
    register = public.get("/dumps/graph-register.nt").text
    assert f"<{BASE}qualification/{code}> <http://www.w3.org/ns/prov#wasGeneratedBy>" in register


def test_card_can_be_sent_as_json_ld(world: World) -> None:
    alice = world.client("alice")
    document = {
        "@context": f"{world.server.url}/context.jsonld",
        "@id": "qualification/OFPPT-TS-E2E-LD",
        "@type": "cnc:Qualification",
        "code": "OFPPT-TS-E2E-LD",
        "dct:title": {"@value": "Technicien en données liées", "@language": "fr"},
        "level": {"@id": "framework/cnc/level/5"},
        "subSector": {"@id": "subsector/vocational-training"},
        "awardingBody": {"@id": "organisation/ofppt"},
    }
    response = alice.post(
        "/api/registrations", content=json.dumps(document), headers={"Content-Type": "application/ld+json"}
    )
    assert response.status_code == 201, response.text
    described = alice.get(response.headers["Location"], headers={"Accept": "application/ld+json"})
    assert described.headers["content-type"].startswith("application/ld+json")
    assert "Technicien en données liées" in described.text and "RegistrationApplication" in described.text
    assert response.json()["card"] == {
        "code": "OFPPT-TS-E2E-LD",
        "intitule_fr": "Technicien en données liées",
        "sous_secteur": "vocational-training",
        "niveau_cnc": "5",
        "organisme_certificateur": "ofppt",
    }


# --- the loop and a rejection ------------------------------------------------------------------


def test_changes_requested_loop_then_rejection(world: World) -> None:
    alice, rita = world.client("alice"), world.client("rita")
    app_id = create(alice, card("OFPPT-TS-E2E-LOOP"))["id"]
    act(alice, app_id, "submit")
    act(rita, app_id, "assign")
    back = act(
        rita,
        app_id,
        "request-changes",
        comment="Précisez le niveau.",
        fields={"niveau_cnc": "justifiez le niveau 5", "title_en": "check the English title"},
    ).json()
    assert back["status"] == "changes-requested"
    seen = alice.get(f"/api/registrations/{app_id}").json()
    assert seen["review"]["fields"] == {"niveau_cnc": "justifiez le niveau 5", "intitule_en": "check the English title"}
    assert seen["review"]["comment"] == "Précisez le niveau." and seen["review"]["by"] == "rita"
    patched = alice.patch(f"/api/registrations/{app_id}", json={"niveau_cnc": 4, "intitule_en": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "changes-requested"
    assert patched.json()["card"]["niveau_cnc"] == "4" and "intitule_en" not in patched.json()["card"]
    assert act(alice, app_id, "submit").json()["status"] == "submitted"
    act(rita, app_id, "assign")
    rejected = act(rita, app_id, "reject", reason="Doublon d'une certification existante.").json()
    assert rejected["status"] == "rejected" and rejected["allowed"] == []
    history = alice.get(f"/api/registrations/{app_id}/history").json()["history"]
    assert [h["action"] for h in history] == [
        "create",
        "submit",
        "assign",
        "request-changes",
        "edit",
        "submit",
        "assign",
        "reject",
    ]
    assert history[3]["fields"]["niveau_cnc"] == "justifiez le niveau 5"
    assert history[4]["changed"] == ["intitule_en", "niveau_cnc"]
    assert history[7]["comment"] == "Doublon d'une certification existante."
    assert alice.put(f"/api/registrations/{app_id}", json=card("OFPPT-TS-E2E-LOOP")).status_code == 409
    assert act(world.client("ada"), app_id, "publish", expect=409).json()["allowed"] == []


def test_withdrawn_application_is_final(world: World) -> None:
    alice = world.client("alice")
    app_id = create(alice, card("OFPPT-TS-E2E-WD"))["id"]
    assert act(alice, app_id, "withdraw", comment="erreur").json()["status"] == "withdrawn"
    assert act(alice, app_id, "submit", expect=409).json()["allowed"] == []


# --- refusals ----------------------------------------------------------------------------------


def test_forbidden_moves_are_refused(world: World) -> None:
    alice, hugo, rita, rex, ada = (world.client(n) for n in ("alice", "hugo", "rita", "rex", "ada"))
    anonymous = httpx.Client(base_url=world.server.url, timeout=30)
    app_id = create(alice, card("OFPPT-TS-E2E-NO"))["id"]

    # no token, or a wrong one: 401 for every write and read of the workflow
    for method, path in (("post", ""), ("post", f"/{app_id}/submit"), ("put", f"/{app_id}"), ("get", "")):
        response = getattr(anonymous, method)(f"/api/registrations{path}", **({"json": {}} if method != "get" else {}))
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    forged = anonymous.post("/api/registrations", json=card("X-1"), headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401

    # another organisation's applicant cannot see the draft, nor act on it
    assert hugo.get(f"/api/registrations/{app_id}").status_code == 404
    assert hugo.put(f"/api/registrations/{app_id}", json=card("OFPPT-TS-E2E-NO")).status_code == 404
    assert app_id not in {i["id"] for i in hugo.get("/api/registrations").json()["items"]}
    assert app_id in {i["id"] for i in world.client("amir").get("/api/registrations").json()["items"]}

    # a draft is its applicant's own: reviewers see applications once submitted
    assert rita.get(f"/api/registrations/{app_id}").status_code == 404
    assert app_id not in {i["id"] for i in rita.get("/api/registrations").json()["items"]}
    assert ada.get(f"/api/registrations/{app_id}").status_code == 200

    # a reviewer cannot edit a card's content
    act(alice, app_id, "submit")
    refused = rita.put(f"/api/registrations/{app_id}", json=card("OFPPT-TS-E2E-NO", niveau_cnc=6))
    assert refused.status_code == 409 and refused.json()["allowed"] == [{"action": "assign", "to": "under-review"}]
    act(rita, app_id, "assign")
    refused = rita.patch(f"/api/registrations/{app_id}", json={"niveau_cnc": 6})
    assert refused.status_code == 409
    assert {a["action"] for a in refused.json()["allowed"]} == {"assign", "request-changes", "approve", "reject"}

    # an applicant cannot approve: 409 listing what it may do
    refused = act(alice, app_id, "approve", expect=409).json()
    assert refused["allowed"] == [{"action": "withdraw", "to": "withdrawn"}]
    assert refused["state"] == "under-review" and refused["role"] == "applicant"

    # only the assigned reviewer decides
    assert act(rex, app_id, "approve", expect=403).json()["status"] == 403

    # publishing an unapproved card
    refused = act(ada, app_id, "publish", expect=409).json()
    assert "publish" not in {a["action"] for a in refused["allowed"]}
    assert alice.get(f"/api/registrations/{app_id}").json()["status"] == "under-review"


def test_concurrent_edits_with_the_same_etag_one_wins(world: World) -> None:
    alice = world.client("alice")
    app_id = create(alice, card("OFPPT-TS-E2E-RACE"))["id"]
    etag = alice.get(f"/api/registrations/{app_id}").headers["ETag"]
    results: list[int] = []

    def edit(level: int) -> None:
        with world.client("alice") as c:
            body = card("OFPPT-TS-E2E-RACE", niveau_cnc=level)
            results.append(c.put(f"/api/registrations/{app_id}", json=body, headers={"If-Match": etag}).status_code)

    threads = [threading.Thread(target=edit, args=(level,)) for level in (3, 4, 6, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 412, 412, 412]
    assert alice.get(f"/api/registrations/{app_id}").json()["version"] == 2


# --- the submission shapes ---------------------------------------------------------------------


@pytest.mark.parametrize("missing", REQUIRED)
def test_card_missing_a_required_field_is_422_naming_it(world: World, missing: str) -> None:
    alice = world.client("alice")
    app_id = create(alice, card(f"OFPPT-TS-E2E-MISS-{REQUIRED.index(missing)}", **{missing: None}))["id"]
    response = act(alice, app_id, "submit", expect=422)
    assert response.headers["content-type"].startswith(PROBLEM)
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [missing], errors
    messages = errors[0]["messages"]
    assert messages["fr"] and messages["en"] and messages["fr"] != messages["en"]
    assert missing in messages["fr"] and missing in messages["en"]
    assert "value" in errors[0]
    assert alice.get(f"/api/registrations/{app_id}").json()["status"] == "draft"


def test_malformed_value_is_422_naming_field_and_value(world: World) -> None:
    response = world.client("alice").post("/api/registrations", json=card("OFPPT-TS-E2E-BAD", niveau_cnc=9))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "niveau_cnc" and error["value"] == "9"
    assert "1" in error["messages"]["fr"] and "8" in error["messages"]["en"]


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [
        ("intitule_fr", "T" * 301, "300"),
        ("acquis_fr", ["A" * 1001], "1 000"),
        ("source", [f"https://www.ofppt.ma/{n}" for n in range(21)], "20"),
    ],
)
def test_a_field_over_its_limit_is_refused_even_in_a_draft_naming_it_in_both_languages(
    world: World, field: str, value: object, limit: str
) -> None:
    alice = world.client("alice")
    code = f"OFPPT-TS-E2E-MAX-{limit[0]}"
    response = alice.post("/api/registrations", json=card(code, **{field: value}))  # not even as a draft
    assert response.status_code == 422
    [error] = [e for e in response.json()["errors"] if e["severity"] == "Violation"]
    assert error["field"] == field
    assert limit in error["messages"]["fr"] and limit.replace(" ", ",") in error["messages"]["en"]
    app_id = create(alice, card(code))["id"]
    refused = alice.patch(f"/api/registrations/{app_id}", json={field: value})  # nor as an edit
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field


def test_code_already_in_the_register_is_422_on_code(world: World) -> None:
    alice = world.client("alice")
    app_id = create(alice, card("OFPPT-TS-TDI"))["id"]
    errors = act(alice, app_id, "submit", expect=422).json()["errors"]
    assert [(e["field"], e["value"]) for e in errors] == [("code", "OFPPT-TS-TDI")]


def test_unknown_card_field_is_400(world: World) -> None:
    response = world.client("alice").post("/api/registrations", json=card("OFPPT-TS-E2E-UNK", niveau=5))
    assert response.status_code == 400 and "niveau_cnc" in response.text


# --- nothing private on public surfaces --------------------------------------------------------


def test_private_data_never_reaches_public_surfaces(world: World) -> None:
    alice = world.client("alice")
    secret = "Brouillon confidentiel ZQXW"
    code = "OFPPT-TS-E2E-SECRET"
    app_id = create(alice, card(code, intitule_fr=secret))["id"]
    act(alice, app_id, "submit")
    token_hash = hashlib.sha256(world.tokens["alice"].encode()).hexdigest()
    public = httpx.Client(base_url=world.server.url, timeout=30)

    assert public.get("/api/qualifications", params={"q": "ZQXW"}).json()["total"] == 0
    assert public.get(f"/api/qualifications/{code}").status_code == 404
    for path in (f"registration/{app_id}", f"registration/{app_id}/card", "account/alice"):
        assert public.get(f"/id/{path}").status_code == 404, path

    queries = [
        f'SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(CONTAINS(STR(?o), "ZQXW") || STR(?o) = "{token_hash}") }}',
        f'SELECT * WHERE {{ ?s ?p ?o FILTER(CONTAINS(STR(?o), "ZQXW") || STR(?o) = "{token_hash}") }}',
        "SELECT * WHERE { ?s <http://xmlns.com/foaf/0.1/accountName> ?name }",
        "SELECT * WHERE { ?app a <https://w3id.org/cnc-ma/ontology#RegistrationApplication> }",
        "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'private')) }",
        f"SELECT * FROM NAMED <{BASE}graph/private/accounts> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{BASE}graph/private/registration/{app_id}> WHERE {{ ?s ?p ?o }}",
    ]
    for query in queries:
        rows = sparql(world, query)
        assert not rows, (query, rows)

    catalogue = public.get("/dumps", headers={"Accept": "text/turtle"}).text
    assert "private" not in catalogue
    dump = public.get("/dumps/cnc-graph.nt").text
    for leak in ("ZQXW", token_hash, "account/alice", "/graph/private/", f"registration/{app_id}/card"):
        assert leak not in dump, leak


# --- durability --------------------------------------------------------------------------------


def test_kill_9_right_after_a_2xx_loses_nothing_and_revocation_holds(world: World) -> None:
    alice = world.client("alice")
    busy = create(alice, card("OFPPT-TS-E2E-BUSY"))["id"]
    acknowledged: list[tuple[int, str]] = []
    stop = threading.Event()

    def keep_editing() -> None:
        # Edits keep coming while the server is killed: the kill lands somewhere inside a transition.
        with world.client("alice") as c:
            level = 0
            while not stop.is_set():
                level = level % 8 + 1
                try:
                    response = c.patch(f"/api/registrations/{busy}", json={"niveau_cnc": level})
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    acknowledged.append((response.json()["version"], response.json()["card"]["niveau_cnc"]))

    editor = threading.Thread(target=keep_editing)
    editor.start()
    app_id = create(alice, card("OFPPT-TS-E2E-KILL"))["id"]
    time.sleep(0.3)
    submitted = act(alice, app_id, "submit").json()
    world.server.kill9()  # right after the 2xx: no graceful shutdown, no flush on exit
    stop.set()
    editor.join(timeout=30)
    assert acknowledged

    revoked = run_cli("users", "revoke", "amir", "--store", str(world.store))
    assert revoked.returncode == 0, revoked.stderr
    world.server.start()

    after = world.client("alice").get(f"/api/registrations/{app_id}")
    assert after.status_code == 200
    body = after.json()
    assert body["status"] == "submitted" and body["version"] == submitted["version"] == 2
    assert body["card"] == submitted["card"]
    assert [h["action"] for h in body["history"]] == ["create", "submit"]

    # every acknowledged edit is there; whatever was cut short left no trace: state, card and trail agree
    busy_now = world.client("alice").get(f"/api/registrations/{busy}").json()
    last_version, last_level = acknowledged[-1]
    assert busy_now["version"] in (last_version, last_version + 1)
    if busy_now["version"] == last_version:
        assert busy_now["card"]["niveau_cnc"] == last_level
    assert [h["version"] for h in busy_now["history"]] == list(range(1, busy_now["version"] + 1))
    recorded = world.client("alice").get(f"/api/registrations/{busy}/versions/{busy_now['version']}").json()
    assert recorded["card"] == busy_now["card"]

    assert world.client("amir").get("/api/registrations").status_code == 401
    assert world.client("amir").post(f"/api/registrations/{app_id}/withdraw").status_code == 401

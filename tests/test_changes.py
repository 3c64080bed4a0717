"""``/changes``: a partner polls the register's publications, as Atom (by default) or JSON, ``since`` a time."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cnc_graph.build import build
from cnc_graph.registry.accounts import add_account
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import BASE

A = "{http://www.w3.org/2005/Atom}"
TITLE = "Technicien spécialisé en essais <mesures & contrôle>"


def card(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "intitule_fr": TITLE,
        "sous_secteur": "vocational-training",
        "niveau_cnc": 5,
        "organisme_certificateur": "ofppt",
        "statut": "active",
        "source": ["https://www.ofppt.ma/"],
    }


@pytest.fixture(scope="module")
def client(settings: Settings) -> TestClient:
    """An app on a built store where one card went from draft to published."""
    store = OxigraphStore(None, settings.base_iri)
    build(store, settings)
    tokens = {
        "alice": add_account(store, settings.base_iri, "alice", "applicant", "ofppt", "vocational-training")[1],
        "rita": add_account(store, settings.base_iri, "rita", "reviewer")[1],
        "ada": add_account(store, settings.base_iri, "ada", "admin")[1],
    }
    client = TestClient(create_app(settings, store))

    def act(who: str, path: str, body: object = None) -> dict[str, Any]:
        answer = client.post(path, json=body, headers={"Authorization": f"Bearer {tokens[who]}"})
        assert answer.status_code in (200, 201), answer.text
        return answer.json()  # type: ignore[no-any-return]

    app_id = act("alice", "/api/registrations", card("OFPPT-TS-FEED"))["id"]
    act("alice", f"/api/registrations/{app_id}/submit")
    act("rita", f"/api/registrations/{app_id}/assign")
    act("rita", f"/api/registrations/{app_id}/approve")
    act("ada", f"/api/registrations/{app_id}/publish")
    return client


def test_the_feed_is_atom_by_default_with_each_publication(client: TestClient) -> None:
    answer = client.get("/changes")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)  # well-formed, the title's < & > escaped
    assert feed.tag == f"{A}feed"
    [entry] = feed.findall(f"{A}entry")
    assert entry.findtext(f"{A}title") == f"OFPPT-TS-FEED — {TITLE}"
    assert entry.find(f"{A}category").get("term") == "published"  # type: ignore[union-attr]
    links = {link.get("rel"): link.get("href") for link in entry.findall(f"{A}link")}
    assert links["alternate"] == f"{BASE}qualification/OFPPT-TS-FEED"  # the register's IRI, whatever the Host
    assert (
        client.get("/id/" + links["alternate"].removeprefix(BASE), headers={"Accept": "text/html"}).status_code == 200
    )
    assert "CNC-" in (entry.findtext(f"{A}summary") or "")  # the registration number
    assert feed.findtext(f"{A}updated") == entry.findtext(f"{A}updated")


def test_the_same_changes_as_json_and_polled_since_a_time(client: TestClient) -> None:
    [change] = client.get("/changes", headers={"Accept": "application/json"}).json()["changes"]
    assert change["code"] == "OFPPT-TS-FEED" and change["kind"] == "published"
    assert change["titles"]["fr"] == TITLE and change["registration_number"].startswith("CNC-")
    assert client.get("/changes", params={"format": "json"}).json()["changes"] == [change]
    assert client.get("/changes", params={"format": "json", "since": change["time"]}).json()["changes"] == []
    before = client.get("/changes", params={"format": "json", "since": "2000-01-01T00:00:00Z"}).json()
    assert before["changes"] == [change]
    assert client.head("/changes").status_code == 200


@pytest.mark.parametrize(
    ("params", "said"),
    [({"since": "yesterday"}, "since"), ({"limit": "0"}, "limit"), ({"format": "rss"}, "format")],
)
def test_a_bad_poll_says_what_is_wrong(client: TestClient, params: dict[str, str], said: str) -> None:
    answer = client.get("/changes", params=params)
    assert answer.status_code == 400 and said in answer.text


def test_an_empty_register_is_an_empty_feed(settings: Settings) -> None:
    store = OxigraphStore(None, settings.base_iri)
    build(store, settings)
    answer = TestClient(create_app(settings, store)).get("/changes")
    feed = ET.fromstring(answer.content)
    assert answer.status_code == 200 and feed.findall(f"{A}entry") == []

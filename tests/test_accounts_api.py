"""``/api/accounts``: an admin creates, lists, reads, revokes accounts and resets tokens while the app runs;
each change is in the audit trail; nobody else may, and a token is never shown twice."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cnc_graph.build import build
from cnc_graph.registry.accounts import add_account, list_accounts
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from tests.conftest import run_cli
from tests.servers import ServeProcess


@pytest.fixture()
def world(settings: Settings) -> tuple[TestClient, OxigraphStore, str]:
    """A built store with one admin (made from the command line), its app, and the admin's token."""
    store = OxigraphStore(None, settings.base_iri)
    build(store, settings)
    _, token = add_account(store, settings.base_iri, "secretariat", "admin")
    return TestClient(create_app(settings, store)), store, token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_admin_manages_accounts_with_the_app_running(world: tuple[TestClient, OxigraphStore, str]) -> None:
    client, store, admin = world
    created = client.post(
        "/api/accounts",
        json={"name": "ofppt-1", "role": "applicant", "organisation": "ofppt", "subsector": "vocational-training"},
        headers=bearer(admin),
    )
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/accounts/ofppt-1" and created.headers["cache-control"] == "no-store"
    token = created.json()["token"]
    assert created.json()["account"]["organisation"] == "ofppt"
    assert client.get("/api/registrations", headers=bearer(token)).status_code == 200  # the new token works

    listed = client.get("/api/accounts", headers=bearer(admin)).json()["accounts"]
    assert [a["name"] for a in listed] == ["ofppt-1", "secretariat"]
    assert token not in client.get("/api/accounts", headers=bearer(admin)).text  # never shown again

    reset = client.post("/api/accounts/ofppt-1/token", headers=bearer(admin))
    assert reset.status_code == 200 and reset.json()["token"] != token
    assert client.get("/api/registrations", headers=bearer(token)).status_code == 401  # the old one is dead
    assert client.get("/api/registrations", headers=bearer(reset.json()["token"])).status_code == 200

    revoked = client.post("/api/accounts/ofppt-1/revoke", headers=bearer(admin))
    assert revoked.status_code == 200 and revoked.json()["account"]["revoked"]
    assert client.get("/api/registrations", headers=bearer(reset.json()["token"])).status_code == 401
    assert client.post("/api/accounts/ofppt-1/token", headers=bearer(admin)).status_code == 409

    history = client.get("/api/accounts/ofppt-1", headers=bearer(admin)).json()["history"]
    assert [(h["action"], h["by"]) for h in history] == [
        ("account-created", "secretariat"),
        ("token-reset", "secretariat"),
        ("account-revoked", "secretariat"),
    ]
    first = client.get("/api/accounts/secretariat", headers=bearer(admin)).json()["history"]
    assert [(h["action"], h["by"], h["via"]) for h in first] == [("account-created", None, "command line")]
    assert {a.name for a in list_accounts(store, store.base_iri)} == {"ofppt-1", "secretariat"}


def test_only_an_admin_manages_accounts(world: tuple[TestClient, OxigraphStore, str], settings: Settings) -> None:
    client, store, admin = world
    _, reviewer = add_account(store, settings.base_iri, "cp-member", "reviewer")
    for method, path in (("get", "/api/accounts"), ("post", "/api/accounts/secretariat/revoke")):
        assert getattr(client, method)(path, headers=bearer(reviewer)).status_code == 403
        assert getattr(client, method)(path).status_code == 401
    refused = client.post("/api/accounts", json={"name": "x", "role": "admin"}, headers=bearer(reviewer))
    assert refused.status_code == 403 and "only an admin" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        ({"name": "Bad Name", "role": "admin"}, 400, "name"),
        ({"name": "x", "role": "king"}, 400, "role"),
        ({"name": "x", "role": "applicant"}, 400, "organisation and a sub-sector"),
        (
            {"name": "x", "role": "applicant", "organisation": "nowhere", "subsector": "vocational-training"},
            400,
            "nowhere",
        ),
        ({"name": "secretariat", "role": "admin"}, 409, "already exists"),
    ],
)
def test_a_refused_account_says_why(
    world: tuple[TestClient, OxigraphStore, str], body: dict[str, str], status: int, said: str
) -> None:
    client, store, admin = world
    answer = client.post("/api/accounts", json=body, headers=bearer(admin))
    assert answer.status_code == status and said in answer.text, answer.text
    assert {a.name for a in list_accounts(store, store.base_iri)} == {"secretariat"}  # nothing half-made


def test_an_admin_cannot_revoke_themselves_and_unknown_accounts_are_404(
    world: tuple[TestClient, OxigraphStore, str],
) -> None:
    client, _, admin = world
    assert client.post("/api/accounts/secretariat/revoke", headers=bearer(admin)).status_code == 409
    assert client.get("/api/accounts/nobody", headers=bearer(admin)).status_code == 404
    assert client.post("/api/accounts/nobody/token", headers=bearer(admin)).status_code == 404


def test_the_cli_manages_accounts_through_a_running_server(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli("build", "--store", str(store)).returncode == 0
    made = run_cli("users", "add", "secretariat", "--role", "admin", "--store", str(store))
    assert made.returncode == 0, made.stderr
    admin = made.stdout.rstrip("\n").splitlines()[-1]
    server = ServeProcess(str(store), tmp_path)
    server.start()
    try:
        locked = run_cli("users", "add", "rita", "--role", "reviewer", "--store", str(store))
        assert locked.returncode != 0 and "--server http://HOST:PORT --token ADMIN_TOKEN" in locked.stderr
        remote = ("--server", server.url, "--token", admin)
        added = run_cli("users", "add", "rita", "--role", "reviewer", *remote)
        assert added.returncode == 0, added.stderr
        first = added.stdout.rstrip("\n").splitlines()[-1]
        assert "created account rita (reviewer)" in added.stdout
        assert httpx.get(f"{server.url}/api/registrations", headers=bearer(first)).status_code == 200
        listed = run_cli("users", "list", *remote)
        assert listed.returncode == 0 and "rita" in listed.stdout and first not in listed.stdout
        reset = run_cli("users", "reset", "rita", *remote)
        assert reset.returncode == 0, reset.stderr
        second = reset.stdout.rstrip("\n").splitlines()[-1]
        assert second != first
        assert httpx.get(f"{server.url}/api/registrations", headers=bearer(first)).status_code == 401
        assert run_cli("users", "revoke", "rita", *remote).returncode == 0
        assert httpx.get(f"{server.url}/api/registrations", headers=bearer(second)).status_code == 401
        wrong = run_cli("users", "list", "--server", server.url, "--token", "not-a-token")
        assert wrong.returncode != 0 and "401" in wrong.stderr
    finally:
        server.stop()

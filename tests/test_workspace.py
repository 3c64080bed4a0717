"""The registration workspace's pages over HTTP: sessions, CSRF, roles, the card form and its checks, accounts.

The browser walks are in ``test_workspace_browser.py``; these tests pin down each rule on its own, on an
in-memory store: what a cookie holds and when it stops working, which forms are refused, what each role may
open, that the form comes from the same schema as ``docs/registration-card.md`` and keeps what was typed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.session import SessionKeeper
from cnc_graph.build import build
from cnc_graph.card.form import card_form, form_fields
from cnc_graph.card.shape_docs import column_docs
from cnc_graph.registry.accounts import account_history, add_account, reset_token, revoke_account
from cnc_graph.registry.service import Registry
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.validation.shapes import load_shapes

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "http://127.0.0.1"


class World:
    """A built store with an admin, an applicant of OFPPT and a reviewer, and one app over it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = OxigraphStore(None, settings.base_iri)
        build(self.store, settings)
        base = settings.base_iri
        _, self.admin = add_account(self.store, base, "secretariat", "admin")
        _, self.applicant = add_account(self.store, base, "ofppt-dev", "applicant", "ofppt", "vocational-training")
        _, self.other = add_account(self.store, base, "um5-dev", "applicant", "um5", "higher-education")
        _, self.reviewer = add_account(self.store, base, "cp-member", "reviewer")
        self.app = create_app(settings, self.store)

    def client(self, token: str | None = None) -> TestClient:
        """Return a browser-like client (its own cookies), signed in with ``token`` when given."""
        client = TestClient(self.app, base_url=BASE_URL, headers={"Accept": "text/html"})
        if token:
            answer = sign_in(client, token)
            assert answer.status_code == 303, answer.text
        return client


@pytest.fixture(scope="module")
def world(settings: Settings) -> World:
    return World(settings)


def sign_in(client: TestClient, token: str, next: str = "/registrations") -> object:
    page = client.get("/login", params={"next": next})
    nonce = re.search(r'name="login_nonce" value="([^"]+)"', page.text)
    assert nonce, page.text
    return client.post("/login", data={"token": token, "login_nonce": nonce[1], "next": next}, follow_redirects=False)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found[1]


def problems_of(html: str, column: str) -> str:
    found = re.search(rf'<ul class="field-problems" id="{column}-problems"[^>]*>(.*?)</ul>', html, re.S)
    return found[1] if found else ""


# --- sessions --------------------------------------------------------------------------------


def test_signing_in_sets_a_strict_httponly_cookie_without_the_token(world: World) -> None:
    client = world.client()
    assert client.get("/registrations", follow_redirects=False).headers["location"] == "/login?next=%2Fregistrations"
    answer = sign_in(client, world.applicant)
    assert answer.status_code == 303 and answer.headers["location"] == "/registrations"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("cnc_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert world.applicant not in cookie
    dashboard = client.get("/registrations")
    assert dashboard.status_code == 200 and "ofppt-dev" in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"
    assert world.applicant not in dashboard.text


def test_a_wrong_token_or_a_form_from_elsewhere_is_refused(world: World) -> None:
    client = world.client()
    refused = sign_in(client, "not-a-token")
    assert refused.status_code == 401 and "Jeton inconnu ou révoqué" in refused.text  # type: ignore[attr-defined]
    stranger = TestClient(world.app, base_url=BASE_URL)
    forged = stranger.post("/login", data={"token": world.applicant, "login_nonce": "x", "next": "/"})
    assert forged.status_code == 403 and "cnc_session=" not in forged.headers.get("set-cookie", "")


def test_after_sign_in_only_a_path_on_this_site_is_followed(world: World) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        answer = sign_in(world.client(), world.applicant, target)
        assert answer.headers["location"] == "/registrations", target  # type: ignore[attr-defined]
    answer = sign_in(world.client(), world.applicant, "/review?subsector=x")
    assert answer.headers["location"] == "/review?subsector=x"  # type: ignore[attr-defined]


def test_a_forged_cookie_and_a_signed_out_session_are_refused(world: World) -> None:
    client = world.client(world.applicant)
    kept = client.cookies.get("cnc_session")
    assert kept
    forged = world.client()
    forged.cookies.set("cnc_session", kept.replace(kept.split(".")[0][:8], "AAAAAAAA", 1))
    assert forged.get("/registrations", follow_redirects=False).status_code == 303
    out = client.post("/logout", data={"csrf": csrf_of(client.get("/registrations").text)}, follow_redirects=False)
    assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]
    replay = world.client()
    replay.cookies.set("cnc_session", kept)
    assert replay.get("/registrations", follow_redirects=False).status_code == 303, "a signed-out cookie is dead"


def test_sessions_time_out_when_idle_and_after_their_maximum_age() -> None:
    now = [1_000_000.0]
    keeper = SessionKeeper("secret", idle_s=60, clock=lambda: now[0])
    cookie = keeper.issue("someone", "hash")
    now[0] += 59
    session = keeper.read(cookie)
    assert session is not None
    renewed = keeper.renewed(session)
    now[0] += 59
    assert keeper.read(cookie) is None and keeper.read(renewed) is not None
    for _ in range(700):  # used every minute, it still ends ten hours after sign-in
        session = keeper.read(renewed)
        if session is None:
            break
        renewed = keeper.renewed(session)
        now[0] += 55
    assert now[0] - 1_000_000.0 <= 10 * 3600 + 120
    assert SessionKeeper("other").read(cookie) is None, "another key does not read it"


def test_a_reset_token_or_a_revoked_account_ends_its_sessions(settings: Settings) -> None:
    world = World(settings)
    client = world.client(world.reviewer)
    assert client.get("/review").status_code == 200
    reset_token(world.store, settings.base_iri, "cp-member")
    assert client.get("/review", follow_redirects=False).status_code == 303
    _, token = reset_token(world.store, settings.base_iri, "cp-member")
    client = world.client(token)
    revoke_account(world.store, settings.base_iri, "cp-member")
    assert client.get("/review", follow_redirects=False).status_code == 303


# --- forms and roles ------------------------------------------------------------------------


def test_every_form_needs_this_sessions_csrf_token(world: World) -> None:
    admin = world.client(world.admin)
    other = world.client(world.admin)
    foreign = csrf_of(other.get("/admin/accounts").text)
    for token in (None, foreign + "x", ""):
        data = {"name": "nobody", "role": "reviewer"} | ({"csrf": token} if token is not None else {})
        answer = admin.post("/admin/accounts", data=data)
        assert answer.status_code == 403 and "CSRF" in answer.text
    assert "nobody" not in admin.get("/admin/accounts").text


def test_each_role_opens_only_its_pages(world: World) -> None:
    applicant, reviewer = world.client(world.applicant), world.client(world.reviewer)
    assert applicant.get("/admin/accounts").status_code == 403
    assert applicant.get("/review").status_code == 403
    assert reviewer.get("/registrations/new").status_code == 403
    assert reviewer.get("/admin/accounts").status_code == 403
    draft = Registry(world.store, world.settings).create(_account(world, "um5-dev"), {"code": "UM5-X"})
    assert applicant.get(f"/registrations/{draft.id}").status_code == 404, "another body's application is not there"


def _account(world: World, name: str):  # type: ignore[no-untyped-def]
    from cnc_graph.registry.accounts import find_account

    found = find_account(world.store, world.settings.base_iri, name)
    assert found is not None
    return found


def test_the_form_keeps_what_was_typed_and_names_the_refused_field(world: World) -> None:
    client = world.client(world.applicant)
    csrf = csrf_of(client.get("/registrations/new").text)
    typed = {"csrf": csrf, "code": "OFPPT-FORM-1", "intitule_fr": "Technicien", "niveau_cnc": "9", "then": "save"}
    answer = client.post("/registrations/new", data=typed)
    assert answer.status_code == 422
    assert "n&#39;est pas un niveau CNC" in problems_of(answer.text, "niveau_cnc")
    assert 'value="OFPPT-FORM-1"' in answer.text and 'value="Technicien"' in answer.text
    assert 'value="9" selected' in answer.text, "the refused value stays, marked as not in the list"
    summaries = Registry(world.store, world.settings).application_summaries(_account(world, "ofppt-dev"))
    assert not [s for s in summaries if s["code"] == "OFPPT-FORM-1"], "nothing saved"


def test_outcomes_keep_their_pairs_and_a_pipe_is_refused(world: World) -> None:
    client = world.client(world.applicant)
    csrf = csrf_of(client.get("/registrations/new").text)
    form = {
        "csrf": csrf,
        "code": "OFPPT-FORM-2",
        "acquis_fr": ["Analyser", "", "Concevoir"],
        "acquis_en": ["Analyse", "Test", ""],
        "then": "save",
    }
    saved = client.post("/registrations/new", data=form, follow_redirects=False)
    assert saved.status_code == 303
    app_id = saved.headers["location"].split("/")[2].split("?")[0]
    registry = Registry(world.store, world.settings)
    cells = registry.get(_account(world, "ofppt-dev"), app_id).cells(world.settings.base_iri)
    assert cells["acquis_fr"] == "Analyser |  | Concevoir" and cells["acquis_en"] == "Analyse | Test"
    edit = client.get(f"/registrations/{app_id}/edit").text
    assert ">Analyser</textarea>" in edit and ">Test</textarea>" in edit
    piped = client.post("/registrations/new", data=form | {"code": "OFPPT-FORM-3", "source": ["a | b"]})
    assert piped.status_code == 422 and "« | »" in problems_of(piped.text, "source")


def test_the_live_check_names_each_field_and_writes_nothing(world: World) -> None:
    client = world.client(world.applicant)
    csrf = csrf_of(client.get("/registrations/new").text)
    registry = Registry(world.store, world.settings)
    before = len(registry.application_summaries(_account(world, "ofppt-dev")))
    answer = client.post(
        "/registrations/check?lang=en", data={"csrf": csrf, "code": "OFPPT-X", "intitule_fr": "x" * 301}
    )
    fields = answer.json()["fields"]
    assert answer.json()["violations"] >= 1
    assert any("300" in p["text"] and p["lang"] == "en" for p in fields["intitule_fr"])
    assert any(p["severity"] == "Violation" for p in fields["sous_secteur"])
    assert len(registry.application_summaries(_account(world, "ofppt-dev"))) == before
    assert client.post("/registrations/check", data={"code": "X"}).status_code == 403


def test_esco_search_finds_skills_by_the_words_of_their_labels(world: World) -> None:
    client = TestClient(world.app)
    found = client.get("/api/esco/search", params={"q": "DATA analytics", "lang": "en"}).json()["items"]
    assert found and all(i["iri"].startswith("http://data.europa.eu/esco/skill/") for i in found)
    assert "data analytics" in found[0]["label"].lower()
    occupations = client.get("/api/esco/search", params={"q": "a", "kind": "occupation"}).json()["items"]
    assert all(i["iri"].startswith("http://data.europa.eu/esco/occupation/") for i in occupations)
    assert client.get("/api/esco/search", params={"q": ""}).status_code in (400, 422)
    assert client.get("/api/esco/search", params={"q": "x", "kind": "nope"}).status_code in (400, 422)


# --- one schema ------------------------------------------------------------------------------


def test_the_form_and_the_card_docs_come_from_one_schema(world: World) -> None:
    docs = (ROOT / "docs" / "registration-card.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \d+ \| `([a-z_]+)` \| `[a-z_]+` \| (required|recommended|optional) \|", docs, re.M)
    fields = form_fields()
    assert sorted(c for c, _ in rows) == sorted(fields) == sorted(f.column for s in card_form() for f in s.fields)
    assert {c: r for c, r in rows} == {c: f.requirement for c, f in fields.items()}
    for doc in column_docs(load_shapes()):
        limit = fields[doc.field.column].max_length
        if limit:
            assert f"at most {limit:,} characters" in docs, doc.field.column
    page = world.client(world.applicant).get("/registrations/new").text
    for column, f in fields.items():
        assert f'name="{column}"' in page, column
        if f.max_length and f.input in ("text", "textarea"):
            assert re.search(rf'name="{column}"[^>]*maxlength="{f.max_length}"', page), column
    required = {c for c, f in fields.items() if f.required}
    for column in required:
        marked = re.search(rf'data-field="{column}".*?</div>', page, re.S)
        assert marked and "req required" in marked[0], column


# --- accounts in the browser -------------------------------------------------------------------


def test_an_admin_creates_an_account_and_sees_its_token_once(world: World) -> None:
    admin = world.client(world.admin)
    csrf = csrf_of(admin.get("/admin/accounts").text)
    made = admin.post("/admin/accounts", data={"csrf": csrf, "name": "new-reviewer", "role": "reviewer"})
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    token = re.search(r'id="new-token">([^<]+)<', made.text)
    assert token
    assert token[1] not in admin.get("/admin/accounts").text, "shown once"
    assert world.client(token[1]).get("/review").status_code == 200
    history = account_history(world.store, world.settings.base_iri, "new-reviewer")
    assert history and history[0]["by"] == "secretariat"
    bad = admin.post("/admin/accounts", data={"csrf": csrf, "name": "Bad Name", "role": "reviewer"})
    assert bad.status_code == 400 and 'value="Bad Name"' in bad.text


def test_the_dashboard_says_who_may_submit_for_each_subsector(world: World, settings: Settings) -> None:
    page = world.client(world.admin).get("/registrations?lang=en").text
    row = re.search(r"<th scope=\"row\">vocational-training</th><td>(.*?)</td>", page)
    assert row and "ofppt-dev" in row[1]
    assert "CNC_SUBMITTERS=any-operator" in page
    strict = World(replace(settings, submitters="coordinating-body"))
    page = strict.client(strict.admin).get("/registrations?lang=en").text
    row = re.search(r"<th scope=\"row\">higher-education</th><td>(.*?)</td>", page)
    assert row and "um5-dev" not in row[1], "um5 is not a coordinating body"
    assert "CNC_SUBMITTERS=coordinating-body" in page


def _published(world: World, code: str) -> str:
    registry = Registry(world.store, world.settings)
    applicant, reviewer, admin = (_account(world, n) for n in ("ofppt-dev", "cp-member", "secretariat"))
    cells = {
        "code": code,
        "intitule_fr": "Technicien publié",
        "sous_secteur": "vocational-training",
        "niveau_cnc": "5",
        "organisme_certificateur": "ofppt",
        "statut": "active",
        "source": "https://www.ofppt.ma/",
    }
    app = registry.create(applicant, cells)
    registry.submit(applicant, app.id, None)
    registry.assign(reviewer, app.id, None)
    registry.approve(reviewer, app.id, None)
    registry.publish(admin, app.id, None)
    return app.id


def test_an_amendment_starts_from_the_published_card_and_an_admin_ends_a_qualification(world: World) -> None:
    app_id = _published(world, "OFPPT-PAGE-1")
    applicant = world.client(world.applicant)
    page = applicant.get(f"/registrations/{app_id}").text
    assert 'id="action-amend"' in page and 'id="action-withdraw-qualification"' not in page
    amend = applicant.post(
        "/registrations/amend", data={"csrf": csrf_of(page), "code": "OFPPT-PAGE-1"}, follow_redirects=False
    )
    assert amend.status_code == 303 and amend.headers["location"].endswith("/edit")
    form = applicant.get(amend.headers["location"]).text
    assert 'value="Technicien publié"' in form
    forbidden = applicant.post(
        "/admin/qualifications/OFPPT-PAGE-1/withdraw", data={"csrf": csrf_of(page), "reason": "x"}
    )
    assert forbidden.status_code == 403
    admin = world.client(world.admin)
    page = admin.get(f"/registrations/{app_id}").text
    no_token = admin.post("/admin/qualifications/OFPPT-PAGE-1/withdraw", data={"reason": "x"})
    assert no_token.status_code == 403
    done = admin.post(
        "/admin/qualifications/OFPPT-PAGE-1/withdraw",
        data={"csrf": csrf_of(page), "reason": "Fermée", "date": "2026-12-01", "back": f"/registrations/{app_id}"},
        follow_redirects=False,
    )
    assert (
        done.status_code == 303 and done.headers["location"] == f"/registrations/{app_id}?done=withdraw-qualification"
    )
    assert "Fermée" in admin.get("/qualifications/OFPPT-PAGE-1?lang=fr").text
    _published(world, "OFPPT-PAGE-2")
    _published(world, "OFPPT-PAGE-3")
    replaced = admin.post(
        "/admin/qualifications/OFPPT-PAGE-2/supersede",
        data={"csrf": csrf_of(page), "by": "OFPPT-PAGE-3", "equivalent": "yes"},
        follow_redirects=False,
    )
    assert replaced.status_code == 303
    public = admin.get("/qualifications/OFPPT-PAGE-2?lang=en").text
    assert "Replaced on" in public and "OFPPT-PAGE-3" in public and "an equivalent qualification" in public
    again = admin.post("/admin/qualifications/OFPPT-PAGE-2/withdraw", data={"csrf": csrf_of(page), "reason": "x"})
    assert again.status_code == 409 and "already replaced" in again.text


def test_a_draft_cannot_hold_a_value_over_its_limit(world: World) -> None:
    client = world.client(world.applicant)
    csrf = csrf_of(client.get("/registrations/new").text)
    answer = client.post("/registrations/new", data={"csrf": csrf, "code": "OFPPT-BIG", "intitule_fr": "T" * 900_00})
    assert answer.status_code == 422
    assert "au plus 300 caractères" in problems_of(answer.text, "intitule_fr")

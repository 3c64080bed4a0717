"""The life of a published qualification: amended through a new application on the same code (version 2, the
same number, both versions kept at their own IRIs, a field-by-field diff), withdrawn with a date and a reason,
superseded by another, every change in the feed, and the record's page saying what happened — through the API
and the pages, on a built store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cnc_graph.build import build
from cnc_graph.errors import Conflict
from cnc_graph.registry.accounts import add_account
from cnc_graph.registry.service import Registry
from cnc_graph.settings import Settings
from cnc_graph.store.embedded import OxigraphStore

CARD = {
    "code": "OFPPT-LIFE-1",
    "intitule_fr": "Technicien en cycle de vie",
    "sous_secteur": "vocational-training",
    "niveau_cnc": "5",
    "organisme_certificateur": "ofppt",
    "statut": "active",
    "source": "https://www.ofppt.ma/",
}


class Life:
    """A built store, its registry, three accounts and an app."""

    def __init__(self, settings: Settings) -> None:
        self.store = OxigraphStore(None, settings.base_iri)
        build(self.store, settings)
        base = settings.base_iri
        self.admin, self.admin_token = add_account(self.store, base, "secretariat", "admin")
        self.applicant, _ = add_account(self.store, base, "ofppt-dev", "applicant", "ofppt", "vocational-training")
        self.reviewer, self.reviewer_token = add_account(self.store, base, "cp-member", "reviewer")
        self.app = create_app(settings, self.store)
        self.client = TestClient(self.app)
        self.client.get("/api/registrations", headers=self.bearer(self.admin_token))  # makes the app's registry
        self.registry: Registry = self.app.state.registry

    def bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def publish(self, cells: dict[str, str]) -> str:
        r, a = self.registry, self.applicant
        app = r.create(a, cells)
        r.submit(a, app.id, None)
        r.assign(self.reviewer, app.id, None)
        r.approve(self.reviewer, app.id, None)
        return str(r.publish(self.admin, app.id, None).registration_number)


@pytest.fixture(scope="module")
def life(settings: Settings) -> Life:
    return Life(settings)


def test_an_amendment_is_version_2_with_the_same_number_and_both_kept(life: Life) -> None:
    first = life.publish(CARD)
    second = life.publish(CARD | {"intitule_fr": "Technicien spécialisé en cycle de vie", "niveau_cnc": "6"})
    assert first == second
    listed = life.client.get("/api/qualifications/OFPPT-LIFE-1/versions").json()
    assert listed["current"] == 2 and [v["version"] for v in listed["versions"]] == [1, 2]
    assert listed["versions"][1]["changed"] == ["intitule_fr", "niveau_cnc"]
    diff = life.client.get("/api/qualifications/OFPPT-LIFE-1/diff", params={"from": 1, "to": 2}).json()["fields"]
    assert diff == [
        {"field": "intitule_fr", "from": CARD["intitule_fr"], "to": "Technicien spécialisé en cycle de vie"},
        {"field": "niveau_cnc", "from": "5", "to": "6"},
    ]
    v1 = life.client.get("/id/qualification/OFPPT-LIFE-1/version/1", params={"format": "nt"}).text
    assert "Technicien en cycle de vie" in v1 and "isVersionOf" in v1
    current = life.client.get("/api/qualifications/OFPPT-LIFE-1", params={"format": "nt"}).text
    assert "Technicien spécialisé en cycle de vie" in current and 'Technicien en cycle de vie"' not in current
    assert "lastReviewed" in current
    page = life.client.get("/qualifications/OFPPT-LIFE-1", params={"lang": "fr"}).text
    assert "version 2" in page and "Dernier examen" in page and first in page
    versions = life.client.get("/qualifications/OFPPT-LIFE-1/versions", params={"lang": "en"}).text
    assert "Technicien spécialisé en cycle de vie" in versions and "niveau_cnc" in versions
    search = life.client.get("/api/qualifications", params={"q": "cycle de vie"}).json()
    assert [i["code"] for i in search["items"]].count("OFPPT-LIFE-1") == 1, "versions are not qualifications"


def test_only_an_admin_withdraws_and_a_withdrawn_record_stays_readable(life: Life) -> None:
    life.publish(CARD | {"code": "OFPPT-LIFE-2"})
    body = {"reason": "Remplacée par la réforme de 2026", "date": "2026-12-01"}
    refused = life.client.post(
        "/api/qualifications/OFPPT-LIFE-2/withdraw", json=body, headers=life.bearer(life.reviewer_token)
    )
    assert refused.status_code == 403
    done = life.client.post(
        "/api/qualifications/OFPPT-LIFE-2/withdraw", json=body, headers=life.bearer(life.admin_token)
    )
    assert done.status_code == 200 and done.json()["withdrawn"] == "2026-12-01"
    again = life.client.post(
        "/api/qualifications/OFPPT-LIFE-2/withdraw", json=body, headers=life.bearer(life.admin_token)
    )
    assert again.status_code == 409 and "withdrawn on 2026-12-01" in again.json()["detail"]
    record = life.client.get("/api/qualifications/OFPPT-LIFE-2", params={"format": "nt"})
    assert (
        record.status_code == 200
        and "qualification-status/archived" in record.text
        and "withdrawalReason" in record.text
    )
    page = life.client.get("/qualifications/OFPPT-LIFE-2", params={"lang": "fr"}).text
    assert "Retirée du registre le" in page and "réforme de 2026" in page
    with pytest.raises(Conflict):
        life.publish(CARD | {"code": "OFPPT-LIFE-2"})
    imported = life.client.post(
        "/api/qualifications/OFPPT-TS-TDI/withdraw", json=body, headers=life.bearer(life.admin_token)
    )
    assert imported.status_code == 409 and "inventory" in imported.json()["detail"]
    missing = life.client.post(
        "/api/qualifications/NO-SUCH-CODE/withdraw", json=body, headers=life.bearer(life.admin_token)
    )
    assert missing.status_code == 404
    no_reason = life.client.post(
        "/api/qualifications/OFPPT-LIFE-1/withdraw", json={"reason": ""}, headers=life.bearer(life.admin_token)
    )
    assert no_reason.status_code in (400, 422)


def test_a_supersession_links_both_ways_and_says_whether_equivalent(life: Life) -> None:
    life.publish(CARD | {"code": "OFPPT-LIFE-3"})
    life.publish(CARD | {"code": "OFPPT-LIFE-4", "intitule_fr": "Technicien nouvelle génération"})
    answer = life.client.post(
        "/api/qualifications/OFPPT-LIFE-3/supersede",
        json={"by": "OFPPT-LIFE-4", "equivalent": True},
        headers=life.bearer(life.admin_token),
    )
    assert answer.status_code == 200, answer.text
    old = life.client.get("/api/qualifications/OFPPT-LIFE-3", params={"format": "nt"}).text
    assert "isReplacedBy> <" in old and "OFPPT-LIFE-4" in old and "replacementEquivalent" in old
    new = life.client.get("/api/qualifications/OFPPT-LIFE-4", params={"format": "nt"}).text
    assert "/terms/replaces>" in new
    page = life.client.get("/qualifications/OFPPT-LIFE-3", params={"lang": "en"}).text
    assert "Replaced on" in page and "an equivalent qualification" in page
    assert "Replaces:" in life.client.get("/qualifications/OFPPT-LIFE-4", params={"lang": "en"}).text
    unknown = life.client.post(
        "/api/qualifications/OFPPT-LIFE-4/supersede",
        json={"by": "NOPE-1", "equivalent": False},
        headers=life.bearer(life.admin_token),
    )
    assert unknown.status_code == 404


def test_the_feed_lists_publications_amendments_withdrawals_and_supersessions(life: Life) -> None:
    changes = life.client.get("/changes", params={"format": "json", "limit": 500}).json()["changes"]
    kinds = {(c["code"], c["kind"]) for c in changes}
    assert {("OFPPT-LIFE-1", "published"), ("OFPPT-LIFE-1", "amended"), ("OFPPT-LIFE-2", "withdrawn")} <= kinds
    assert ("OFPPT-LIFE-3", "superseded") in kinds
    amended = next(c for c in changes if c["kind"] == "amended")
    assert amended["version"].endswith("/qualification/OFPPT-LIFE-1/version/2")
    times = [c["time"] for c in changes]
    assert times == sorted(times, reverse=True)
    atom = life.client.get("/changes").text
    assert '<category term="withdrawn"/>' in atom and "version/2" in atom


def test_a_version_that_does_not_exist_is_404_and_a_bad_range_400(life: Life) -> None:
    assert life.client.get("/api/qualifications/OFPPT-LIFE-1/versions/9").status_code == 404
    assert life.client.get("/api/qualifications/OFPPT-TS-TDI/versions").status_code == 409
    assert life.client.get("/qualifications/OFPPT-LIFE-1/versions", params={"from": 7}).status_code == 400


def test_an_amendments_own_application_shows_no_clash_of_codes(life: Life) -> None:
    app = life.registry.create(life.applicant, CARD | {"intitule_fr": "Encore une version"})
    report = life.registry.check_card(app)
    assert not [p for p in report.violations if p.field == "code"], report.violations

"""The registration workspace walked as its users walk it, in a real browser on a real ``cnc-graph serve``.

In French and in Arabic: an admin signs in and creates an applicant and a reviewer in the browser; the applicant
fills the card form, leaves the title empty and sees the message, gives level 9 and sees it refused, saves a draft,
comes back, fixes it, adds two learning outcomes and an ESCO skill found by searching, submits; the reviewer takes
it up and requests changes on one field; the applicant fixes it and resubmits; the reviewer sees the change and
approves; the admin publishes; the qualification is in the public search and has its page; an amendment (a new
application on the same code) becomes version 2 and the versions page shows the changed field; a withdrawal shows
on the page and in the feed. Forbidden moves are
tried from the browser too: an applicant approving, a form posted without its CSRF token, a revoked account's
session. Every step leaves a screenshot (``var/screenshots/workspace-*``), and each page kind passes axe-core.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import DESKTOP, axe, chromium, screenshot
from tests.conftest import run_cli
from tests.servers import live_server

pytestmark = pytest.mark.browser

TEXTS = {
    "fr": {"title_missing": "intitulé", "level_refused": "n'est pas un niveau CNC", "submitted": "Déposé"},
    "ar": {"title_missing": "intitulé", "level_refused": "n'est pas un niveau CNC", "submitted": "مودَع"},
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real server on the shipped graph, with one admin made from the command line before it starts."""
    store = tmp_path_factory.mktemp("workspace") / "store"
    built = run_cli("build", "--store", str(store))
    assert built.returncode == 0, built.stderr
    made = run_cli("users", "add", "secretariat", "--role", "admin", "--store", str(store))
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    with live_server(store) as url:
        yield url, token


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    with chromium() as launched:
        yield launched


def _person(browser: Any) -> Any:
    """A page in a context of its own: one person's cookies."""
    return browser.new_context(viewport=DESKTOP).new_page()


def _shot(page: Any, lang: str, step: str) -> None:
    """Save the whole page, and what the viewport shows (the README's size), of one step of the walk."""
    path = screenshot(page, f"workspace-{lang}-{step}")
    page.screenshot(path=str(path.with_name(f"workspace-{lang}-{step}-viewport.png")))


def _sign_in(page: Any, site: str, token: str, lang: str) -> None:
    page.goto(f"{site}/login?lang={lang}")
    page.fill("#token", token)
    page.click("form.card-form button[type=submit]")
    page.wait_for_url(re.compile(r"/registrations"))


def _no_serious_axe(page: Any) -> None:
    found = axe(page)
    assert found == [], found


def _new_account(page: Any, site: str, lang: str, name: str, role: str, organisation: str = "") -> str:
    page.goto(f"{site}/admin/accounts?lang={lang}")
    page.fill("#name", name)
    page.select_option("#role", role)
    if organisation:
        page.select_option("#organisation", organisation)
        page.select_option("#subsector", "vocational-training")
    page.click("form.card-form button[type=submit]")
    token = page.locator("#new-token").inner_text().strip()
    assert len(token) > 30
    return token


def _status(page: Any) -> str:
    return page.locator(".status-badge").inner_text().strip()


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_from_a_new_account_to_a_published_qualification(browser: Any, workspace: tuple[str, str], lang: str) -> None:
    site, admin_token = workspace
    code = f"OFPPT-WALK-{lang.upper()}"
    admin = _person(browser)
    _sign_in(admin, site, admin_token, lang)
    assert admin.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    applicant_token = _new_account(admin, site, lang, f"ofppt-{lang}", "applicant", "ofppt")
    _shot(admin, lang, "01-admin-created-applicant")
    _no_serious_axe(admin)
    reviewer_token = _new_account(admin, site, lang, f"cp-reviewer-{lang}", "reviewer")

    # The applicant: an empty title is flagged as the field is left; level 9 is refused on saving.
    applicant = _person(browser)
    _sign_in(applicant, site, applicant_token, lang)
    applicant.goto(f"{site}/registrations/new?lang={lang}")
    applicant.fill("#code", code)
    applicant.focus("#intitule_fr")
    applicant.focus("#intitule_ar")
    problems = applicant.locator("#intitule_fr-problems li")
    problems.first.wait_for()
    assert "intitulé" in problems.first.inner_text()
    assert problems.first.locator("bdi").get_attribute("lang") == "fr"
    _shot(applicant, lang, "02-title-missing")
    _no_serious_axe(applicant)
    applicant.evaluate(
        "() => { const o = document.createElement('option'); o.value = '9'; o.text = '9';"
        " document.querySelector('#niveau_cnc').append(o); }"
    )
    applicant.select_option("#niveau_cnc", "9")
    applicant.click("button[name=then][value=save]")
    refused = applicant.locator("#niveau_cnc-problems li")
    refused.first.wait_for()
    assert "n'est pas un niveau CNC" in refused.first.inner_text()
    assert applicant.locator("#code").input_value() == code, "what was typed is kept"
    _shot(applicant, lang, "03-level-9-refused")
    applicant.select_option("#niveau_cnc", "5")
    applicant.click("button[name=then][value=save]")
    applicant.wait_for_url(re.compile(r"/registrations/r[0-9a-f]{12}\?done=save"))
    app_url = applicant.url.split("?")[0]
    _shot(applicant, lang, "04-draft-saved")

    # Comes back from the dashboard, fixes the card, adds two outcomes and an ESCO skill, submits.
    applicant.goto(f"{site}/registrations?lang={lang}")
    applicant.click(f"a[href='{app_url.removeprefix(site)}']")
    applicant.click(f"a[href='{app_url.removeprefix(site)}/edit']")
    applicant.fill("#intitule_fr", "Technicien de la marche à pied")
    applicant.select_option("#sous_secteur", "vocational-training")
    applicant.select_option("#organisme_certificateur", "ofppt")
    applicant.select_option("#statut", "active")
    applicant.fill("#source-0", "https://www.ofppt.ma/")
    applicant.fill("#acquis_fr-0", "Analyser un besoin")
    applicant.click("button.add-row[data-for=acquis_fr]")
    applicant.fill("#acquis_fr-1", "Concevoir une base de données")
    applicant.fill("#competences_esco-search", "data")
    applicant.locator("#competences_esco-results button.pick").first.click()
    assert applicant.locator("#competences_esco-0").input_value().startswith("http://data.europa.eu/esco/skill/")
    _shot(applicant, lang, "05-card-filled")
    applicant.click("button[name=then][value=submit]")
    applicant.wait_for_url(re.compile(r"done=submit"))
    assert _status(applicant) == TEXTS[lang]["submitted"]
    assert applicant.locator("#read-acquis_fr dd").inner_text().count("\n") >= 1
    _shot(applicant, lang, "06-submitted")
    _no_serious_axe(applicant)

    # An applicant cannot approve, even by posting the form the reviewer has.
    csrf = applicant.locator("input[name=csrf]").first.get_attribute("value")
    answer = applicant.evaluate(
        "async ([url, csrf]) => { const r = await fetch(url + '/approve', {method: 'POST',"
        " headers: {'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'text/html'},"
        " body: 'csrf=' + encodeURIComponent(csrf)}); return [r.status, await r.text()]; }",
        [app_url, csrf],
    )
    assert answer[0] == 409 and "cannot approve" in answer[1]
    # A form without this session's CSRF token is refused, whoever sends it.
    answer = applicant.evaluate(
        "async (url) => { const r = await fetch(url + '/withdraw', {method: 'POST',"
        " headers: {'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'text/html'}, body: 'comment=x'});"
        " return [r.status, await r.text()]; }",
        app_url,
    )
    assert answer[0] == 403 and "CSRF" in answer[1]

    # The reviewer takes it up from the queue and asks for a change on one field.
    reviewer = _person(browser)
    _sign_in(reviewer, site, reviewer_token, lang)
    reviewer.goto(f"{site}/review?lang={lang}")
    assert code in reviewer.locator("#queue-submitted + div").inner_text()
    _shot(reviewer, lang, "07-review-queue")
    _no_serious_axe(reviewer)
    reviewer.click(f"a[href='{app_url.removeprefix(site)}']")
    reviewer.click("#action-assign button[type=submit]")
    reviewer.wait_for_url(re.compile(r"done=assign"))
    reviewer.select_option("#field_1", "intitule_fr")
    reviewer.fill("#field_comment_1", "Donnez l'intitulé officiel de l'arrêté.")
    _shot(reviewer, lang, "08-requesting-changes")
    reviewer.click("#action-request-changes button[type=submit]")
    reviewer.wait_for_url(re.compile(r"done=request-changes"))

    # The applicant sees the comment next to the field, fixes it and resubmits.
    applicant.goto(f"{app_url}/edit?lang={lang}")
    assert "l'intitulé officiel" in applicant.locator("#intitule_fr-comment").inner_text()
    _shot(applicant, lang, "09-comment-on-the-field")
    applicant.fill("#intitule_fr", "Technicien spécialisé en randonnée")
    applicant.click("button[name=then][value=submit]")
    applicant.wait_for_url(re.compile(r"done=submit"))

    # The reviewer sees what changed since the request and approves.
    reviewer.goto(f"{app_url}?lang={lang}")
    diff = reviewer.locator("table.diff").inner_text()
    assert "intitule_fr" in diff and "randonnée" in diff and "marche à pied" in diff
    reviewer.click("#action-assign button[type=submit]")
    reviewer.wait_for_url(re.compile(r"done=assign"))
    reviewer.click("#action-approve button[type=submit]")
    reviewer.wait_for_url(re.compile(r"done=approve"))
    _shot(reviewer, lang, "10-approved")

    # The admin publishes; the qualification is public.
    admin.goto(f"{app_url}?lang={lang}")
    admin.click("#action-publish button[type=submit]")
    admin.wait_for_url(re.compile(r"done=publish"))
    timeline = admin.locator("ol.timeline").inner_text()
    assert "cp-reviewer" in timeline and f"ofppt-{lang}" in timeline
    _shot(admin, lang, "11-published")
    public = _person(browser)
    public.goto(f"{site}/qualifications?q=randonnée&lang={lang}")
    assert code in public.locator("main").inner_text()
    public.goto(f"{site}/qualifications/{code}?lang={lang}")
    assert "randonnée" in public.locator("h1").inner_text()
    _shot(public, lang, "12-public-page")

    # An amendment: a new application on the same code, its card as published; reviewed; version 2.
    applicant.goto(f"{app_url}?lang={lang}")
    applicant.click("#action-amend button[type=submit]")
    applicant.wait_for_url(re.compile(r"/registrations/r[0-9a-f]{12}/edit"))
    assert applicant.locator("#intitule_fr").input_value() == "Technicien spécialisé en randonnée"
    applicant.fill("#intitule_fr", "Technicien spécialisé en randonnée de montagne")
    applicant.click("button[name=then][value=submit]")
    applicant.wait_for_url(re.compile(r"done=submit"))
    amendment_url = applicant.url.split("?")[0]
    assert amendment_url != app_url
    assert "montagne" in applicant.locator("#amendment-diff").inner_text()
    _shot(applicant, lang, "14-amendment-submitted")
    reviewer.goto(f"{amendment_url}?lang={lang}")
    reviewer.click("#action-assign button[type=submit]")
    reviewer.wait_for_url(re.compile(r"done=assign"))
    reviewer.click("#action-approve button[type=submit]")
    reviewer.wait_for_url(re.compile(r"done=approve"))
    admin.goto(f"{amendment_url}?lang={lang}")
    admin.click("#action-publish button[type=submit]")
    admin.wait_for_url(re.compile(r"done=publish"))
    public.goto(f"{site}/qualifications/{code}/versions?lang={lang}")
    diff = public.locator("table.diff").inner_text()
    assert "intitule_fr" in diff and "montagne" in diff
    _shot(public, lang, "15-versions-diff")
    _no_serious_axe(public)

    # A withdrawal, with its reason: on the public page and in the feed.
    admin.goto(f"{amendment_url}?lang={lang}")
    admin.fill("#withdraw-reason", "Formation fermée en 2026")
    admin.click("#action-withdraw-qualification button[type=submit]")
    admin.wait_for_url(re.compile(r"done=withdraw-qualification"))
    public.goto(f"{site}/qualifications/{code}?lang={lang}")
    assert "Formation fermée en 2026" in public.locator("#ended").inner_text()
    _shot(public, lang, "16-withdrawn")
    feed = public.request.get(f"{site}/changes?format=json").json()["changes"]
    assert [c["kind"] for c in feed if c["code"] == code] == ["withdrawn", "amended", "published"]

    # The admin revokes the reviewer: the reviewer's open session ends at once.
    admin.goto(f"{site}/admin/accounts?lang={lang}")
    admin.click(f"#account-cp-reviewer-{lang} form[action$='/revoke'] button")
    reviewer.goto(f"{site}/review?lang={lang}")
    assert "/login" in reviewer.url
    _shot(reviewer, lang, "13-revoked-session")
    for person in (admin, applicant, reviewer, public):
        person.context.close()

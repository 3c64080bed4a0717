"""The interface text catalogues: the same keys and fields in fr, ar and en, and a visible fallback for a gap."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from jinja2 import Environment

from api.i18n import MESSAGES, PLURAL_EXTRA, catalogue, counted, message
from api.rendering import PAGES, render_page
from cnc_graph.labels import LANGUAGES

TEMPLATES = Path(PAGES.loader.searchpath[0])  # type: ignore[attr-defined]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_catalogue_has_the_keys_and_fields_of_the_french_one(lang: str) -> None:
    french, other = catalogue("fr"), catalogue(lang)
    extra = {key for key in set(other) - set(french) if key.rsplit(".", 1)[-1] in PLURAL_EXTRA}
    assert sorted(set(other) - extra) == sorted(french)  # plural forms beside one/other may be more
    for key, text in french.items():
        if key.rsplit(".", 1)[-1] in ("one", "two"):  # "سنة واحدة" says the number in words
            assert _fields(other[key]) <= _fields(text), key
        else:
            assert _fields(other[key]) == _fields(text), key
        assert other[key].strip(), key


def test_every_key_a_template_asks_for_is_in_the_catalogues() -> None:
    asked: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        asked |= set(re.findall(r"""\bt\(\s*["']([a-z_.0-9]+)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    assert asked, "no t(...) call found: the check would pass vacuously"
    asked |= {f"nav.{key}" for key in ("register", "frameworks", "compare", "sparql", "data", "api")}  # t("nav." ~ key)
    assert sorted(asked - set(catalogue("fr"))) == []


def test_arabic_text_is_arabic() -> None:
    arabic = catalogue("ar")
    for key in ("nav.register", "search.submit", "error.404", "site.tagline"):
        assert re.search(r"[\u0600-\u06FF]", arabic[key]), key


def test_a_missing_key_falls_back_to_french_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "fr.yaml").write_text("a:\n  b: Bonjour {name}\n", encoding="utf-8")
    (tmp_path / "en.yaml").write_text("a:\n  c: Only English\n", encoding="utf-8")
    (tmp_path / "ar.yaml").write_text("{}\n", encoding="utf-8")
    assert message("a.b", "ar", {"name": "Amal"}, tmp_path) == ("Bonjour Amal", "fr")
    assert message("a.c", "ar", None, tmp_path) == ("Only English", "en")
    assert message("a.b", "fr", {"name": "x"}, tmp_path) == ("Bonjour x", "fr")
    assert message("nowhere", "en", None, tmp_path) == ("nowhere", None)


def test_a_fallback_on_a_page_carries_its_language_and_a_badge(monkeypatch: pytest.MonkeyPatch) -> None:
    english = dict(catalogue("en"))
    del english["nav.register"]
    monkeypatch.setattr(
        "api.i18n.catalogue", lambda lang, folder=MESSAGES: english if lang == "en" else catalogue(lang)
    )
    monkeypatch.setattr("api.rendering._PLAIN", {})  # the texts rendered so far were from the whole catalogue
    page = render_page(None, "error.html", "en", status=404, heading="error.404", detail="x", phrase="Not Found")
    french = catalogue("fr")["nav.register"]
    assert f"<span lang='fr'>{french}</span><span class='fallback'" in page
    assert "translation missing" in page


def test_messages_are_escaped_like_any_text() -> None:
    env = Environment(autoescape=True)
    env.globals.update(PAGES.globals)
    page = env.from_string("{{ t('search.count', n=value) }}").render(lang="en", value="<b>7</b>")
    assert page == "&lt;b&gt;7&lt;/b&gt; qualification(s)"


def test_the_languages_are_the_ones_the_library_knows() -> None:
    assert sorted(p.stem for p in MESSAGES.glob("*.yaml")) == sorted(LANGUAGES)


@pytest.mark.parametrize(
    ("n", "lang", "expected"),
    [
        (1, "fr", "1 an"),
        (2, "fr", "2 ans"),
        (1, "en", "1 year"),
        (5, "en", "5 years"),
        (1, "ar", "سنة واحدة"),
        (2, "ar", "سنتان"),
        (3, "ar", "3 سنوات"),
        (11, "ar", "11 سنة"),
    ],
)
def test_counts_take_the_plural_form_of_their_language(n: int, lang: str, expected: str) -> None:
    assert counted("duration.years", n, lang).text == expected

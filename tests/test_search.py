"""The search index finds exactly what a test of every summary finds, whichever index narrows the search."""

from __future__ import annotations

import pytest

from cnc_graph.search import SearchIndex, Summary, normalise
from cnc_graph.store.embedded import OxigraphStore

NEEDLES = [
    "technicien",
    "DÉVELOPPEMENT",
    "genie civil",  # two fragments: both must be found, in this order, with one space between
    "civil genie",
    "e c",  # fragments found in almost every word: the index gives up and every text is tested
    "a",
    "بكالوريا",
    "ofppt-",  # a piece of a code
    "| ",  # the separator between titles: only a test of the whole text can decide
    "zzzz",
]
FILTERS = [
    {},
    {"level": "cnc:5"},
    {"level": "eqf:6"},
    {"subsector": "vocational-training"},
    {"field": "06"},
    {"field": "0613"},
    {"level": "cnc:6", "subsector": "higher-education", "field": "04"},
]


@pytest.fixture(scope="module")
def index(built_store: OxigraphStore) -> SearchIndex:
    """A search index of the shipped graph."""
    return SearchIndex(built_store)


def expected_codes(index: SearchIndex, q: str | None, level: str | None, subsector: str | None, field: str | None):
    """Return the codes a test of every summary matches, in code order (the definition of search)."""
    needle = normalise(q) if q else ""
    wanted = None
    if level:
        found = index.graph.level(level)
        wanted = (found.framework, found.notation)

    def matches(s: Summary) -> bool:
        if needle and needle not in s.folded:
            return False
        if wanted and index.equivalents.get(s.level or "", {}).get(wanted[0]) != wanted[1]:
            return False
        if subsector and s.subsector != subsector:
            return False
        return not (field and not any(f.startswith(field) for f in s.fields))

    return [s.code for s in index.summaries if matches(s)]


def found_codes(index: SearchIndex, **params: str | None) -> list[str]:
    """Return every code the index finds, reading all the pages."""
    codes: list[str] = []
    page = 1
    while True:
        result = index.search(**params, page=page, size=100)  # type: ignore[arg-type]
        codes += [str(i["code"]) for i in result.items]
        if len(codes) >= result.total:
            assert len(codes) == result.total
            return codes
        page += 1


@pytest.mark.parametrize("q", [None, *NEEDLES])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "none")
def test_the_index_finds_what_testing_every_summary_finds(index: SearchIndex, q: str | None, filters: dict) -> None:
    expected = expected_codes(index, q, filters.get("level"), filters.get("subsector"), filters.get("field"))
    assert found_codes(index, q=q, **filters) == expected
    assert found_codes(index, q=q, **filters) == expected  # the second time from the kept result list


def test_common_fragments_fall_back_to_testing_every_text(built_store: OxigraphStore) -> None:
    index = SearchIndex(built_store)
    index.WORDS_PER_FRAGMENT = 1  # every fragment now counts as common
    for q in ("technicien", "genie civil", "ofppt-"):
        assert found_codes(index, q=q) == expected_codes(index, q, None, None, None)


def test_the_search_finds_something(index: SearchIndex) -> None:
    # Guards the comparisons above against an empty graph, where both sides would agree on nothing.
    assert len(index.summaries) >= 150
    assert expected_codes(index, "technicien", None, None, None)
    assert expected_codes(index, None, "cnc:5", None, None)
    assert expected_codes(index, None, None, None, "06")

"""The search index finds exactly what a test of every summary finds, whichever index narrows the search."""

from __future__ import annotations

from collections import Counter

import pytest

from cnc_graph.errors import InputError
from cnc_graph.facets import FACETS, FacetArrays, facet_values, search_facets
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


OFPPT = "https://w3id.org/cnc-ma/organisation/ofppt"


@pytest.mark.parametrize(
    "filters",
    [
        {"body": OFPPT},
        {"body": OFPPT, "q": "technicien"},
        {"levels": ("cnc:5", "eqf:5")},
        {"levels": ("cnc:5", "eqf:6")},  # no CNC 5 qualification is placed at EQF 6: nothing
        {"level": "cnc:5", "levels": ("acqf:6",), "body": OFPPT},
    ],
    ids=str,
)
def test_body_and_several_levels_filter_as_testing_every_summary_does(index: SearchIndex, filters: dict) -> None:
    wanted = [index.graph.level(x) for x in (filters.get("level"), *filters.get("levels", ())) if x]
    needle = normalise(filters.get("q") or "")

    def matches(s: Summary) -> bool:
        levels = index.equivalents.get(s.level or "", {})
        return (
            (not needle or needle in s.folded)
            and all(levels.get(w.framework) == w.notation for w in wanted)
            and ("body" not in filters or s.body == filters["body"])
        )

    expected = [s.code for s in index.summaries if matches(s)]
    assert found_codes(index, **filters) == expected


def test_a_region_filter_finds_the_qualifications_offered_there(index: SearchIndex) -> None:
    offered = [s for s in index.summaries if s.regions]
    assert offered, "the shipped inventory names at least one region"
    region = next(iter(offered[0].regions))
    assert found_codes(index, region=region) == [s.code for s in index.summaries if region in s.regions]
    assert index.labels[region], "the region is named"


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_sorting_by_title_follows_the_folded_title_in_the_language(index: SearchIndex, lang: str) -> None:
    items = index.search("technicien", lang=lang, size=100, sort="title").items
    titles = [normalise(str(i["title"])) for i in items]
    assert titles == sorted(titles) and len(titles) > 10
    assert {i["code"] for i in items} == set(found_codes(index, q="technicien"))


def test_sorting_by_level_puts_lower_cnc_levels_first(index: SearchIndex) -> None:
    items = index.search(size=100, sort="level").items
    levels = [int(str(i["level"]["cnc"])) for i in items if i["level"]]  # type: ignore[index]
    assert levels == sorted(levels) and levels[0] < levels[-1]


def test_an_unknown_sort_is_an_input_error(index: SearchIndex) -> None:
    with pytest.raises(InputError, match="sort"):
        index.search(sort="random")


def test_items_name_their_sub_sector(index: SearchIndex) -> None:
    item = index.search("OFPPT-TS-TDI", lang="ar").items[0]
    assert item["subsector"] == "vocational-training"
    assert item["subsector_label"] == "التكوين المهني" and item["subsector_label_lang"] == "ar"


def test_facets_count_the_hits_of_the_search(built_store: OxigraphStore, index: SearchIndex) -> None:
    facets = search_facets(built_store, "en", q="technicien")
    hits = [index.summaries[i] for i in index.hits("technicien")]
    assert sum(v.count for v in facets["subsector"]) == len(hits)
    by_level = {v.value: v.count for v in facets["cnc"]}
    assert by_level == {n: sum(1 for s in hits if index.equivalents[s.level or ""]["cnc"] == n) for n in by_level}
    assert [v.value for v in facets["cnc"]] == sorted(by_level, key=int)
    bodies = {v.value: v for v in facets["body"]}
    assert bodies[OFPPT].count == sum(1 for s in hits if s.body == OFPPT)
    assert bodies[OFPPT].label_lang == "fr"  # the body is named in French only: a marked fallback
    assert {v.label for v in facets["field"]} >= {"Information and Communication Technologies (ICTs)"}
    narrowed = search_facets(built_store, "en", q="technicien", levels=("cnc:5",))
    assert [v.value for v in narrowed["cnc"]] == ["5"] and narrowed["cnc"][0].count == by_level["5"]


@pytest.mark.parametrize(
    "filters",
    [{}, {"q": "technicien"}, {"levels": ("cnc:5",)}, {"subsector": "higher-education"}, {"q": "zzzz-nothing"}],
)
def test_facet_counts_in_arrays_are_those_of_each_hit_in_turn(index: SearchIndex, filters: dict[str, object]) -> None:
    hits = index.hits(**filters)  # type: ignore[arg-type]
    expected: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for position in hits:
        for name, values in facet_values(index, position).items():
            expected[name].update(values)
    assert FacetArrays(index).count(hits) == expected
    if filters == {}:
        assert sum(expected["subsector"].values()) == len(index.summaries) > 100

"""Searching and filtering qualifications: an in-memory index of their summaries, rebuilt per store generation.

Titles are matched in any language, ignoring case and accents (and Arabic diacritics), which
SPARQL alone cannot do portably; the index is small (a few hundred bytes per qualification) and looks
words up instead of reading every title.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from array import array
from bisect import bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from cnc_graph.card.fields import SUBSECTORS
from cnc_graph.compare.levels import GraphIndex, compare_levels, index_for
from cnc_graph.errors import InputError, Location, NotFound
from cnc_graph.iris import CNC, RDF_TYPE, SKOS
from cnc_graph.labels import pick
from cnc_graph.rdf.query_files import solutions
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore

DCT_TITLE = "http://purl.org/dc/terms/title"
CNC_CODE, CNC_LEVEL, CNC_SUBSECTOR = CNC + "code", CNC + "level", CNC + "subSector"
CNC_FIELD, CNC_BODY = CNC + "iscedField", CNC + "awardingBody"
CNC_OPPORTUNITY, CNC_REGION = CNC + "hasLearningOpportunity", CNC + "region"
SORTS = ("code", "title", "level")
ISCED_F = "http://data.europa.eu/snb/isced-f/"
SKOS_PREF_LABEL, SKOS_NOTATION = SKOS + "prefLabel", SKOS + "notation"

ARABIC_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


def normalise(text: str) -> str:
    """Return ``text`` folded for matching: no case, no accents, no Arabic diacritics, unified alef."""
    decomposed = unicodedata.normalize("NFKD", text.translate(ARABIC_ALEF))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn" and c != "ـ")
    return re.sub(r"\s+", " ", stripped.casefold()).strip()


@dataclass
class Summary:
    """One qualification as listed by search."""

    iri: str
    code: str
    titles: dict[str, str] = field(default_factory=dict)
    level: str | None = None
    subsector: str | None = None
    fields: set[str] = field(default_factory=set)
    body: str | None = None
    body_labels: dict[str, str] = field(default_factory=dict)
    subsector_labels: dict[str, str] = field(default_factory=dict)
    regions: dict[str, dict[str, str]] = field(default_factory=dict)  # region IRI → its labels
    folded: str = ""


@dataclass
class Page:
    """One page of search results."""

    items: list[dict[str, object]]
    total: int
    page: int
    size: int


class SearchIndex:
    """Every qualification's summary, with folded titles for matching and level equivalents.

    Lookups go through inverted indexes (title and code words, levels in every framework, sub-sectors),
    so a search costs what it finds rather than a pass over every qualification; the last result lists
    are kept too (the next page of the same search reads from them). The whole object is rebuilt per
    store generation (``search_index``), so neither can outlive a write.
    """

    RESULTS_KEPT = 64
    WORDS_PER_FRAGMENT = 2_000  # past this many words containing a fragment, testing every text is as quick

    def __init__(self, store: GraphStore) -> None:
        summaries, labels = self._read(store)
        self.summaries = sorted(summaries.values(), key=lambda s: s.code)
        self.graph = index_for(store)
        self.equivalents = self._equivalents(store, self.graph)
        postings: dict[str, list[int]] = defaultdict(list)
        self._by_level: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._by_subsector: dict[str, list[int]] = defaultdict(list)
        self._by_field: dict[str, list[int]] = defaultdict(list)  # by ISCED-F prefix of 2 to 4 digits
        self._by_body: dict[str, list[int]] = defaultdict(list)
        self._by_region: dict[str, list[int]] = defaultdict(list)
        # The labels of the awarding bodies, sub-sectors, regions and ISCED-F broad fields listed.
        broad_fields = [iri for iri in labels if iri.startswith(ISCED_F) and len(iri) == len(ISCED_F) + 2]
        self.labels: dict[str, dict[str, str]] = {iri: dict(labels[iri]) for iri in broad_fields}
        for position, s in enumerate(self.summaries):
            for word in set(s.folded.split(" ")):
                postings[word].append(position)
            for framework, notation in self.equivalents.get(s.level or "", {}).items():
                self._by_level[(framework, notation)].append(position)
            if s.subsector is not None:
                self._by_subsector[s.subsector].append(position)
            for prefix in {f[:n] for f in s.fields for n in (2, 3, 4) if len(f) >= n}:
                self._by_field[prefix].append(position)
            if s.body is not None:
                self._by_body[s.body].append(position)
                self.labels.setdefault(s.body, s.body_labels)
            for region, region_labels in s.regions.items():
                self._by_region[region].append(position)
                self.labels.setdefault(region, region_labels)
            if s.subsector is not None:
                self.labels.setdefault(s.subsector, s.subsector_labels)
        self._words = list(postings)
        self._postings = [postings[w] for w in self._words]
        # Every word on its own line: finding the words that contain a fragment is one str.find per match.
        self._vocabulary = "\n".join(self._words)
        self._starts = list(accumulate((len(w) + 1 for w in self._words[:-1]), initial=0))
        self._results: OrderedDict[tuple[object, ...], array[int]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _read(store: GraphStore) -> tuple[dict[str, Summary], dict[str, dict[str, str]]]:
        """Return the summaries of the qualifications that have a code, by IRI (see qualification_summaries.rq),
        and every label read."""
        qualifications: set[str] = set()
        codes: dict[str, str] = {}
        titles: dict[str, dict[str, str]] = defaultdict(dict)
        levels: dict[str, str] = {}
        subsectors: dict[str, str] = {}
        fields: dict[str, set[str]] = defaultdict(set)
        bodies: dict[str, str] = {}
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        notations: dict[str, str] = {}
        opportunities: dict[str, set[str]] = defaultdict(set)
        regions: dict[str, set[str]] = defaultdict(set)
        for subject, predicate, obj in solutions(store, "qualification_summaries"):
            iri, kind = subject.value, predicate.value
            if kind == RDF_TYPE:
                qualifications.add(iri)
            elif kind == CNC_CODE:
                codes.setdefault(iri, obj.value)
            elif kind == DCT_TITLE:
                titles[iri].setdefault(getattr(obj, "language", None) or "und", obj.value)
            elif kind == CNC_LEVEL:
                levels[iri] = obj.value
            elif kind == CNC_SUBSECTOR:
                subsectors[iri] = obj.value
            elif kind == CNC_FIELD:
                fields[iri].add(obj.value.rsplit("/", 1)[-1])
            elif kind == CNC_BODY:
                bodies[iri] = obj.value
            elif kind == SKOS_PREF_LABEL:
                labels[iri].setdefault(getattr(obj, "language", None) or "und", obj.value)
            elif kind == SKOS_NOTATION:
                notations[iri] = obj.value
            elif kind == CNC_OPPORTUNITY:
                opportunities[iri].add(obj.value)
            elif kind == CNC_REGION:
                regions[iri].add(obj.value)
        summaries: dict[str, Summary] = {}
        for iri in qualifications:
            code = codes.get(iri)
            if code is None:
                continue
            s = summaries[iri] = Summary(iri, code, titles.get(iri, {}), levels.get(iri))
            s.subsector = notations.get(subsectors.get(iri, ""))
            s.subsector_labels = dict(labels.get(subsectors.get(iri, ""), {}))
            s.regions = {r: dict(labels.get(r, {})) for o in opportunities.get(iri, ()) for r in regions.get(o, ())}
            s.fields = fields.get(iri, set())
            s.body = bodies.get(iri)
            if s.body is not None:
                s.body_labels = dict(labels.get(s.body, {}))
            s.folded = " | ".join(normalise(t) for t in s.titles.values()) + " | " + normalise(s.code)
        return summaries, labels

    @staticmethod
    def _equivalents(store: GraphStore, graph: GraphIndex) -> dict[str, dict[str, str]]:
        """Return, for each CNC level IRI, its best matching level notation in every other framework."""
        table: dict[str, dict[str, str]] = defaultdict(dict)
        for level in graph.levels.values():
            if level.framework != "cnc":
                continue
            table[level.iri]["cnc"] = level.notation
            for key in graph.framework_iris:
                if key == "cnc":
                    continue
                matches = compare_levels(store, level.iri, key)[1]
                if matches:
                    table[level.iri][key] = matches[0].level.notation
        return table

    def item(self, s: Summary, lang: str) -> dict[str, object]:
        """Return one summary as the API lists it."""
        title, title_lang = pick(s.titles, lang)
        body_label, body_lang = pick(s.body_labels, lang)
        subsector_label, subsector_lang = pick(s.subsector_labels, lang)
        return {
            "id": s.iri,
            "code": s.code,
            "title": title,
            "title_lang": title_lang,
            "level": dict(self.equivalents.get(s.level, {})) if s.level else {},
            "subsector": s.subsector,
            "subsector_label": subsector_label,
            "subsector_label_lang": subsector_lang,
            "field": sorted(s.fields),
            "awarding_body": {"id": s.body, "label": body_label, "label_lang": body_lang} if s.body else None,
        }

    def search(
        self,
        q: str | None = None,
        level: str | None = None,
        subsector: str | None = None,
        field: str | None = None,
        lang: str = "fr",
        page: int = 1,
        size: int = 20,
        *,
        levels: Sequence[str] = (),
        body: str | None = None,
        region: str | None = None,
        sort: str = "code",
    ) -> Page:
        """Return one page of the qualifications matching every given filter, in the ``sort`` order.

        ``level`` and each of ``levels`` (``cnc:5``, ``eqf:6``…) must all hold; ``body`` and ``region`` are IRIs;
        ``sort`` is ``code``, ``title`` (in ``lang``) or ``level`` (CNC level, then code).
        """
        if page < 1:
            raise InputError("page must be 1 or more", Location(field="page"))
        if not 1 <= size <= 100:
            raise InputError("size must be between 1 and 100", Location(field="size"))
        hits = self.hits(q, level, subsector, field, levels=levels, body=body, region=region, sort=sort, lang=lang)
        start = (page - 1) * size
        return Page([self.item(self.summaries[i], lang) for i in hits[start : start + size]], len(hits), page, size)

    def hits(
        self,
        q: str | None = None,
        level: str | None = None,
        subsector: str | None = None,
        field: str | None = None,
        *,
        levels: Sequence[str] = (),
        body: str | None = None,
        region: str | None = None,
        sort: str = "code",
        lang: str = "fr",
    ) -> array[int]:
        """Return the positions in ``summaries`` of every match, in the ``sort`` order (checked as ``search``)."""
        wanted = tuple(sorted({f for f in (self._level_filter(x) for x in (level, *levels)) if f is not None}))
        if subsector is not None and subsector not in SUBSECTORS:
            raise InputError(
                f"unknown sub-sector « {subsector} »; use one of {', '.join(SUBSECTORS)}", Location(field="subsector")
            )
        if field is not None and not re.fullmatch(r"\d{2,4}", field):
            raise InputError(
                f"« {field} » is not an ISCED-F code (2 to 4 digits, e.g. 06 or 0613)", Location(field="field")
            )
        if sort not in SORTS:
            raise InputError(f"unknown sort « {sort} »; use one of {', '.join(SORTS)}", Location(field="sort"))
        needle = normalise(q) if q else ""
        key = (needle, wanted, subsector, field, body, region, sort, lang if sort == "title" else "")
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
                return found
        found = array("i", self._sorted(self._match(needle, wanted, subsector, field, body, region), sort, lang))
        with self._lock:
            self._results[key] = found
            while len(self._results) > self.RESULTS_KEPT:
                self._results.popitem(last=False)
        return found

    def _sorted(self, positions: Sequence[int], sort: str, lang: str) -> Sequence[int]:
        """Return the positions (in code order) in the ``sort`` order."""
        if sort == "code":
            return positions
        if sort == "level":
            numbers = self.graph.levels

            def level_number(i: int) -> int:
                found = numbers.get(self.summaries[i].level or "")
                return found.number if found is not None and found.number is not None else 99

            return sorted(positions, key=level_number)
        return sorted(positions, key=lambda i: normalise(pick(self.summaries[i].titles, lang)[0] or ""))

    def _match(
        self,
        needle: str,
        levels: tuple[tuple[str, str], ...],
        subsector: str | None,
        field: str | None,
        body: str | None = None,
        region: str | None = None,
    ) -> Sequence[int]:
        """Return the positions of the matching summaries, in order.

        The shortest of the filters' index lists gives the candidates; every filter whose list is not exactly
        those candidates is then tested on each of them.
        """
        # (positions from an index or None, whether they all pass the test, the test)
        filters: list[tuple[Sequence[int] | None, bool, Callable[[Summary], bool]]] = []
        if needle:
            found, exact = self._containing(needle)
            filters.append((found, exact, lambda s: needle in s.folded))
        for wanted in levels:
            filters.append((self._by_level.get(wanted, []), True, self._level_test(*wanted)))
        if subsector:
            filters.append((self._by_subsector.get(subsector, []), True, lambda s: s.subsector == subsector))
        if field:
            filters.append((self._by_field.get(field, []), True, lambda s: any(f.startswith(field) for f in s.fields)))
        if body:
            filters.append((self._by_body.get(body, []), True, lambda s: s.body == body))
        if region:
            filters.append((self._by_region.get(region, []), True, lambda s: region in s.regions))
        indexed = [f for f in filters if f[0] is not None]
        chosen = min(indexed, key=lambda f: len(f[0] or ())) if indexed else None
        candidates: Sequence[int] = (chosen[0] or []) if chosen else range(len(self.summaries))
        tests = [f[2] for f in filters if not (f is chosen and f[1])]
        if not tests:
            return candidates
        return [i for i in candidates if all(test(self.summaries[i]) for test in tests)]

    def _level_test(self, framework: str, notation: str) -> Callable[[Summary], bool]:
        return lambda s: self.equivalents.get(s.level or "", {}).get(framework) == notation

    def _containing(self, needle: str) -> tuple[list[int] | None, bool]:
        """Return the positions of the summaries whose folded text may contain ``needle``, in order, and whether
        they all do; None when the needle is too common for the word index to narrow the search.

        Each space-free fragment of the needle lies inside one word of a matching text, so the summaries with a
        word containing the rarest fragment are a superset; with a single fragment they are the answer.
        """
        fragments = set(needle.split(" "))
        best: list[list[int]] | None = None
        for fragment in fragments:
            lists = self._with_fragment(fragment)
            if lists is not None and (best is None or sum(map(len, lists)) < sum(map(len, best))):
                best = lists
        if best is None:
            return None, False
        return sorted(set().union(*best)), fragments == {needle}

    def _with_fragment(self, fragment: str) -> list[list[int]] | None:
        """Return the postings of the words containing ``fragment``, or None if there are too many such words."""
        text, starts, words = self._vocabulary, self._starts, len(self._words)
        lists: list[list[int]] = []
        at = text.find(fragment)
        while at != -1:
            if len(lists) >= self.WORDS_PER_FRAGMENT:
                return None
            word = bisect_right(starts, at) - 1
            lists.append(self._postings[word])
            if word + 1 >= words:
                break
            at = text.find(fragment, starts[word + 1])
        return lists

    def _level_filter(self, level: str | None) -> tuple[str, str] | None:
        if level is None or level == "":
            return None
        ref = level if ":" in level else f"cnc:{level}"
        try:
            found = self.graph.level(ref)
        except (NotFound, InputError) as exc:
            raise InputError(f"bad level « {level} »: {exc}", Location(field="level")) from exc
        return found.framework, found.notation


def search_index(store: GraphStore) -> SearchIndex:
    """Return the (cached) search index of ``store`` for its current generation."""
    return per_generation(store, SearchIndex)

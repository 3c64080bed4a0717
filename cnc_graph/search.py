"""Searching and filtering qualifications: an in-memory index of their summaries, rebuilt per store generation.

Titles are matched in any language, ignoring case and accents (and Arabic diacritics), which
SPARQL alone cannot do portably; the index is small (a few hundred bytes per qualification).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from cnc_graph.cache import per_generation
from cnc_graph.card import SUBSECTORS
from cnc_graph.compare import GraphIndex, compare_levels, index_for
from cnc_graph.errors import InputError, Location, NotFound
from cnc_graph.labels import pick
from cnc_graph.queries import select, value
from cnc_graph.store import GraphStore

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
    folded: str = ""


@dataclass
class Page:
    """One page of search results."""

    items: list[dict[str, object]]
    total: int
    page: int
    size: int


class SearchIndex:
    """Every qualification's summary, with folded titles for matching and level equivalents."""

    def __init__(self, store: GraphStore) -> None:
        summaries: dict[str, Summary] = {}
        for row in select(store, "qualification_summaries"):
            iri = str(value(row["q"]))
            s = summaries.get(iri)
            if s is None:
                s = summaries[iri] = Summary(iri, str(value(row["code"])))
            if row["title"] is not None:
                s.titles.setdefault(getattr(row["title"], "language", None) or "und", row["title"].value)
            if row["level"] is not None:
                s.level = row["level"].value
            if row["subsector"] is not None:
                s.subsector = row["subsector"].value
            if row["field"] is not None:
                s.fields.add(row["field"].value.rsplit("/", 1)[-1])
            if row["body"] is not None:
                s.body = row["body"].value
                if row["bodyLabel"] is not None:
                    s.body_labels.setdefault(
                        getattr(row["bodyLabel"], "language", None) or "und", row["bodyLabel"].value
                    )
        for s in summaries.values():
            s.folded = " | ".join(normalise(t) for t in s.titles.values()) + " | " + normalise(s.code)
        self.summaries = sorted(summaries.values(), key=lambda s: s.code)
        self.graph = index_for(store)
        self.equivalents = self._equivalents(store, self.graph)

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
        return {
            "id": s.iri,
            "code": s.code,
            "title": title,
            "title_lang": title_lang,
            "level": dict(self.equivalents.get(s.level, {})) if s.level else {},
            "subsector": s.subsector,
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
    ) -> Page:
        """Return one page of the qualifications matching every given filter."""
        if page < 1:
            raise InputError("page must be 1 or more", Location(field="page"))
        if not 1 <= size <= 100:
            raise InputError("size must be between 1 and 100", Location(field="size"))
        wanted_level = self._level_filter(level)
        if subsector is not None and subsector not in SUBSECTORS:
            raise InputError(
                f"unknown sub-sector « {subsector} »; use one of {', '.join(SUBSECTORS)}", Location(field="subsector")
            )
        if field is not None and not re.fullmatch(r"\d{2,4}", field):
            raise InputError(
                f"« {field} » is not an ISCED-F code (2 to 4 digits, e.g. 06 or 0613)", Location(field="field")
            )
        needle = normalise(q) if q else ""
        hits = []
        for s in self.summaries:
            if needle and needle not in s.folded:
                continue
            if wanted_level and self.equivalents.get(s.level or "", {}).get(wanted_level[0]) != wanted_level[1]:
                continue
            if subsector and s.subsector != subsector:
                continue
            if field and not any(f.startswith(field) for f in s.fields):
                continue
            hits.append(s)
        start = (page - 1) * size
        return Page([self.item(s, lang) for s in hits[start : start + size]], len(hits), page, size)

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

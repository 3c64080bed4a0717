"""Interface text of the pages in French, Arabic and English, from the catalogues in ``api/messages/``.

A key missing in the asked language shows the text of the first language that has it (fr, en, ar), marked
with its language and a visible badge; a key missing everywhere shows the key itself, marked the same way,
so that a gap is seen on the page and never hides a text.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode

import yaml
from fastapi import Request

from cnc_graph.labels import FALLBACK_ORDER, LANGUAGES

MESSAGES = Path(__file__).parent / "messages"
#: The cookie that keeps the language picked with the switch (``lang=``) for the next pages.
LANGUAGE_COOKIE = "cnc_lang"
DIRECTION = {"ar": "rtl", "fr": "ltr", "en": "ltr"}


class Message(NamedTuple):
    """A text of the interface and the language it is in (not the asked one when it fell back)."""

    text: str
    lang: str | None


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        elif isinstance(value, list):  # a list (the months) is numbered from 1
            flat.update(_flatten({str(n): item for n, item in enumerate(value, 1)}, name + "."))
        else:
            flat[name] = str(value)
    return flat


@functools.cache
def catalogue(lang: str, folder: Path = MESSAGES) -> dict[str, str]:
    """Return the messages of ``lang`` as dotted keys (``nav.register``) read from ``folder/{lang}.yaml``."""
    with (folder / f"{lang}.yaml").open(encoding="utf-8") as stream:
        return _flatten(yaml.safe_load(stream) or {})


def message(key: str, lang: str, values: Mapping[str, object] | None = None, folder: Path = MESSAGES) -> Message:
    """Return the text of ``key`` in ``lang`` (else its fallback) with ``{name}`` fields filled from ``values``."""
    for candidate in (lang, *FALLBACK_ORDER):
        found = catalogue(candidate, folder).get(key)
        if found is not None:
            return Message(found.format(**values) if values else found, candidate)
    return Message(key, None)


PLURAL_EXTRA = ("two", "few", "many")  # plural forms some languages have beside one and other (CLDR)


def plural_category(n: int, lang: str) -> str:
    """Return the CLDR plural category of ``n`` in ``lang`` (one, two, few, many or other)."""
    if lang == "ar":
        if n == 1:
            return "one"
        if n == 2:
            return "two"
        if 3 <= n % 100 <= 10:
            return "few"
        return "many" if 11 <= n % 100 <= 99 else "other"
    if lang == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


def counted(key: str, n: int, lang: str) -> Message:
    """Return the text of ``key`` for ``n`` things: ``key.{category}`` of ``n`` in ``lang``, else ``key.other``."""
    category = plural_category(n, lang)
    if f"{key}.{category}" not in catalogue(lang):
        category = "other"
    return message(f"{key}.{category}", lang, {"n": n})


def language_links(request: Request, current: str) -> list[dict[str, object]]:
    """Return the language switch: for each language, this page and its query with ``lang`` set to it."""
    kept = [(name, value) for name, value in request.query_params.multi_items() if name != "lang"]
    links: list[dict[str, object]] = []
    for code in LANGUAGES:
        query = urlencode([*kept, ("lang", code)])
        links.append(
            {
                "code": code,
                "name": catalogue(code)["language.name"],
                "href": f"{request.url.path}?{query}",
                "current": code == current,
            }
        )
    return links

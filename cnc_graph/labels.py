"""Choosing a language and picking labels in it, with a visible fallback."""

from __future__ import annotations

from collections.abc import Mapping

from cnc_graph.errors import InputError, Location

LANGUAGES = ("fr", "ar", "en")
FALLBACK_ORDER = ("fr", "en", "ar")


def choose_language(lang: str | None, accept_language: str | None = None) -> str:
    """Return ``lang`` if given (it must be fr, ar or en), else the best of Accept-Language, else fr."""
    if lang is not None:
        code = lang.strip().lower()
        if code not in LANGUAGES:
            raise InputError(f"unknown language « {lang} »: use fr, ar or en", Location(field="lang"))
        return code
    if accept_language:
        ranked = []
        for index, part in enumerate(accept_language.split(",")):
            piece, _, params = part.strip().partition(";")
            code = piece.strip().lower().split("-")[0]
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            if code in LANGUAGES and quality > 0:
                ranked.append((-quality, index, code))
        if ranked:
            return sorted(ranked)[0][2]
    return "fr"


def pick(labels: Mapping[str, str], lang: str) -> tuple[str | None, str | None]:
    """Return (text, its language): the label in ``lang``, else the first of fr, en, ar, else any."""
    if lang in labels:
        return labels[lang], lang
    for other in (*FALLBACK_ORDER, *sorted(labels)):
        if other in labels:
            return labels[other], other
    return None, None

"""A registration card as the workflow's pages show it: the form's sections with each field's label, help, values,
choices, problems and reviewer's comment in the page's language; and a posted form back to the card's cells.

The fields are ``cnc_graph.card.form``'s (one schema with the docs, the import and the API); the labels of the
choices are the store's (``cnc_graph.card.choices``). A text missing in the page's language is shown in the
language it has, marked as such by the templates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from starlette.datastructures import FormData

from cnc_graph.card import fields as card
from cnc_graph.card.choices import CardChoices
from cnc_graph.card.form import FormField, FormSection, card_form
from cnc_graph.card.json import card_json, positional
from cnc_graph.labels import pick
from cnc_graph.registry.checks import FieldProblem

Text = tuple[str, str | None]
#: Empty rows a repeatable field offers beside its values (the page's script adds more).
BLANK_ROWS = 1


@dataclass
class FieldView:
    """One field of the card as a page shows it."""

    field: FormField
    label: Text
    help: Text
    format: Text
    values: list[str]
    choices: list[tuple[str, str, str | None]]
    problems: list[tuple[str, Text]] = dataclasses.field(default_factory=list)
    comment: str | None = None

    @property
    def rows(self) -> list[str]:
        """Return the values a repeatable field shows as rows: its values and room for more."""
        return self.values + [""] * BLANK_ROWS

    def shown(self) -> list[Text]:
        """Return the values as read on a page: a choice's label, else the value itself."""
        labels = {value: (label, label_lang) for value, label, label_lang in self.choices}
        return [labels.get(v, (v, None)) for v in self.values if v]


@dataclass
class SectionView:
    """A section of the card as a page shows it."""

    key: str
    fields: list[FieldView]


def _text(texts: Mapping[str, str], lang: str) -> Text:
    found, found_lang = pick({k: v for k, v in texts.items() if v}, lang)
    return (found or "", found_lang)


def values_of(shown: Mapping[str, str | list[str]], f: FormField) -> list[str]:
    """Return a field's values in a card as ``card_json`` shows it (positions kept for the outcomes)."""
    found = shown.get(f.column)
    if found is None:
        return []
    return list(found) if isinstance(found, list) else [found]


def card_sections(
    cells: Mapping[str, str],
    lang: str,
    choices: CardChoices,
    problems: Iterable[FieldProblem] = (),
    comments: Mapping[str, str] | None = None,
    sections: Iterable[FormSection] | None = None,
) -> list[SectionView]:
    """Return the card's sections as a page shows them, each problem and comment next to its field."""
    by_field: dict[str, list[tuple[str, Text]]] = {}
    for p in problems:
        by_field.setdefault(p.field or "code", []).append((p.severity, _text(p.messages, lang)))
    shown = card_json(cells)
    views = []
    for section in sections if sections is not None else card_form():
        fields = []
        for f in section.fields:
            options = [(c.value, *c.label(lang)) for c in choices.for_field(f.kind, f.choices)]
            fields.append(
                FieldView(
                    field=f,
                    label=_text(f.label, lang),
                    help=_text(f.help, lang),
                    format=_text(f.format, lang),
                    values=values_of(shown, f),
                    choices=options,
                    problems=by_field.get(f.column, []),
                    comment=(comments or {}).get(f.column),
                )
            )
        views.append(SectionView(section.key, fields))
    return views


def other_problems(problems: Iterable[FieldProblem], lang: str) -> list[tuple[str, Text]]:
    """Return the problems named by no field of the card (shown above the form)."""
    return [(p.severity, _text(p.messages, lang)) for p in problems if p.field not in card.BY_COLUMN]


def cells_from_form(form: FormData) -> tuple[dict[str, str], list[FieldProblem]]:
    """Return the card's cells from a posted card form (every field, an empty one as ''), and the values refused.

    A value of a repeatable field may not hold « | », which separates the values of a cell.
    """
    cells: dict[str, str] = {}
    refused: list[FieldProblem] = []
    for f in card.FIELDS:
        raw = [v.strip() for v in form.getlist(f.column) if isinstance(v, str)]
        if f.multi:
            values = raw if positional(f) else [v for v in raw if v]
            while values and not values[-1]:
                values.pop()
            if any(card.MULTI_SEPARATOR in v for v in values):
                refused.append(
                    FieldProblem(
                        f.column,
                        next(v for v in values if card.MULTI_SEPARATOR in v),
                        "Violation",
                        {
                            "fr": "une valeur ne peut pas contenir « | », qui sépare les valeurs : "
                            "mettez chaque valeur sur sa propre ligne",
                            "en": 'a value cannot contain "|", which separates values: '
                            "put each value on a row of its own",
                        },
                    )
                )
            cells[f.column] = f" {card.MULTI_SEPARATOR} ".join(values)
        else:
            cells[f.column] = next((v for v in raw if v), "")
    return cells, refused

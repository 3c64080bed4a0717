"""The registration card as a web form: its sections and fields, generated from the one card schema.

Each field comes from ``shape_docs.column_docs`` — the SHACL shapes' names, descriptions, requirements and
limits over ``card.FIELDS`` — the same source ``docs/registration-card.md`` is generated from, so the form,
the documentation, the import and the API cannot say different things about a field. This module says how
each kind of value is entered (a select, a date, a repeatable list…); the page fills in the choices that
live in the store (organisations, regions, vocabularies' labels).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from cnc_graph.card import fields as card
from cnc_graph.card.shape_docs import LANGUAGE_NAMES, ColumnDoc, allowed_values, column_docs, format_texts
from cnc_graph.validation.shapes import load_shapes

#: The sections of the form, in order, and the card columns each holds (every column in exactly one).
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("identity", ("code", "intitule_fr", "intitule_ar", "intitule_en", "sous_secteur", "niveau_cnc")),
    ("award", ("organisme_certificateur", "domaine_isced_f", "base_legale", "date_base_legale")),
    ("content", ("description_fr", "description_en", "acquis_fr", "acquis_en", "conditions_acces")),
    ("volume", ("duree", "credits_ects", "volume_horaire", "modes_acquisition", "langues")),
    ("quality", ("organisme_qa", "date_accreditation", "date_fin_validite")),
    ("offer", ("prestataires", "regions")),
    ("esco", ("metiers_esco", "competences_esco")),
    ("record", ("lien", "statut", "source")),
)

#: How each kind of value is entered. ``select``: one of ``choices``; ``search``: a concept found by its label.
_INPUTS = {
    "code": "text",
    "text": "text",
    "subsector": "select",
    "level": "select",
    "organisation": "organisation",
    "isced-f": "text",
    "outcomes": "textarea",
    "duration": "text",
    "decimal": "number",
    "integer": "number",
    "date": "date",
    "accreditation-body": "organisation",
    "accreditation-date": "date",
    "acquisition-mode": "select",
    "providers": "organisation",
    "regions": "select",
    "esco-occupation": "search",
    "esco-skill": "search",
    "language": "select",
    "iri": "url",
    "status": "select",
}
#: Free text longer than this is a textarea.
LONG_TEXT = 300


@dataclass(frozen=True)
class FormField:
    """One field of the card form, as the shapes and the card schema define it."""

    column: str
    english: str
    kind: str
    input: str
    multi: bool
    lang: str | None
    label: dict[str, str]
    help: dict[str, str]
    format: dict[str, str]
    requirement: str
    max_length: int | None
    max_count: int | None
    choices: tuple[str, ...]
    #: The columns entered together, one row per value (the n-th outcome in French and in English).
    paired_with: str | None = None

    @property
    def required(self) -> bool:
        """Return whether a submission without a value is refused."""
        return self.requirement == "required"


@dataclass(frozen=True)
class FormSection:
    """A group of fields shown together (a fieldset)."""

    key: str
    fields: tuple[FormField, ...]


#: The outcomes' languages named in Arabic, for the Arabic labels of the two columns.
LANGUAGE_NAMES_AR = {"fr": "بالفرنسية", "en": "بالإنجليزية", "ar": "بالعربية"}


def _label(doc: ColumnDoc) -> dict[str, str]:
    fr, en, ar = doc.title_fr, doc.title, doc.title_ar
    f = doc.field
    if f.kind == "outcomes" and f.lang in LANGUAGE_NAMES:
        fr += f" ({LANGUAGE_NAMES[f.lang][0]})"
        en += f" ({LANGUAGE_NAMES[f.lang][1]})"
        ar += f" ({LANGUAGE_NAMES_AR[f.lang]})" if ar else ""
    return {"fr": fr, "en": en} | ({"ar": ar} if ar else {})


def _input(doc: ColumnDoc) -> str:
    kind = _INPUTS[doc.field.kind]
    if kind == "text" and doc.field.kind == "text" and (doc.max_length or 0) > LONG_TEXT:
        return "textarea"
    return kind


def form_field(doc: ColumnDoc, graph: object, root: Path | None = None) -> FormField:
    """Return the form field of one column's documentation."""
    f = doc.field
    ok, _rejected = allowed_values(graph, doc, root)  # type: ignore[arg-type]
    format_fr, format_en = format_texts(graph, doc, root)  # type: ignore[arg-type]
    paired = None
    if f.kind == "outcomes":
        paired = next(g.column for g in card.FIELDS if g.kind == "outcomes" and g.column != f.column)
    return FormField(
        column=f.column,
        english=f.english,
        kind=f.kind,
        input=_input(doc),
        multi=f.multi,
        lang=f.lang,
        label=_label(doc),
        help={"fr": doc.main.description_fr, "en": doc.main.description_en},
        format={"fr": format_fr, "en": format_en},
        requirement=doc.requirement,
        max_length=doc.max_length,
        max_count=doc.max_count,
        choices=tuple(ok),
        paired_with=paired,
    )


@functools.cache
def card_form(root: Path | None = None) -> tuple[FormSection, ...]:
    """Return the card form's sections and fields, from the project's shapes (read once)."""
    graph = load_shapes(root)
    fields = {doc.field.column: form_field(doc, graph, root) for doc in column_docs(graph)}
    placed = [c for _, columns in SECTIONS for c in columns]
    if sorted(placed) != sorted(fields):
        missing = sorted(set(fields) - set(placed))
        extra = sorted(set(placed) - set(fields))
        raise ValueError(f"the form's sections do not place every card column once: missing {missing}, extra {extra}")
    return tuple(FormSection(key, tuple(fields[c] for c in columns)) for key, columns in SECTIONS)


def form_fields(root: Path | None = None) -> dict[str, FormField]:
    """Return the card form's fields by column."""
    return {f.column: f for section in card_form(root) for f in section.fields}

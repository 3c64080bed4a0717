"""The checks on a card: malformed values, the shapes at submission, and who may submit or decide.

Validation results come back as ``FieldProblem``s named by card column, so the form and the API can
show each message next to its field.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
import rdflib

from cnc_graph.card import fields as card
from cnc_graph.card.form import form_fields
from cnc_graph.card.json import normalised
from cnc_graph.card.rdf import card_to_triples, qualification_iri
from cnc_graph.errors import Forbidden, InputError, Location, ValidationFailed
from cnc_graph.iris import CNC, RDF, graph_iri
from cnc_graph.registry.accounts import Account, list_accounts, organisation_facts
from cnc_graph.registry.records import Application, name_of, rename_iris, strip_base
from cnc_graph.registry.workflow import ADMIN, REVIEWER
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore
from cnc_graph.validation.context import record_context, record_subjects
from cnc_graph.validation.shapes import validator_for
from cnc_graph.validation.validator import ValidationResult, Validator

CNCSH = "https://w3id.org/cnc-ma/shapes#"
SUBMITTED_CARD = CNCSH + "SubmittedCard"
# A shape on a nested node's property reports against the first card column that fills it.
_NESTED_COLUMNS = {f.node_property: f.column for f in reversed(card.NESTED_FIELDS) if f.node_property}


@dataclass(frozen=True)
class RegistryPolicy:
    """Who may submit: ``any-operator`` (any operator or certifier) or ``coordinating-body`` (of each sub-sector)."""

    submitters: str = "any-operator"


@dataclass(frozen=True)
class FieldProblem:
    """One problem with a card, named by its field (card column) with messages in French and English."""

    field: str | None
    value: str | None
    severity: str
    messages: dict[str, str]
    path: str | None = None
    focus: str | None = None
    shape: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the problem as plain JSON-ready data."""
        return asdict(self)


@dataclass
class CardReport:
    """The problems found with one card (read like ``ValidationReport``: violations block, warnings advise)."""

    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def violations(self) -> list[FieldProblem]:
        """Return the blocking problems."""
        return [p for p in self.problems if p.severity == "Violation"]

    @property
    def warnings(self) -> list[FieldProblem]:
        """Return the advisory problems."""
        return [p for p in self.problems if p.severity != "Violation"]


def _field_order(problem: FieldProblem) -> tuple[int, int, str]:
    columns = [f.column for f in card.FIELDS]
    index = columns.index(problem.field) if problem.field in columns else len(columns)
    return (0 if problem.severity == "Violation" else 1, index, problem.focus or "")


def card_rdf(cells: Mapping[str, str], base_iri: str, card_iri: str) -> list[ox.Triple]:
    """Return the RDF of a card at ``card_iri``; malformed values raise ValidationFailed naming their field.

    A draft may lack anything, even its code: completeness is checked at submission. Values given must be
    well-formed, as in the spreadsheet import (the same conversion, ``card_to_triples``).
    """
    work = normalised(cells)
    if over := over_limits(work):
        raise ValidationFailed(CardReport(over), "card")
    code = work.get("code", "")
    placeholder = "DRAFT-WITHOUT-CODE"
    if not code:
        work["code"] = placeholder
    _iri, triples, errors = card_to_triples(work, base_iri, "card", 1)
    if errors:
        problems = [
            FieldProblem(
                field=e.location.field,
                value=work.get(e.location.field or "", None),
                severity="Violation",
                messages={"fr": e.message_fr or e.message, "en": e.message},
            )
            for e in errors
        ]
        raise ValidationFailed(CardReport(sorted(problems, key=_field_order)), "card")
    moved = rename_iris(triples, qualification_iri(base_iri, work["code"]), card_iri)
    if not code:
        moved = [t for t in moved if t.predicate.value != CNC + "code"]
    return moved


def _count(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", " " if lang == "fr" else ",")


def over_limits(cells: Mapping[str, str]) -> list[FieldProblem]:
    """Return a problem for each value longer, and each field with more values, than the card schema allows.

    The limits are the shapes' (``card.form``), checked when a draft is saved as they are at submission and on
    import, so that no draft holds a 900 KB title until someone submits it.
    """
    fields = form_fields()
    problems = []
    for column, text in cells.items():
        f = fields.get(column)
        if f is None or not text:
            continue
        values = [v.strip() for v in text.split(card.MULTI_SEPARATOR)] if f.multi else [text]
        fr, en = f.label["fr"], f.label["en"]
        longest = max(values, key=len)
        if f.max_length is not None and len(longest) > f.max_length:
            most, has = f.max_length, len(longest)
            messages = {
                "fr": f"{fr} (colonne {column}) : au plus {_count(most, 'fr')} caractères ; "
                f"la valeur en a {_count(has, 'fr')}.",
                "en": f"{en} (column {column}): at most {_count(most, 'en')} characters; "
                f"the value has {_count(has, 'en')}.",
            }
            problems.append(FieldProblem(column, longest[:80] + "…", "Violation", messages))
        count = len([v for v in values if v])
        if f.multi and f.max_count is not None and count > f.max_count:
            most = f.max_count
            messages = {
                "fr": f"{fr} (colonne {column}) : au plus {_count(most, 'fr')} valeurs ; "
                f"la fiche en a {_count(count, 'fr')}.",
                "en": f"{en} (column {column}): at most {_count(most, 'en')} values; "
                f"the card has {_count(count, 'en')}.",
            }
            problems.append(FieldProblem(column, None, "Violation", messages))
    return sorted(problems, key=_field_order)


class CardChecks:
    """The shapes' verdict on a card at submission, reported by card field."""

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._validator: Validator | None = None
        self._columns: dict[str, list[str]] = {}

    @property
    def validator(self) -> Validator:
        """Return the shapes validator (the project's shapes, the submission shapes included)."""
        if self._validator is None:
            self._validator = validator_for(self.settings)
            self._columns = _shape_columns(self._validator.shapes)
        return self._validator

    def check_card(self, app: Application) -> CardReport:
        """Return what the shapes say about an application's card as it would be submitted."""
        validator = self.validator
        card_iri = app.card_iri
        data = list(app.card_triples)
        data.append(ox.Triple(ox.NamedNode(card_iri), ox.NamedNode(RDF + "type"), ox.NamedNode(SUBMITTED_CARD)))
        # The register graph's record of the same code is the one an amendment replaces, not another holder.
        data.extend(record_context(self.store, data, exclude_graph=graph_iri(self.settings.base_iri, "register")))
        report = validator.validate_triples(data, focus=record_subjects(app.card_triples) | {card_iri})
        mine = [
            self._field_problem(r, card_iri)
            for r in report.results
            if r.focus == card_iri or r.focus.startswith(card_iri + "/")
        ]

        def submission(p: FieldProblem) -> bool:
            return (p.shape or "").startswith(CNCSH + "SubmittedCard")

        # A missing required field is reported by the submission shape; the general shapes' "missing"
        # result for the same field (a warning, or a vaguer violation) would only repeat it.
        said = {(p.focus, p.path, p.field) for p in mine if submission(p)}
        problems = [p for p in mine if submission(p) or (p.focus, p.path, p.field) not in said]
        return CardReport(sorted(problems, key=_field_order))

    def _field_problem(self, r: ValidationResult, card_iri: str) -> FieldProblem:
        columns = self._columns.get(r.shape or "", [])
        column = None
        for candidate in columns:
            if card.BY_COLUMN[candidate].property == r.path:
                column = candidate
                break
        if column is None and columns:
            column = columns[0]
        if column is None:
            column = _NESTED_COLUMNS.get(r.path or "") or next(
                (f.column for f in card.FIELDS if f.property == r.path), None
            )
        return FieldProblem(
            field=column,
            value=r.value,
            severity=r.severity,
            messages={lang: r.message(lang) for lang in ("fr", "en")},
            path=r.path,
            focus=r.focus.replace(card_iri, "card", 1) if r.focus else None,
            shape=r.shape,
        )


def reviewer_check(account: Account) -> Callable[[Application, Application], None]:
    """Return a check that only the reviewer assigned (or an admin) decides on an application."""

    def check(before: Application, after: Application) -> None:
        if account.role == REVIEWER and before.reviewer and before.reviewer != account.iri:
            raise Forbidden(
                f"application « {before.id} » is assigned to {name_of(before.reviewer)}; "
                "only that reviewer (or an admin) may decide on it"
            )

    return check


def check_submitter(policy: RegistryPolicy, store: GraphStore, base: str, account: Account) -> None:
    """Raise Forbidden unless the policy lets this account submit cards."""
    if account.role == ADMIN or policy.submitters == "any-operator":
        return
    facts = organisation_facts(store, str(account.organisation)) or {"roles": set(), "subsectors": set()}
    if "coordinating-body" not in facts["roles"]:
        raise Forbidden(
            "only the coordinating body of a sub-sector may submit cards (CNC_SUBMITTERS=coordinating-body); "
            f"{strip_base(account.organisation, base, 'organisation/')} is not a coordinating body: "
            "send the card to your sub-sector's coordinating body"
        )


def submitters_by_subsector(policy: RegistryPolicy, store: GraphStore, base: str) -> dict[str, list[tuple[str, str]]]:
    """Return, for each sub-sector, the live applicant accounts the policy lets submit there (name, organisation id);
    admins may submit for any."""
    found: dict[str, list[tuple[str, str]]] = {key: [] for key in card.SUBSECTORS}
    for account in list_accounts(store, base):
        if not account.active or account.role == ADMIN or not account.subsector or not account.organisation:
            continue
        if account.role != "applicant" or account.subsector not in found:
            continue
        facts = organisation_facts(store, account.organisation) or {"roles": set()}
        if policy.submitters == "any-operator" or "coordinating-body" in facts["roles"]:
            organisation = strip_base(account.organisation, base, "organisation/") or account.organisation
            found[account.subsector].append((account.name, organisation))
    return found


def check_subsector(base: str, account: Account, app: Application) -> None:
    """Raise Forbidden when a card is for another sub-sector than the submitting account's."""
    if account.role == ADMIN or not account.subsector:
        return
    cells = app.cells(base)
    key = card.subsector_key(cells.get("sous_secteur", ""))
    if key and key != account.subsector:
        raise Forbidden(
            f"this account submits for the {account.subsector} sub-sector; the card is for {key}: "
            "the card goes to that sub-sector's operators"
        )


def _shape_columns(shapes: rdflib.Graph) -> dict[str, list[str]]:
    column = rdflib.URIRef(CNCSH + "column")
    found: dict[str, list[str]] = defaultdict(list)
    for shape, text in shapes.subject_objects(column):
        if str(text) in card.BY_COLUMN:
            found[str(shape)].append(str(text))
    order = [f.column for f in card.FIELDS]
    return {shape: sorted(columns, key=order.index) for shape, columns in found.items()}


def field_comments(fields: Mapping[str, str]) -> dict[str, str]:
    """Return a reviewer's comments keyed by card column; a key that names no column is an error."""
    notes: dict[str, str] = {}
    for key, text in fields.items():
        column = card.canonical_column(key)
        if column is None:
            raise InputError(
                f"« {key} » is not a field of the card: comment on one of its columns",
                Location(field=key),
                f"« {key} » n'est pas un champ de la fiche : commentez une de ses colonnes",
            )
        if str(text).strip():
            notes[column] = str(text).strip()
    return notes

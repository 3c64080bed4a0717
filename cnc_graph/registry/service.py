"""The registration workflow: applications, their state machine, their audit trail, and publication.

States: draft → submitted → under-review → (changes-requested → submitted …) → approved → published;
rejected; withdrawn. ``TRANSITIONS`` is the whole state machine: (from state, action, role) → to state.
Anything not in it is refused with the transitions the caller's role does have (``TransitionRefused``).

Storage (all private graphs except the register):

- ``graph/private/registration/{id}``: the application node (status, applicant, version…) and its current
  card, a ``cnc:Qualification`` at ``registration/{id}/card``;
- ``graph/private/audit/{id}``: one PROV-O activity per change (agent, time, action, comment, the card
  version used and generated), and each version's card as a snapshot;
- ``graph/private/registry``: the registration-number counters, one per year;
- ``graph/register`` (public): the published qualifications, each ``prov:wasGeneratedBy`` its
  registration activity.

Each transition is ONE store transaction (state, card, audit activity, and on publication the register
and the counter), made under a lock so that the version check (If-Match) and the write cannot interleave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace

import pyoxigraph as ox
import rdflib

from cnc_graph.card import fields as card
from cnc_graph.card.json import card_json, normalised
from cnc_graph.card.rdf import Cells, card_to_triples, cells_from_triples, qualification_iri
from cnc_graph.errors import CncError, Conflict, Forbidden, InputError, Location, NotFound, ValidationFailed
from cnc_graph.iris import CNC, DCT, PROV, RDF, RDFS, XSD, graph_iri
from cnc_graph.rdf.query_files import load_query, select, value
from cnc_graph.registry.accounts import (
    REG,
    Account,
    account_iri,
    find_account,
    organisation_facts,
    organisation_iri,
)
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore, StoreTransaction
from cnc_graph.validation.context import record_context, record_subjects
from cnc_graph.validation.validator import ValidationResult, Validator

CNCSH = "https://w3id.org/cnc-ma/shapes#"
SUBMITTED_CARD = CNCSH + "SubmittedCard"
RDF_JSON = RDF + "JSON"

# --- the state machine ------------------------------------------------------------------------

DRAFT, SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED = "draft", "submitted", "under-review", "changes-requested"
APPROVED, REJECTED, PUBLISHED, WITHDRAWN = "approved", "rejected", "published", "withdrawn"
STATES = (DRAFT, SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED, REJECTED, PUBLISHED, WITHDRAWN)
ACTIONS = ("create", "edit", "submit", "assign", "request-changes", "approve", "reject", "publish", "withdraw")
APPLICANT, REVIEWER, ADMIN = "applicant", "reviewer", "admin"

_RULES: tuple[tuple[tuple[str | None, ...], str, tuple[str, ...], str | None], ...] = (
    # (from states, action, roles, to state — None: stays where it is)
    ((None,), "create", (APPLICANT, ADMIN), DRAFT),
    ((DRAFT, CHANGES_REQUESTED), "edit", (APPLICANT, ADMIN), None),
    ((DRAFT, CHANGES_REQUESTED), "submit", (APPLICANT, ADMIN), SUBMITTED),
    ((SUBMITTED, UNDER_REVIEW), "assign", (REVIEWER, ADMIN), UNDER_REVIEW),
    ((UNDER_REVIEW,), "request-changes", (REVIEWER, ADMIN), CHANGES_REQUESTED),
    ((UNDER_REVIEW,), "approve", (REVIEWER, ADMIN), APPROVED),
    ((UNDER_REVIEW,), "reject", (REVIEWER, ADMIN), REJECTED),
    ((APPROVED,), "publish", (ADMIN,), PUBLISHED),
    ((DRAFT, SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED), "withdraw", (APPLICANT, ADMIN), WITHDRAWN),
)

TRANSITIONS: dict[tuple[str | None, str, str], str] = {
    (state, action, role): (to or state)  # type: ignore[misc]
    for states, action, roles, to in _RULES
    for state in states
    for role in roles
}


def allowed_transitions(state: str | None, role: str) -> list[tuple[str, str]]:
    """Return the (action, to state) pairs ``role`` may take from ``state``, in workflow order."""
    found = [(action, to) for (s, action, r), to in TRANSITIONS.items() if s == state and r == role]
    return sorted(found, key=lambda pair: ACTIONS.index(pair[0]))


class TransitionRefused(Conflict):
    """An action the state machine does not allow for this role in this state (HTTP 409)."""

    def __init__(self, state: str | None, action: str, role: str) -> None:
        self.state = state
        self.action = action
        self.role = role
        self.allowed = allowed_transitions(state, role)
        listed = ", ".join(f"{a} → {t}" for a, t in self.allowed) or "none"
        where = f"a {state} application" if state else "a new application"
        super().__init__(f"a {role} cannot {action} {where}; allowed: {listed}")

    def problem_extra(self) -> dict[str, object]:
        """Return the structured part of the refusal, for the problem+json body."""
        return {
            "state": self.state,
            "action": self.action,
            "role": self.role,
            "allowed": [{"action": a, "to": t} for a, t in self.allowed],
        }


def next_state(state: str | None, action: str, role: str) -> str:
    """Return the state ``action`` leads to from ``state`` for ``role``, or raise TransitionRefused."""
    to = TRANSITIONS.get((state, action, role))
    if to is None:
        raise TransitionRefused(state, action, role)
    return to


def may_see(account: Account, status: str, applicant: str) -> bool:
    """Return whether an account may see an application (applicants: their organisation's; reviewers: not drafts)."""
    if account.role == APPLICANT:
        return applicant == account.organisation
    if account.role == REVIEWER:
        return status != DRAFT
    return account.role == ADMIN


class PreconditionFailed(CncError):
    """The client's If-Match names a version that is no longer current (HTTP 412)."""

    http_status = 412


# --- settings ---------------------------------------------------------------------------------

SUBMITTER_POLICIES = ("any-operator", "coordinating-body")


@dataclass(frozen=True)
class RegistryPolicy:
    """Who may submit: ``any-operator`` (any operator or certifier) or ``coordinating-body`` (of each sub-sector)."""

    submitters: str = "any-operator"

    @classmethod
    def from_env(cls) -> RegistryPolicy:
        """Return the policy from ``CNC_SUBMITTERS`` (default any-operator)."""
        submitters = os.environ.get("CNC_SUBMITTERS", "any-operator").strip() or "any-operator"
        if submitters not in SUBMITTER_POLICIES:
            raise InputError(
                f"CNC_SUBMITTERS={submitters!r}: use one of {', '.join(SUBMITTER_POLICIES)}",
                Location(field="CNC_SUBMITTERS"),
            )
        return cls(submitters)


# --- validation results as card fields --------------------------------------------------------


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


# --- the application --------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _timestamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Application:
    """A registration application as stored: its state, who is involved, and its current card."""

    id: str
    iri: str
    status: str
    applicant: str
    version: int
    created: str
    modified: str
    created_by: str | None = None
    submitted_by: str | None = None
    reviewer: str | None = None
    registration_number: str | None = None
    registration_date: str | None = None
    qualification: str | None = None
    card_triples: list[ox.Triple] = field(default_factory=list)

    @property
    def card_iri(self) -> str:
        """Return the IRI of the application's card while it is private."""
        return self.iri + "/card"

    @property
    def etag(self) -> str:
        """Return the entity tag of the current version (changes with every transition)."""
        return '"' + hashlib.sha256(f"{self.iri}|{self.version}".encode()).hexdigest()[:32] + '"'

    def cells(self, base_iri: str) -> Cells:
        """Return the current card as cells."""
        return cells_from_triples(self.card_triples, ox.NamedNode(self.card_iri), base_iri)


def _name(account: str | None) -> str | None:
    return account.rsplit("/", 1)[-1] if account else None


def _key(iri: str | None, base_iri: str, segment: str) -> str | None:
    return iri.removeprefix(base_iri + segment) if iri else None


def status_iri(base_iri: str, status: str) -> str:
    """Return the IRI of a registration status in the ``registration-status`` vocabulary."""
    return f"{base_iri}vocab/registration-status/{status}"


def rename_iris(triples: Iterable[ox.Triple], old: str, new: str) -> list[ox.Triple]:
    """Return ``triples`` with the IRI ``old`` and every IRI under ``old/`` moved to ``new``."""

    def move(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, ox.NamedNode) and (term.value == old or term.value.startswith(old + "/")):
            return ox.NamedNode(new + term.value[len(old) :])
        return term

    return [ox.Triple(move(t.subject), t.predicate, move(t.object)) for t in triples]  # type: ignore[arg-type]


def card_rdf(cells: Mapping[str, str], base_iri: str, card_iri: str) -> list[ox.Triple]:
    """Return the RDF of a card at ``card_iri``; malformed values raise ValidationFailed naming their field.

    A draft may lack anything, even its code: completeness is checked at submission. Values given must be
    well-formed, as in the spreadsheet import (the same conversion, ``card_to_triples``).
    """
    work = normalised(cells)
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


# --- the service ------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    """One change of an application, as its audit activity records it."""

    version: int
    action: str
    agent: str | None
    time: str | None
    from_status: str | None
    to_status: str | None
    comment: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    card_before: int | None = None
    card_after: int | None = None
    changed: list[str] = field(default_factory=list)
    activity: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the entry as plain JSON-ready data."""
        return asdict(self)


class Registry:
    """The registration workflow over one store."""

    def __init__(self, store: GraphStore, settings: Settings, policy: RegistryPolicy | None = None) -> None:
        self.store = store
        self.settings = settings
        self.base = settings.base_iri
        self.policy = policy or RegistryPolicy.from_env()
        self._lock = threading.RLock()
        self._validator: Validator | None = None
        self._columns: dict[str, list[str]] = {}

    # --- IRIs --------------------------------------------------------------------------------

    def application_iri(self, app_id: str) -> str:
        """Return the IRI of an application."""
        return f"{self.base}registration/{app_id}"

    def application_graph(self, app_id: str) -> str:
        """Return the private graph holding an application and its current card."""
        return graph_iri(self.base, f"private/registration/{app_id}")

    def audit_graph(self, app_id: str) -> str:
        """Return the private graph holding an application's audit trail."""
        return graph_iri(self.base, f"private/audit/{app_id}")

    @property
    def register_graph(self) -> str:
        """Return the public graph of the published qualifications."""
        return graph_iri(self.base, "register")

    @property
    def counter_graph(self) -> str:
        """Return the private graph of the registration-number counters."""
        return graph_iri(self.base, "private/registry")

    # --- reading -----------------------------------------------------------------------------

    def _graph(self, graph: str) -> list[ox.Triple]:
        result = self.store.query(
            load_query("private_graph_triples"), bindings={"g": ox.NamedNode(graph)}, public_only=False
        )
        return list(result)  # type: ignore[arg-type]

    def _load(self, app_id: str) -> Application | None:
        if not _valid_id(app_id):
            return None
        iri = self.application_iri(app_id)
        triples = self._graph(self.application_graph(app_id))
        own: dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]] = defaultdict(list)
        for t in triples:
            if t.subject.value == iri:
                own[t.predicate.value].append(t.object)  # type: ignore[arg-type]
        if not own:
            return None

        def one(prop: str) -> str | None:
            found = own.get(prop)
            return found[0].value if found else None

        return Application(
            id=app_id,
            iri=iri,
            status=str(one(CNC + "registrationStatus")).rsplit("/", 1)[-1],
            applicant=str(one(CNC + "applicant")),
            version=int(one(REG + "version") or 0),
            created=str(one(DCT + "created")),
            modified=str(one(DCT + "modified")),
            created_by=one(DCT + "creator"),
            submitted_by=one(CNC + "submittedBy"),
            reviewer=one(REG + "reviewer"),
            registration_number=one(CNC + "registrationNumber"),
            registration_date=one(CNC + "registrationDate"),
            qualification=one(REG + "qualification"),
            card_triples=[t for t in triples if t.subject.value != iri],
        )

    def get(self, account: Account, app_id: str) -> Application:
        """Return an application the account may see; any other is « not found », whether it exists or not."""
        app = self._load(app_id)
        if app is None or not may_see(account, app.status, app.applicant):
            raise NotFound(f"no registration application « {app_id} »")
        return app

    def list(
        self,
        account: Account,
        status: str | None = None,
        subsector: str | None = None,
        applicant: str | None = None,
    ) -> list[dict[str, object]]:
        """Return the applications the account may see, newest change first, filtered as asked."""
        bindings: dict[str, ox.NamedNode | ox.Literal] = {
            "prefix": ox.Literal(graph_iri(self.base, "private/registration/"))
        }
        if status:
            if status not in STATES:
                raise InputError(
                    f"« {status} » is not a status; use one of {', '.join(STATES)}", Location(field="status")
                )
            bindings["status"] = ox.NamedNode(status_iri(self.base, status))
        if account.role == APPLICANT:
            if applicant and organisation_iri(self.base, applicant) != account.organisation:
                return []
            bindings["applicant"] = ox.NamedNode(str(account.organisation))
        elif applicant:
            bindings["applicant"] = ox.NamedNode(organisation_iri(self.base, applicant))
        key = None
        if subsector:
            key = card.subsector_key(subsector)
            if key is None:
                raise InputError(
                    f"« {subsector} » is not a sub-sector; use one of {', '.join(card.SUBSECTORS)}",
                    Location(field="subsector"),
                )
        rows = select(self.store, "registrations", public_only=False, **bindings)
        items: dict[str, dict[str, object]] = {}
        for row in rows:
            row_subsector = _key(value(row["subsector"]), self.base, "subsector/")
            if key and row_subsector != key:
                continue
            app_id = str(value(row["id"]))
            row_status = str(value(row["status"])).rsplit("/", 1)[-1]
            if app_id in items or not may_see(account, row_status, str(value(row["applicant"]))):
                continue
            items[app_id] = {
                "id": app_id,
                "status": row_status,
                "applicant": _key(value(row["applicant"]), self.base, "organisation/"),
                "code": value(row["code"]),
                "title": value(row["title"]),
                "subsector": row_subsector,
                "version": int(str(value(row["version"]))),
                "created": value(row["created"]),
                "modified": value(row["modified"]),
                "registration_number": value(row["number"]),
                "reviewer": _name(value(row["reviewer"])),
            }
        return list(items.values())

    def history(self, account: Account, app_id: str) -> list[HistoryEntry]:
        """Return the audit trail of an application, oldest change first."""
        app = self.get(account, app_id)
        return self._history(app)

    def version(self, account: Account, app_id: str, number: int) -> dict[str, object]:
        """Return one recorded version of an application's card (as the audit trail kept it)."""
        app = self.get(account, app_id)
        snapshots = self._snapshots(self._graph(self.audit_graph(app.id)), app.iri)
        if number not in snapshots:
            raise NotFound(f"application « {app_id} » has no version {number}")
        status, cells = snapshots[number]
        return {"id": app.id, "version": number, "status": status, "card": card_json(cells)}

    def _snapshots(self, audit: list[ox.Triple], app_iri: str) -> dict[int, tuple[str, Cells]]:
        by_subject: dict[str, dict[str, str]] = defaultdict(dict)
        for t in audit:
            if t.subject.value.startswith(app_iri + "/version/"):
                by_subject[t.subject.value][t.predicate.value] = t.object.value
        found: dict[int, tuple[str, Cells]] = {}
        for subject, props in by_subject.items():
            tail = subject.rsplit("/", 1)[-1]
            if tail.isdigit() and REG + "cardSnapshot" in props:
                status = props.get(REG + "status", "").rsplit("/", 1)[-1]
                found[int(tail)] = (status, json.loads(props[REG + "cardSnapshot"]))
        return found

    def _history(self, app: Application) -> list[HistoryEntry]:
        audit = self._graph(self.audit_graph(app.id))
        snapshots = self._snapshots(audit, app.iri)
        props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in audit:
            props[t.subject.value][t.predicate.value].append(t.object.value)
        entries = []
        prefix = app.iri + "/activity/"
        for subject, p in props.items():
            tail = subject.removeprefix(prefix)
            if not subject.startswith(prefix) or not tail.isdigit():
                continue

            def one(prop: str, p: dict[str, list[str]] = p) -> str | None:
                return p[prop][0] if p.get(prop) else None

            before = _version_number(one(PROV + "used"))
            after = _version_number(one(PROV + "generated"))
            fields = {}
            for note in p.get(REG + "fieldComment", []):
                note_props = props.get(note, {})
                if note_props.get(REG + "field") and note_props.get(RDFS + "comment"):
                    fields[note_props[REG + "field"][0]] = note_props[RDFS + "comment"][0]
            changed: list[str] = []
            if after in snapshots:
                old = snapshots[before][1] if before in snapshots else {}
                new = snapshots[after][1]
                changed = [f.column for f in card.FIELDS if old.get(f.column) != new.get(f.column)]
            entries.append(
                HistoryEntry(
                    version=int(tail),
                    action=str(one(REG + "action")),
                    agent=_name(one(PROV + "wasAssociatedWith")),
                    time=one(PROV + "endedAtTime"),
                    from_status=_last(one(REG + "fromStatus")),
                    to_status=_last(one(REG + "toStatus")),
                    comment=one(RDFS + "comment"),
                    fields=fields,
                    card_before=before,
                    card_after=after,
                    changed=changed,
                    activity=subject,
                )
            )
        # Read apart from the application: a change committed in between is not part of this version yet.
        return sorted((e for e in entries if e.version <= app.version), key=lambda e: e.version)

    def describe(self, app: Application, account: Account, history: bool = False) -> dict[str, object]:
        """Return an application as the API shows it: state, people, card, what the caller may do next."""
        entries = self._history(app) if history else None
        review = None
        if app.status == CHANGES_REQUESTED:
            for entry in reversed(entries if entries is not None else self._history(app)):
                if entry.action == "request-changes":
                    review = {"comment": entry.comment, "fields": entry.fields, "by": entry.agent, "time": entry.time}
                    break
        body: dict[str, object] = {
            "id": app.id,
            "iri": app.iri,
            "status": app.status,
            "version": app.version,
            "applicant": _key(app.applicant, self.base, "organisation/"),
            "created": app.created,
            "modified": app.modified,
            "created_by": _name(app.created_by),
            "submitted_by": _name(app.submitted_by),
            "reviewer": _name(app.reviewer),
            "registration_number": app.registration_number,
            "registration_date": app.registration_date,
            "qualification": app.qualification,
            "card": card_json(app.cells(self.base)),
            "allowed": [{"action": a, "to": t} for a, t in allowed_transitions(app.status, account.role)],
        }
        if review:
            body["review"] = review
        if entries is not None:
            body["history"] = [e.to_dict() for e in entries]
        return body

    # --- validation --------------------------------------------------------------------------

    @property
    def validator(self) -> Validator:
        """Return the shapes validator (the project's shapes, the submission shapes included)."""
        if self._validator is None:
            from cnc_graph.importing import validator_for

            self._validator = validator_for(self.settings)
            self._columns = _shape_columns(self._validator.shapes)
        return self._validator

    def check_card(self, app: Application) -> CardReport:
        """Return what the shapes say about an application's card as it would be submitted."""
        validator = self.validator
        card_iri = app.card_iri
        data = list(app.card_triples)
        data.append(ox.Triple(ox.NamedNode(card_iri), ox.NamedNode(RDF + "type"), ox.NamedNode(SUBMITTED_CARD)))
        data.extend(record_context(self.store, data))
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

    # --- writing -----------------------------------------------------------------------------

    def application_triples(self, app: Application) -> list[ox.Triple]:
        """Return the stored description of an application: its node and its current card."""
        s = ox.NamedNode(app.iri)

        def t(p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
            return ox.Triple(s, ox.NamedNode(p), o)

        def moment(text: str) -> ox.Literal:
            return ox.Literal(text, datatype=ox.NamedNode(XSD + "dateTime"))

        triples = [
            t(RDF + "type", ox.NamedNode(CNC + "RegistrationApplication")),
            t(RDF + "type", ox.NamedNode(PROV + "Entity")),
            t(DCT + "identifier", ox.Literal(app.id)),
            t(CNC + "registrationStatus", ox.NamedNode(status_iri(self.base, app.status))),
            t(CNC + "applicant", ox.NamedNode(app.applicant)),
            t(CNC + "card", ox.NamedNode(app.card_iri)),
            t(REG + "version", ox.Literal(str(app.version), datatype=ox.NamedNode(XSD + "integer"))),
            t(DCT + "created", moment(app.created)),
            t(DCT + "modified", moment(app.modified)),
        ]
        for prop, iri in (
            (DCT + "creator", app.created_by),
            (CNC + "submittedBy", app.submitted_by),
            (REG + "reviewer", app.reviewer),
            (REG + "qualification", app.qualification),
        ):
            if iri:
                triples.append(t(prop, ox.NamedNode(iri)))
        if app.registration_number:
            triples.append(t(CNC + "registrationNumber", ox.Literal(app.registration_number)))
        if app.registration_date:
            triples.append(
                t(CNC + "registrationDate", ox.Literal(app.registration_date, datatype=ox.NamedNode(XSD + "date")))
            )
        return triples + app.card_triples

    def _activity(
        self,
        before: Application | None,
        after: Application,
        action: str,
        account: Account,
        moment: str,
        comment: str | None,
        fields: Mapping[str, str] | None,
    ) -> list[ox.Triple]:
        act = ox.NamedNode(f"{after.iri}/activity/{after.version}")
        version = ox.NamedNode(f"{after.iri}/version/{after.version}")

        def t(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
            return ox.Triple(s, ox.NamedNode(p), o)

        when = ox.Literal(moment, datatype=ox.NamedNode(XSD + "dateTime"))
        snapshot = json.dumps(normalised(after.cells(self.base)), ensure_ascii=False, sort_keys=True)
        triples = [
            t(act, RDF + "type", ox.NamedNode(PROV + "Activity")),
            t(act, REG + "action", ox.Literal(action)),
            t(act, PROV + "wasAssociatedWith", ox.NamedNode(account.iri)),
            t(act, PROV + "startedAtTime", when),
            t(act, PROV + "endedAtTime", when),
            t(act, REG + "toStatus", ox.NamedNode(status_iri(self.base, after.status))),
            t(act, PROV + "generated", version),
            t(version, RDF + "type", ox.NamedNode(PROV + "Entity")),
            t(version, PROV + "specializationOf", ox.NamedNode(after.iri)),
            t(version, PROV + "wasGeneratedBy", act),
            t(version, REG + "status", ox.NamedNode(status_iri(self.base, after.status))),
            t(version, REG + "cardSnapshot", ox.Literal(snapshot, datatype=ox.NamedNode(RDF_JSON))),
        ]
        if before is not None:
            previous = ox.NamedNode(f"{after.iri}/version/{before.version}")
            triples += [
                t(act, REG + "fromStatus", ox.NamedNode(status_iri(self.base, before.status))),
                t(act, PROV + "used", previous),
                t(version, PROV + "wasRevisionOf", previous),
                t(act, PROV + "wasInformedBy", ox.NamedNode(f"{after.iri}/activity/{before.version}")),
            ]
        if comment:
            triples.append(t(act, RDFS + "comment", ox.Literal(comment)))
        for column, text in (fields or {}).items():
            note = ox.NamedNode(f"{act.value}/comment/{column}")
            triples += [
                t(act, REG + "fieldComment", note),
                t(note, REG + "field", ox.Literal(column)),
                t(note, RDFS + "comment", ox.Literal(text)),
            ]
        return triples

    def _commit(
        self,
        before: Application | None,
        after: Application,
        action: str,
        account: Account,
        moment: str,
        comment: str | None = None,
        fields: Mapping[str, str] | None = None,
        extra: Callable[[StoreTransaction], None] | None = None,
    ) -> None:
        """Write a transition: the application, its audit activity (and ``extra``) in ONE transaction."""
        audit = [] if before is None else self._graph(self.audit_graph(after.id))
        audit += self._activity(before, after, action, account, moment, comment, fields)
        with self.store.transaction() as tx:
            tx.replace_graph(self.application_graph(after.id), self.application_triples(after))
            tx.replace_graph(self.audit_graph(after.id), audit)
            if extra is not None:
                extra(tx)

    def _transition(
        self,
        account: Account,
        app_id: str,
        action: str,
        if_match: str | None,
        comment: str | None = None,
        fields: Mapping[str, str] | None = None,
        change: Callable[[Application, Application], Callable[[StoreTransaction], None] | None] | None = None,
    ) -> Application:
        with self._lock:
            before = self.get(account, app_id)
            check_if_match(before, if_match)
            to = next_state(before.status, action, account.role)
            moment = _now()
            after = replace(before, status=to, version=before.version + 1, modified=_timestamp(moment))
            extra = change(before, after) if change else None
            self._commit(before, after, action, account, _timestamp(moment), comment, fields, extra)
            return after

    # --- the actions -------------------------------------------------------------------------

    def create(self, account: Account, cells: Mapping[str, str], organisation: str | None = None) -> Application:
        """Create a draft for the account's organisation (an admin may name another)."""
        next_state(None, "create", account.role)
        if account.role == APPLICANT or not organisation:
            applicant = account.organisation
        else:
            applicant = organisation_iri(self.base, organisation)
            if organisation_facts(self.store, applicant) is None:
                raise InputError(f"unknown organisation « {organisation} »", Location(field="organisation"))
        if not applicant:
            raise InputError(
                "name the applicant organisation (?organisation=ID): this account has none",
                Location(field="organisation"),
            )
        with self._lock:
            app_id = _new_id()
            iri = self.application_iri(app_id)
            moment = _timestamp(_now())
            app = Application(
                id=app_id,
                iri=iri,
                status=DRAFT,
                applicant=applicant,
                version=1,
                created=moment,
                modified=moment,
                created_by=account.iri,
                card_triples=card_rdf(cells, self.base, iri + "/card"),
            )
            self._commit(None, app, "create", account, moment)
            return app

    def edit(
        self, account: Account, app_id: str, cells: Mapping[str, str], if_match: str | None, merge: bool = False
    ) -> Application:
        """Replace (or, with ``merge``, update) the card of a draft or of an application sent back for changes."""

        def change(before: Application, after: Application) -> None:
            new = dict(before.cells(self.base)) if merge else {}
            for column, text in cells.items():
                if text:
                    new[column] = text
                else:
                    new.pop(column, None)
            after.card_triples = card_rdf(new, self.base, after.card_iri)

        return self._transition(account, app_id, "edit", if_match, change=change)

    def submit(self, account: Account, app_id: str, if_match: str | None) -> tuple[Application, CardReport]:
        """Submit a card: the submission shapes must find no violation; warnings are returned, not blocking."""
        reports: list[CardReport] = []

        def change(before: Application, after: Application) -> None:
            self._check_submitter(account, before)
            report = self.check_card(before)
            if report.violations:
                raise ValidationFailed(report, f"registration {app_id}")
            self._check_subsector(account, before)
            after.submitted_by = account.iri
            reports.append(report)

        app = self._transition(account, app_id, "submit", if_match, change=change)
        return app, reports[0]

    def assign(
        self,
        account: Account,
        app_id: str,
        if_match: str | None,
        reviewer: str | None = None,
        comment: str | None = None,
    ) -> Application:
        """Take a submitted application under review (assigned to ``reviewer``, by default the caller)."""

        def change(before: Application, after: Application) -> None:
            if reviewer and reviewer != account.name:
                found = find_account(self.store, self.base, reviewer)
                if found is None or not found.active or found.role not in (REVIEWER, ADMIN):
                    raise InputError(f"« {reviewer} » is not an active reviewer account", Location(field="reviewer"))
                after.reviewer = found.iri
            else:
                after.reviewer = account.iri

        return self._transition(account, app_id, "assign", if_match, comment=comment, change=change)

    def request_changes(
        self,
        account: Account,
        app_id: str,
        if_match: str | None,
        comment: str | None,
        fields: Mapping[str, str] | None = None,
    ) -> Application:
        """Send an application back to its applicant, with a comment and/or comments per card field."""
        notes = _field_comments(fields or {})
        if not (comment or notes):
            raise InputError(
                "say what to change: give a comment or comments per field",
                Location(field="comment"),
                "dites quoi modifier : donnez un commentaire ou des commentaires par champ",
            )
        return self._transition(
            account, app_id, "request-changes", if_match, comment, notes, change=self._reviewer_check(account)
        )

    def approve(self, account: Account, app_id: str, if_match: str | None, comment: str | None = None) -> Application:
        """Approve an application under review."""
        return self._transition(account, app_id, "approve", if_match, comment, change=self._reviewer_check(account))

    def reject(self, account: Account, app_id: str, if_match: str | None, reason: str | None) -> Application:
        """Reject an application under review; the reason is required."""
        if not (reason or "").strip():
            raise InputError(
                "a rejection needs its reason", Location(field="reason"), "un rejet doit être motivé (reason)"
            )
        return self._transition(account, app_id, "reject", if_match, reason, change=self._reviewer_check(account))

    def withdraw(self, account: Account, app_id: str, if_match: str | None, comment: str | None = None) -> Application:
        """Withdraw an application before its publication."""
        return self._transition(account, app_id, "withdraw", if_match, comment)

    def publish(self, account: Account, app_id: str, if_match: str | None) -> Application:
        """Publish an approved card: registration number and date, and the qualification in the register graph."""

        def change(before: Application, after: Application) -> Callable[[StoreTransaction], None]:
            cells = before.cells(self.base)
            code = cells.get("code", "")
            holders = select(self.store, "code_holders", code=ox.Literal(code))
            if holders:
                where = str(value(holders[0]["g"])).removeprefix(self.base + "graph/")
                raise Conflict(f"code « {code} » is already in the register ({where}): it cannot be published twice")
            report = self.check_card(before)
            if report.violations:
                raise ValidationFailed(report, f"registration {app_id}")
            today = dt.datetime.fromisoformat(after.modified.replace("Z", "+00:00")).date()
            counters = self._graph(self.counter_graph)
            number, counters = _allocate(counters, self.base, today.year)
            after.registration_number = number
            after.registration_date = today.isoformat()
            after.qualification = qualification_iri(self.base, code)
            activity = ox.NamedNode(f"{after.iri}/activity/{after.version}")
            public = self._published_triples(before, after, activity, code)
            register = self._graph(self.register_graph) + public

            def write(tx: StoreTransaction) -> None:
                tx.replace_graph(self.register_graph, register)
                tx.replace_graph(self.counter_graph, counters)

            return write

        return self._transition(account, app_id, "publish", if_match, change=change)

    def _published_triples(
        self, before: Application, after: Application, activity: ox.NamedNode, code: str
    ) -> list[ox.Triple]:
        q_iri = str(after.qualification)
        q = ox.NamedNode(q_iri)
        moved = rename_iris(before.card_triples, before.card_iri, q_iri)

        def t(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
            return ox.Triple(s, ox.NamedNode(p), o)

        return moved + [
            t(q, CNC + "registrationNumber", ox.Literal(str(after.registration_number))),
            t(
                q,
                CNC + "registrationDate",
                ox.Literal(str(after.registration_date), datatype=ox.NamedNode(XSD + "date")),
            ),
            t(q, PROV + "wasGeneratedBy", activity),
            t(activity, RDF + "type", ox.NamedNode(PROV + "Activity")),
            t(activity, RDFS + "label", ox.Literal(f"Enregistrement au CNC : {code}", language="fr")),
            t(activity, RDFS + "label", ox.Literal(f"Registration in the CNC: {code}", language="en")),
            t(activity, PROV + "endedAtTime", ox.Literal(after.modified, datatype=ox.NamedNode(XSD + "dateTime"))),
            t(activity, PROV + "generated", q),
        ]

    # --- who may do what, beyond the table --------------------------------------------------

    def _reviewer_check(self, account: Account) -> Callable[[Application, Application], None]:
        def check(before: Application, after: Application) -> None:
            if account.role == REVIEWER and before.reviewer and before.reviewer != account.iri:
                raise Forbidden(
                    f"application « {before.id} » is assigned to {_name(before.reviewer)}; "
                    "only that reviewer (or an admin) may decide on it"
                )

        return check

    def _check_submitter(self, account: Account, app: Application) -> None:
        if account.role == ADMIN or self.policy.submitters == "any-operator":
            return
        facts = organisation_facts(self.store, str(account.organisation)) or {"roles": set(), "subsectors": set()}
        if "coordinating-body" not in facts["roles"]:
            raise Forbidden(
                "only the coordinating body of a sub-sector may submit cards (CNC_SUBMITTERS=coordinating-body); "
                f"{_key(account.organisation, self.base, 'organisation/')} is not a coordinating body: "
                "send the card to your sub-sector's coordinating body"
            )

    def _check_subsector(self, account: Account, app: Application) -> None:
        if account.role == ADMIN or not account.subsector:
            return
        cells = app.cells(self.base)
        key = card.subsector_key(cells.get("sous_secteur", ""))
        if key and key != account.subsector:
            raise Forbidden(
                f"this account submits for the {account.subsector} sub-sector; the card is for {key}: "
                "the card goes to that sub-sector's operators"
            )


# --- helpers ----------------------------------------------------------------------------------

# A shape on a nested node's property reports against the first card column that fills it.
_NESTED_COLUMNS = {f.node_property: f.column for f in reversed(card.NESTED_FIELDS) if f.node_property}


def _shape_columns(shapes: rdflib.Graph) -> dict[str, list[str]]:
    column = rdflib.URIRef(CNCSH + "column")
    found: dict[str, list[str]] = defaultdict(list)
    for shape, text in shapes.subject_objects(column):
        if str(text) in card.BY_COLUMN:
            found[str(shape)].append(str(text))
    order = [f.column for f in card.FIELDS]
    return {shape: sorted(columns, key=order.index) for shape, columns in found.items()}


def _field_comments(fields: Mapping[str, str]) -> dict[str, str]:
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


def _allocate(counters: list[ox.Triple], base_iri: str, year: int) -> tuple[str, list[ox.Triple]]:
    """Return the next registration number of ``year`` and the counter graph that records it."""
    subject = ox.NamedNode(f"{base_iri}registry/counter/{year}")
    last = 0
    kept = []
    for t in counters:
        if t.subject == subject and t.predicate.value == REG + "lastNumber":
            last = int(t.object.value)
        else:
            kept.append(t)
    number = last + 1
    integer = ox.NamedNode(XSD + "integer")
    if not any(t.subject == subject for t in kept):
        kept.append(ox.Triple(subject, ox.NamedNode(REG + "year"), ox.Literal(str(year), datatype=integer)))
    kept.append(ox.Triple(subject, ox.NamedNode(REG + "lastNumber"), ox.Literal(str(number), datatype=integer)))
    return f"CNC-{year}-{number:05d}", kept


def check_if_match(app: Application, if_match: str | None) -> None:
    """Raise PreconditionFailed unless ``if_match`` (when given) names the application's current version."""
    if if_match is None or not if_match.strip():
        return
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" in tags or app.etag in tags:
        return
    raise PreconditionFailed(
        f"application « {app.id} » has changed (now version {app.version}, ETag {app.etag}): "
        "read it again and re-apply your change"
    )


def _new_id() -> str:
    return "r" + secrets.token_hex(6)


def _valid_id(app_id: str) -> bool:
    return len(app_id) == 13 and app_id[0] == "r" and all(c in "0123456789abcdef" for c in app_id[1:])


def _version_number(iri: str | None) -> int | None:
    tail = (iri or "").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _last(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[-1] if iri else None


__all__ = [
    "ACTIONS",
    "STATES",
    "TRANSITIONS",
    "Application",
    "CardReport",
    "FieldProblem",
    "HistoryEntry",
    "PreconditionFailed",
    "Registry",
    "RegistryPolicy",
    "TransitionRefused",
    "account_iri",
    "allowed_transitions",
    "card_rdf",
    "check_if_match",
    "may_see",
    "next_state",
]

"""The registration workflow's operations: create, edit, submit, review, publish and withdraw applications.

The state machine is ``registry.workflow``, the stored records ``registry.records``, the checks on a
card ``registry.checks``. Each transition is ONE store transaction (state, card, audit activity, and on
publication the register and the counter), made under a lock so that the version check (If-Match) and
the write cannot interleave.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.card.json import card_json, normalised
from cnc_graph.card.rdf import qualification_iri
from cnc_graph.errors import Conflict, InputError, Location, NotFound, ValidationFailed
from cnc_graph.iris import CNC, graph_iri
from cnc_graph.rdf.query_files import select, value
from cnc_graph.registry.accounts import Account, find_account, organisation_facts, organisation_iri
from cnc_graph.registry.checks import (
    CardChecks,
    CardReport,
    RegistryPolicy,
    card_rdf,
    check_submitter,
    check_subsector,
    field_comments,
    over_limits,
    reviewer_check,
)
from cnc_graph.registry.life import Publication, publish_version, published
from cnc_graph.registry.records import (
    Application,
    HistoryEntry,
    RegistryRecords,
    allocate_number,
    check_if_match,
    name_of,
    new_id,
    now,
    rename_iris,
    status_iri,
    strip_base,
    timestamp,
)
from cnc_graph.registry.register_actions import RegisterActions
from cnc_graph.registry.workflow import (
    ADMIN,
    APPLICANT,
    CHANGES_REQUESTED,
    DRAFT,
    REVIEWER,
    STATES,
    allowed_transitions,
    may_see,
    next_state,
)
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore, StoreTransaction
from cnc_graph.validation.validator import Validator


class Registry:
    """The registration workflow over one store."""

    def __init__(self, store: GraphStore, settings: Settings, policy: RegistryPolicy | None = None) -> None:
        self.store = store
        self.settings = settings
        self.base = settings.base_iri
        self.policy = policy or RegistryPolicy(settings.submitters)
        self.records = RegistryRecords(store, self.base)
        self.checks = CardChecks(store, settings)
        self._lock = threading.RLock()
        self.life = RegisterActions(store, self.base, self._lock)

    # --- IRIs and stored forms ------------------------------------------------------------------

    def application_iri(self, app_id: str) -> str:
        """Return the IRI of an application."""
        return self.records.application_iri(app_id)

    @property
    def register_graph(self) -> str:
        """Return the public graph of the published qualifications."""
        return self.records.register_graph

    def application_triples(self, app: Application) -> list[ox.Triple]:
        """Return the stored description of an application: its node and its current card."""
        return self.records.application_triples(app)

    # --- reading -----------------------------------------------------------------------------

    def get(self, account: Account, app_id: str) -> Application:
        """Return an application the account may see; any other is « not found », whether it exists or not."""
        app = self.records.load(app_id)
        if app is None or not may_see(account, app.status, app.applicant):
            raise NotFound(f"no registration application « {app_id} »")
        return app

    def application_summaries(
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
            row_subsector = strip_base(value(row["subsector"]), self.base, "subsector/")
            if key and row_subsector != key:
                continue
            app_id = str(value(row["id"]))
            row_status = str(value(row["status"])).rsplit("/", 1)[-1]
            if app_id in items or not may_see(account, row_status, str(value(row["applicant"]))):
                continue
            items[app_id] = {
                "id": app_id,
                "status": row_status,
                "applicant": strip_base(value(row["applicant"]), self.base, "organisation/"),
                "code": value(row["code"]),
                "title": value(row["title"]),
                "subsector": row_subsector,
                "version": int(str(value(row["version"]))),
                "created": value(row["created"]),
                "modified": value(row["modified"]),
                "registration_number": value(row["number"]),
                "reviewer": name_of(value(row["reviewer"])),
            }
        return list(items.values())

    def history(self, account: Account, app_id: str) -> list[HistoryEntry]:
        """Return the audit trail of an application, oldest change first."""
        app = self.get(account, app_id)
        return self.records.history(app)

    def version(self, account: Account, app_id: str, number: int) -> dict[str, object]:
        """Return one recorded version of an application's card (as the audit trail kept it)."""
        app = self.get(account, app_id)
        snapshots = self.records.snapshots(self.records.graph(self.records.audit_graph(app.id)), app.iri)
        if number not in snapshots:
            raise NotFound(f"application « {app_id} » has no version {number}")
        status, cells = snapshots[number]
        return {"id": app.id, "version": number, "status": status, "card": card_json(cells)}

    def describe(self, app: Application, account: Account, history: bool = False) -> dict[str, object]:
        """Return an application as the API shows it: state, people, card, what the caller may do next."""
        entries = self.records.history(app) if history else None
        review = None
        if app.status == CHANGES_REQUESTED:
            for entry in reversed(entries if entries is not None else self.records.history(app)):
                if entry.action == "request-changes":
                    review = {"comment": entry.comment, "fields": entry.fields, "by": entry.agent, "time": entry.time}
                    break
        body: dict[str, object] = {
            "id": app.id,
            "iri": app.iri,
            "status": app.status,
            "version": app.version,
            "applicant": strip_base(app.applicant, self.base, "organisation/"),
            "created": app.created,
            "modified": app.modified,
            "created_by": name_of(app.created_by),
            "submitted_by": name_of(app.submitted_by),
            "reviewer": name_of(app.reviewer),
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
        return self.checks.validator

    def check_card(self, app: Application) -> CardReport:
        """Return what the shapes say about an application's card as it would be submitted."""
        return self.checks.check_card(app)

    def check_cells(self, cells: Mapping[str, str]) -> CardReport:
        """Return what the checks say of a card not saved yet (the form's live checks): malformed values, then the
        shapes as at submission. Nothing is written."""
        iri = self.application_iri("r000000000000")
        work = normalised(cells)
        limits = over_limits(work)
        flagged = {p.field for p in limits}
        try:  # the fields over their limits are left out: the others are checked as they are
            triples = card_rdf({k: v for k, v in work.items() if k not in flagged}, self.base, iri + "/card")
        except ValidationFailed as failed:
            return CardReport(limits + list(failed.report.problems))  # type: ignore[attr-defined]
        moment = timestamp(now())
        draft = Application("r000000000000", iri, DRAFT, "", 0, moment, moment, card_triples=triples)
        checked = self.check_card(draft).problems
        return CardReport(limits + [p for p in checked if p.field not in flagged])

    # --- writing -----------------------------------------------------------------------------

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
            moment = now()
            after = replace(before, status=to, version=before.version + 1, modified=timestamp(moment))
            extra = change(before, after) if change else None
            self.records.commit(before, after, action, account, timestamp(moment), comment, fields, extra)
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
            app_id = new_id()
            iri = self.application_iri(app_id)
            moment = timestamp(now())
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
            self.records.commit(None, app, "create", account, moment)
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
            check_submitter(self.policy, self.store, self.base, account)
            report = self.check_card(before)
            if report.violations:
                raise ValidationFailed(report, f"registration {app_id}")
            check_subsector(self.base, account, before)
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
        notes = field_comments(fields or {})
        if not (comment or notes):
            raise InputError(
                "say what to change: give a comment or comments per field",
                Location(field="comment"),
                "dites quoi modifier : donnez un commentaire ou des commentaires par champ",
            )
        return self._transition(
            account, app_id, "request-changes", if_match, comment, notes, change=reviewer_check(account)
        )

    def approve(self, account: Account, app_id: str, if_match: str | None, comment: str | None = None) -> Application:
        """Approve an application under review."""
        return self._transition(account, app_id, "approve", if_match, comment, change=reviewer_check(account))

    def reject(self, account: Account, app_id: str, if_match: str | None, reason: str | None) -> Application:
        """Reject an application under review; the reason is required."""
        if not (reason or "").strip():
            raise InputError(
                "a rejection needs its reason", Location(field="reason"), "un rejet doit être motivé (reason)"
            )
        return self._transition(account, app_id, "reject", if_match, reason, change=reviewer_check(account))

    def withdraw(self, account: Account, app_id: str, if_match: str | None, comment: str | None = None) -> Application:
        """Withdraw an application before its publication."""
        return self._transition(account, app_id, "withdraw", if_match, comment)

    def publish(self, account: Account, app_id: str, if_match: str | None) -> Application:
        """Publish an approved card: the qualification's record and a new version in the register graph.

        A first publication gives the registration number and date; a new application on a code already published
        through the workflow is an amendment: version n+1, the same number, the record's card replaced.
        """

        def change(before: Application, after: Application) -> Callable[[StoreTransaction], None]:
            cells = before.cells(self.base)
            code = cells.get("code", "")
            q_iri = qualification_iri(self.base, code)
            register_graph = self.records.register_graph
            elsewhere = [
                h for h in select(self.store, "code_holders", code=ox.Literal(code)) if value(h["g"]) != register_graph
            ]
            if elsewhere:
                where = str(value(elsewhere[0]["g"])).removeprefix(self.base + "graph/")
                raise Conflict(
                    f"code « {code} » is already in the register from an inventory file ({where}): "
                    "it cannot be published again; change it by importing that file"
                )
            register = self.records.graph(register_graph)
            state = published(register, q_iri)
            if state is not None:
                self.life.check_open(state, code)
            report = self.check_card(before)
            if report.violations:
                raise ValidationFailed(report, f"registration {app_id}")
            today = dt.datetime.fromisoformat(after.modified.replace("Z", "+00:00")).date()
            counters = None
            if state is not None and (kept := state.one(CNC + "registrationNumber")):
                number = kept
                registered = state.one(CNC + "registrationDate") or today.isoformat()
            else:
                number, counters = allocate_number(
                    self.records.graph(self.records.counter_graph), self.base, today.year
                )
                registered = today.isoformat()
            after.registration_number = number
            after.registration_date = today.isoformat()
            after.qualification = q_iri
            approvals = [e.time for e in self.records.history(before) if e.action == "approve" and e.time]
            publication = Publication(
                code=code,
                q=q_iri,
                number=number,
                registered=registered,
                reviewed=(approvals[-1] if approvals else after.modified)[:10],
                activity=f"{after.iri}/activity/{after.version}",
                time=after.modified,
            )
            moved = rename_iris(before.card_triples, before.card_iri, q_iri)
            new_register = publish_version(register, moved, publication, self.base)

            def write(tx: StoreTransaction) -> None:
                tx.replace_graph(register_graph, new_register)
                if counters is not None:
                    tx.replace_graph(self.records.counter_graph, counters)

            return write

        return self._transition(account, app_id, "publish", if_match, change=change)

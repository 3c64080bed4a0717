"""The registry's records: applications as stored, their audit trail (PROV-O) and the registration numbers.

Storage (all private graphs except the register):

- ``graph/private/registration/{id}``: the application node (status, applicant, version…) and its current
  card, a ``cnc:Qualification`` at ``registration/{id}/card``;
- ``graph/private/audit/{id}``: one PROV-O activity per change (agent, time, action, comment, the card
  version used and generated), and each version's card as a snapshot;
- ``graph/private/registry``: the registration-number counters, one per year;
- ``graph/register`` (public): the published qualifications, each ``prov:wasGeneratedBy`` its
  registration activity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.card.json import normalised
from cnc_graph.card.rdf import Cells, cells_from_triples
from cnc_graph.errors import CncError
from cnc_graph.iris import CNC, DCT, PROV, RDF, RDFS, XSD, graph_iri
from cnc_graph.rdf.query_files import load_query
from cnc_graph.registry.accounts import REG, Account, text_of
from cnc_graph.store.protocol import GraphStore, StoreTransaction

RDF_JSON = RDF + "JSON"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def timestamp(moment: dt.datetime) -> str:
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


def name_of(account: str | None) -> str | None:
    return account.rsplit("/", 1)[-1] if account else None


def strip_base(iri: str | None, base_iri: str, segment: str) -> str | None:
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


class RegistryRecords:
    """Reads and writes the registry's graphs: applications, their audit trail, the register and the counters."""

    def __init__(self, store: GraphStore, base: str) -> None:
        self.store = store
        self.base = base

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

    def graph(self, graph: str) -> list[ox.Triple]:
        result = self.store.query(
            load_query("private_graph_triples"), bindings={"g": ox.NamedNode(graph)}, public_only=False
        )
        return list(result)  # type: ignore[arg-type]

    def load(self, app_id: str) -> Application | None:
        if not _valid_id(app_id):
            return None
        iri = self.application_iri(app_id)
        triples = self.graph(self.application_graph(app_id))
        own: dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]] = defaultdict(list)
        for t in triples:
            if text_of(t.subject) == iri:
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
            card_triples=[t for t in triples if text_of(t.subject) != iri],
        )

    def snapshots(self, audit: list[ox.Triple], app_iri: str) -> dict[int, tuple[str, Cells]]:
        by_subject: dict[str, dict[str, str]] = defaultdict(dict)
        for t in audit:
            if text_of(t.subject).startswith(app_iri + "/version/"):
                by_subject[text_of(t.subject)][t.predicate.value] = text_of(t.object)
        found: dict[int, tuple[str, Cells]] = {}
        for subject, props in by_subject.items():
            tail = subject.rsplit("/", 1)[-1]
            if tail.isdigit() and REG + "cardSnapshot" in props:
                status = props.get(REG + "status", "").rsplit("/", 1)[-1]
                found[int(tail)] = (status, json.loads(props[REG + "cardSnapshot"]))
        return found

    def history(self, app: Application) -> list[HistoryEntry]:
        audit = self.graph(self.audit_graph(app.id))
        snapshots = self.snapshots(audit, app.iri)
        props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in audit:
            props[text_of(t.subject)][t.predicate.value].append(text_of(t.object))
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
                    agent=name_of(one(PROV + "wasAssociatedWith")),
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

    def activity(
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

    def commit(
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
        audit = [] if before is None else self.graph(self.audit_graph(after.id))
        audit += self.activity(before, after, action, account, moment, comment, fields)
        with self.store.transaction() as tx:
            tx.replace_graph(self.application_graph(after.id), self.application_triples(after))
            tx.replace_graph(self.audit_graph(after.id), audit)
            if extra is not None:
                extra(tx)


class PreconditionFailed(CncError):
    """The client's If-Match names a version that is no longer current (HTTP 412)."""

    http_status = 412


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


def allocate_number(counters: list[ox.Triple], base_iri: str, year: int) -> tuple[str, list[ox.Triple]]:
    """Return the next registration number of ``year`` and the counter graph that records it."""
    subject = ox.NamedNode(f"{base_iri}registry/counter/{year}")
    last = 0
    kept = []
    for t in counters:
        if t.subject == subject and t.predicate.value == REG + "lastNumber":
            last = int(text_of(t.object))
        else:
            kept.append(t)
    number = last + 1
    integer = ox.NamedNode(XSD + "integer")
    if not any(t.subject == subject for t in kept):
        kept.append(ox.Triple(subject, ox.NamedNode(REG + "year"), ox.Literal(str(year), datatype=integer)))
    kept.append(ox.Triple(subject, ox.NamedNode(REG + "lastNumber"), ox.Literal(str(number), datatype=integer)))
    return f"CNC-{year}-{number:05d}", kept


def new_id() -> str:
    return "r" + secrets.token_hex(6)


def _valid_id(app_id: str) -> bool:
    return len(app_id) == 13 and app_id[0] == "r" and all(c in "0123456789abcdef" for c in app_id[1:])


def _version_number(iri: str | None) -> int | None:
    tail = (iri or "").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _last(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[-1] if iri else None

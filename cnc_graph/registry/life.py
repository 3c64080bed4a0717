"""The life of a published qualification in the register graph: its versions, amendments, withdrawal, supersession.

As national registers of record keep it (training.gov.au, SAQA): the current record sits at the qualification's
plain IRI; every published version is kept whole at ``…/qualification/{code}/version/{n}`` (its card's
statements, with ``dct:isVersionOf``, ``cnc:versionNumber``, ``dct:issued`` and the activity that made it);
an amendment (a new application on the same code, reviewed like the first) publishes version n+1 under the
same registration number. A withdrawal (date, reason) and a supersession (``dct:isReplacedBy`` /
``dct:replaces``, equivalent or not) archive the record and keep it dereferenceable. Every change is a
``prov:Activity`` with its kind (``vocab/register-change/…``): the change feed reads them.

A version's nested nodes carry no ``rdf:type``: the register's class-based queries (search, facets, shapes) see
the current record only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cnc_graph.card.rdf import Cells, cells_from_triples
from cnc_graph.iris import CNC, DCT, PROV, RDF, RDFS, XSD
from cnc_graph.registry.accounts import text_of
from cnc_graph.registry.records import rename_iris

CHANGE_KINDS = ("published", "amended", "withdrawn", "superseded")
_CHANGE_LABELS = {
    "published": ("Enregistrement au CNC", "Registration in the CNC"),
    "amended": ("Modification au registre du CNC", "Amendment in the CNC register"),
    "withdrawn": ("Retrait du registre du CNC", "Withdrawal from the CNC register"),
    "superseded": ("Remplacement dans le registre du CNC", "Supersession in the CNC register"),
}
#: Statements the register adds to a record (never part of its card).
REGISTER_ONLY = frozenset(
    {
        CNC + "registrationNumber",
        CNC + "registrationDate",
        CNC + "lastReviewed",
        CNC + "withdrawalDate",
        CNC + "withdrawalReason",
        CNC + "replacementEquivalent",
        DCT + "hasVersion",
        DCT + "isReplacedBy",
        DCT + "replaces",
        PROV + "wasGeneratedBy",
        PROV + "wasInvalidatedBy",
    }
)
#: What stays on the record when an amendment replaces its card.
CARRIED = frozenset({CNC + "registrationNumber", CNC + "registrationDate", DCT + "replaces"})
_VERSION_META = frozenset(
    {RDF + "type", DCT + "isVersionOf", CNC + "versionNumber", DCT + "issued", PROV + "wasGeneratedBy"}
)
ARCHIVED = "vocab/qualification-status/archived"


def version_iri(q: str, n: int) -> str:
    """Return the IRI of version ``n`` of the qualification ``q``."""
    return f"{q}/version/{n}"


def change_kind_iri(base: str, kind: str) -> str:
    """Return the IRI of a kind of register change (``vocab/register-change/{kind}``)."""
    return f"{base}vocab/register-change/{kind}"


def _current_part(subject: str, q: str) -> bool:
    return subject == q or (subject.startswith(q + "/") and not subject.startswith(q + "/version/"))


def _version_of(subject: str, q: str) -> int | None:
    prefix = q + "/version/"
    if not subject.startswith(prefix):
        return None
    number = subject[len(prefix) :].split("/", 1)[0]
    return int(number) if number.isdigit() else None


def _t(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o)


def date_literal(text: str) -> ox.Literal:
    """Return an ``xsd:date`` literal."""
    return ox.Literal(text, datatype=ox.NamedNode(XSD + "date"))


@dataclass
class Published:
    """What the register graph holds of one qualification: its current record and its versions."""

    q: str
    current: list[ox.Triple]
    versions: dict[int, list[ox.Triple]] = field(default_factory=dict)

    def values(self, prop: str) -> list[str]:
        """Return the values of one property of the current record."""
        return [text_of(t.object) for t in self.current if text_of(t.subject) == self.q and t.predicate.value == prop]

    def one(self, prop: str) -> str | None:
        """Return the value of one property of the current record, or None."""
        found = self.values(prop)
        return found[0] if found else None

    @property
    def next_version(self) -> int:
        """Return the number the next version gets."""
        return max(self.versions, default=0) + 1


def published(register: Iterable[ox.Triple], q: str) -> Published | None:
    """Return what the register graph holds of ``q``, or None if it holds nothing of it."""
    current: list[ox.Triple] = []
    versions: dict[int, list[ox.Triple]] = {}
    for t in register:
        subject = text_of(t.subject)
        if _current_part(subject, q):
            current.append(t)
        elif (n := _version_of(subject, q)) is not None:
            versions.setdefault(n, []).append(t)
    if not current and not versions:
        return None
    return Published(q, current, versions)


def version_cells(triples: list[ox.Triple], q: str, n: int, base: str) -> Cells:
    """Return the card of version ``n`` as cells (the reverse of how it was published)."""
    v = version_iri(q, n)
    card = [t for t in triples if not (text_of(t.subject) == v and t.predicate.value in _VERSION_META)]
    return cells_from_triples(rename_iris(card, v, q), ox.NamedNode(q), base)


def card_of_record(current: list[ox.Triple], q: str) -> list[ox.Triple]:
    """Return the card statements of a current record (without what the register added)."""
    return [t for t in current if not (text_of(t.subject) == q and t.predicate.value in REGISTER_ONLY)]


def version_triples(card: list[ox.Triple], q: str, n: int, activity: str, issued: str) -> list[ox.Triple]:
    """Return version ``n`` of ``q`` from its card's statements (at ``q``): renamed, untyped, described."""
    v = version_iri(q, n)
    moved = [t for t in rename_iris(card_of_record(card, q), q, v) if t.predicate.value != RDF + "type"]
    return moved + [
        _t(v, RDF + "type", ox.NamedNode(CNC + "QualificationVersion")),
        _t(v, DCT + "isVersionOf", ox.NamedNode(q)),
        _t(v, CNC + "versionNumber", ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))),
        _t(v, DCT + "issued", date_literal(issued)),
        _t(v, PROV + "wasGeneratedBy", ox.NamedNode(activity)),
    ]


def activity_triples(
    base: str,
    activity: str,
    kind: str,
    code: str,
    time: str,
    generated: str | None = None,
    invalidated: str | None = None,
) -> list[ox.Triple]:
    """Return the description of one register change: its kind, labels, time and what it made or ended."""
    fr, en = _CHANGE_LABELS[kind]
    found = [
        _t(activity, RDF + "type", ox.NamedNode(PROV + "Activity")),
        _t(activity, CNC + "registerChange", ox.NamedNode(change_kind_iri(base, kind))),
        _t(activity, RDFS + "label", ox.Literal(f"{fr} : {code}", language="fr")),
        _t(activity, RDFS + "label", ox.Literal(f"{en}: {code}", language="en")),
        _t(activity, PROV + "endedAtTime", ox.Literal(time, datatype=ox.NamedNode(XSD + "dateTime"))),
    ]
    if generated:
        found.append(_t(activity, PROV + "generated", ox.NamedNode(generated)))
    if invalidated:
        found.append(_t(activity, PROV + "invalidated", ox.NamedNode(invalidated)))
    return found


@dataclass(frozen=True)
class Publication:
    """One publication (first or amendment) to write into the register graph."""

    code: str
    q: str
    number: str
    registered: str
    reviewed: str
    activity: str
    time: str


def publish_version(
    register: list[ox.Triple], card: list[ox.Triple], publication: Publication, base: str
) -> list[ox.Triple]:
    """Return the register graph with ``card`` (its statements at the qualification's IRI) as the new current record
    and a new version; the change is « published » for a first version, « amended » after."""
    q = publication.q
    before = published(register, q)
    kept = [t for t in register if not _current_part(text_of(t.subject), q)]
    versions: list[ox.Triple] = []
    if before is not None and not before.versions and before.current:
        # A record published before versions were kept: its card becomes version 1.
        first = before.one(CNC + "registrationDate") or publication.registered
        legacy_activity = before.one(PROV + "wasGeneratedBy") or f"{q}/activity/legacy"
        versions = version_triples(before.current, q, 1, legacy_activity, first)
        before.versions[1] = versions
    n = before.next_version if before is not None else 1
    kind = "amended" if before is not None else "published"
    day = publication.time[:10]
    current = list(card)
    if before is not None:
        current += [t for t in before.current if text_of(t.subject) == q and t.predicate.value in CARRIED]
    else:
        current += [
            _t(q, CNC + "registrationNumber", ox.Literal(publication.number)),
            _t(q, CNC + "registrationDate", date_literal(publication.registered)),
        ]
    current += [
        _t(q, CNC + "lastReviewed", date_literal(publication.reviewed)),
        _t(q, PROV + "wasGeneratedBy", ox.NamedNode(publication.activity)),
    ]
    current += [_t(q, DCT + "hasVersion", ox.NamedNode(version_iri(q, k))) for k in range(1, n + 1)]
    new_version = version_triples(card, q, n, publication.activity, day)
    change = activity_triples(base, publication.activity, kind, publication.code, publication.time, version_iri(q, n))
    return kept + versions + current + new_version + change


def ended_record(
    register: list[ox.Triple], q: str, base: str, statements: list[ox.Triple], activity: list[ox.Triple]
) -> list[ox.Triple]:
    """Return the register graph with ``q`` archived and ``statements`` (why, when, by what) added to it."""
    archived = ox.NamedNode(base + ARCHIVED)
    out = []
    for t in register:
        if text_of(t.subject) == q and t.predicate.value == CNC + "status":
            continue
        out.append(t)
    return out + [_t(q, CNC + "status", archived)] + statements + activity

"""What the register's admins do to a published qualification, and what anyone reads of its life.

Read: its versions, one version's card, the field-by-field differences between two versions. Change (an admin,
one store transaction each, under the registry's lock): withdraw it (date, reason), supersede it by another
qualification (equivalent or not). Only qualifications published through the workflow live in the register graph
and can be changed here; one from an inventory file is changed by importing that file again. Who made each change
is kept in the private audit graph ``graph/private/audit/register``, not in the public record.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.card.json import card_json
from cnc_graph.card.kinds import CODE_RE, parse_date
from cnc_graph.card.rdf import qualification_iri
from cnc_graph.errors import Conflict, Forbidden, InputError, Location, NotFound
from cnc_graph.iris import CNC, DCT, PROV, XSD, graph_iri
from cnc_graph.rdf.query_files import select, value
from cnc_graph.registry.accounts import Account, text_of
from cnc_graph.registry.life import (
    Published,
    activity_triples,
    date_literal,
    ended_record,
    published,
    version_cells,
    version_iri,
)
from cnc_graph.registry.records import RegistryRecords, now, timestamp
from cnc_graph.registry.workflow import ADMIN
from cnc_graph.store.protocol import GraphStore

MAX_REASON = 2_000


class RegisterActions:
    """The life of the register graph's qualifications: read their versions, withdraw, supersede."""

    def __init__(self, store: GraphStore, base: str, lock: threading.RLock | None = None) -> None:
        self.store = store
        self.base = base
        self.records = RegistryRecords(store, base)
        self._lock = lock or threading.RLock()

    @property
    def audit_graph(self) -> str:
        """Return the private graph recording who changed the register's records."""
        return graph_iri(self.base, "private/audit/register")

    def _check_code(self, code: str) -> str:
        if not CODE_RE.fullmatch(code):
            raise InputError(f"« {code} » is not a qualification code", Location(field="code"))
        return qualification_iri(self.base, code)

    def state(self, code: str) -> Published:
        """Return what the register graph holds of ``code``; NotFound, or Conflict for one from an inventory file."""
        q = self._check_code(code)
        found = published(self.records.graph(self.records.register_graph), q)
        if found is None:
            holders = select(self.store, "code_holders", code=ox.Literal(code))
            if holders:
                where = str(value(holders[0]["g"])).removeprefix(self.base + "graph/")
                raise Conflict(
                    f"« {code} » comes from an inventory file ({where}), not from a registration: "
                    "change it by importing that file again (cnc-graph import inventory)"
                )
            raise NotFound(f"no qualification « {code} » in the register")
        return found

    def versions(self, code: str) -> list[dict[str, object]]:
        """Return the published versions of ``code``, oldest first, each with the fields it changed."""
        state = self.state(code)
        listed = []
        previous: dict[str, object] = {}
        for n in sorted(state.versions):
            v = version_iri(state.q, n)
            issued = next(
                (
                    text_of(t.object)
                    for t in state.versions[n]
                    if text_of(t.subject) == v and t.predicate.value == DCT + "issued"
                ),
                None,
            )
            shown = self._card(state, code, n)
            changed = [f.column for f in card.FIELDS if shown.get(f.column) != previous.get(f.column)]
            listed.append({"version": n, "iri": v, "issued": issued, "changed": changed if n > 1 else []})
            previous = dict(shown)
        return listed

    def _card(self, state: Published, code: str, n: int) -> dict[str, str | list[str]]:
        if n not in state.versions:
            raise NotFound(f"« {code} » has no version {n} (it has {', '.join(map(str, sorted(state.versions)))})")
        return card_json(version_cells(state.versions[n], state.q, n, self.base))

    def version(self, code: str, n: int | None = None) -> dict[str, object]:
        """Return version ``n`` of ``code`` (by default the current one): its number, IRI and card."""
        state = self.state(code)
        n = n if n is not None else max(state.versions, default=1)
        return {"code": code, "version": n, "iri": version_iri(state.q, n), "card": self._card(state, code, n)}

    def diff(self, code: str, old: int, new: int) -> list[dict[str, object]]:
        """Return the fields whose values differ between two versions, in card order, with both values."""
        state = self.state(code)
        before, after = self._card(state, code, old), self._card(state, code, new)
        return [
            {"field": f.column, "from": before.get(f.column), "to": after.get(f.column)}
            for f in card.FIELDS
            if before.get(f.column) != after.get(f.column)
        ]

    # --- changes -------------------------------------------------------------------------

    def _admin(self, account: Account) -> None:
        if account.role != ADMIN:
            raise Forbidden(f"only an admin changes a published qualification; « {account.name} » is {account.role}")

    def check_open(self, state: Published, code: str) -> None:
        """Raise Conflict if the qualification was withdrawn or replaced (it can no longer change)."""
        if replaced := state.one(DCT + "isReplacedBy"):
            raise Conflict(f"« {code} » is already replaced by {replaced.rsplit('/', 1)[-1]}")
        if withdrawn := state.one(CNC + "withdrawalDate"):
            raise Conflict(f"« {code} » was withdrawn on {withdrawn}")

    def withdraw(self, account: Account, code: str, date: str | None, reason: str) -> dict[str, object]:
        """Withdraw a published qualification on ``date`` (default today) for ``reason``; it stays dereferenceable."""
        self._admin(account)
        reason = (reason or "").strip()
        if not reason or len(reason) > MAX_REASON:
            raise InputError(
                f"a withdrawal needs its reason (1 to {MAX_REASON} characters)",
                Location(field="reason"),
                f"un retrait doit être motivé (reason, 1 à {MAX_REASON} caractères)",
            )
        day = _day(date)

        def statements(q: ox.NamedNode, activity: ox.NamedNode) -> list[ox.Triple]:
            return [
                ox.Triple(q, ox.NamedNode(CNC + "withdrawalDate"), date_literal(day)),
                ox.Triple(q, ox.NamedNode(CNC + "withdrawalReason"), ox.Literal(reason)),
                ox.Triple(q, ox.NamedNode(PROV + "wasInvalidatedBy"), activity),
            ]

        activity = self._end(account, code, "withdrawn", statements)
        return {"code": code, "withdrawn": day, "reason": reason, "activity": activity}

    def supersede(
        self, account: Account, code: str, by_code: str, equivalent: bool, date: str | None = None
    ) -> dict[str, object]:
        """Record that ``by_code`` replaces ``code`` (equivalent or not); ``code`` is archived and stays readable."""
        self._admin(account)
        if by_code == code:
            raise InputError("a qualification cannot replace itself", Location(field="by"))
        new_q = self._check_code(by_code)
        if not select(self.store, "code_holders", code=ox.Literal(by_code)):
            raise NotFound(f"no qualification « {by_code} » in the register to replace « {code} »")
        day = _day(date)
        new = ox.NamedNode(new_q)

        def statements(old: ox.NamedNode, activity: ox.NamedNode) -> list[ox.Triple]:
            same = ox.Literal("true" if equivalent else "false", datatype=ox.NamedNode(XSD + "boolean"))
            return [
                ox.Triple(old, ox.NamedNode(DCT + "isReplacedBy"), new),
                ox.Triple(new, ox.NamedNode(DCT + "replaces"), old),
                ox.Triple(old, ox.NamedNode(CNC + "replacementEquivalent"), same),
                ox.Triple(old, ox.NamedNode(CNC + "withdrawalDate"), date_literal(day)),
                ox.Triple(old, ox.NamedNode(PROV + "wasInvalidatedBy"), activity),
            ]

        activity = self._end(account, code, "superseded", statements)
        return {"code": code, "replaced_by": by_code, "equivalent": equivalent, "date": day, "activity": activity}

    def _end(
        self,
        account: Account,
        code: str,
        kind: str,
        statements: Callable[[ox.NamedNode, ox.NamedNode], list[ox.Triple]],
    ) -> str:
        """Archive ``code`` with ``statements`` (about it and the ending activity) in one transaction; return the
        activity's IRI. Who did it goes to the private audit graph."""
        with self._lock:
            state = self.state(code)
            self.check_open(state, code)
            activity = f"{state.q}/activity/{kind}-{uuid.uuid4().hex[:8]}"
            change = activity_triples(self.base, activity, kind, code, timestamp(now()), invalidated=state.q)
            added = statements(ox.NamedNode(state.q), ox.NamedNode(activity))
            register = ended_record(self.records.graph(self.records.register_graph), state.q, self.base, added, change)
            audit = [
                ox.Triple(ox.NamedNode(activity), ox.NamedNode(PROV + "wasAssociatedWith"), ox.NamedNode(account.iri))
            ]
            with self.store.transaction() as tx:
                tx.replace_graph(self.records.register_graph, register)
                tx.add(self.audit_graph, audit)
        return activity


def _day(text: str | None) -> str:
    if not text:
        return dt.datetime.now(dt.UTC).date().isoformat()
    day = parse_date(text)
    if day is None:
        raise InputError(f"« {text} » is not a date (YYYY-MM-DD)", Location(field="date"))
    return day

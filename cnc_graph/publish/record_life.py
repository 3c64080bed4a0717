"""The life of one qualification as its page shows it: registration, last review, versions, withdrawal, replacement.

Read from the public graphs (``registry.life`` writes them). A qualification from an inventory file has no
registration, review or versions: its page says so rather than showing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from cnc_graph.card.rdf import qualification_iri
from cnc_graph.iris import CNC, DCT
from cnc_graph.rdf.query_files import select, value
from cnc_graph.store.protocol import GraphStore


@dataclass
class RecordLife:
    """What the register says of a qualification's life."""

    registration_number: str | None = None
    registration_date: str | None = None
    last_reviewed: str | None = None
    withdrawn: str | None = None
    withdrawal_reason: str | None = None
    replaced_by: str | None = None
    equivalent: bool | None = None
    replaces: list[str] = field(default_factory=list)
    versions: list[tuple[int, str, str | None]] = field(default_factory=list)  # number, IRI, issued

    @property
    def ended(self) -> bool:
        """Return whether the qualification was withdrawn or replaced."""
        return self.withdrawn is not None or self.replaced_by is not None


def _code(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def record_life(store: GraphStore, base: str, code: str) -> RecordLife:
    """Return the life of the qualification ``code`` as the public graphs record it."""
    life = RecordLife()
    simple = {
        CNC + "registrationNumber": "registration_number",
        CNC + "registrationDate": "registration_date",
        CNC + "lastReviewed": "last_reviewed",
        CNC + "withdrawalDate": "withdrawn",
        CNC + "withdrawalReason": "withdrawal_reason",
    }
    for row in select(store, "qualification_life", q=ox.NamedNode(qualification_iri(base, code))):
        if row["version"] is not None:
            number = int(str(value(row["number"])))
            life.versions.append((number, str(value(row["version"])), value(row["issued"])))
            continue
        prop, found = str(value(row["p"])), str(value(row["o"]))
        if prop in simple:
            setattr(life, simple[prop], found)
        elif prop == DCT + "isReplacedBy":
            life.replaced_by = _code(found)
        elif prop == DCT + "replaces":
            life.replaces.append(_code(found))
        elif prop == CNC + "replacementEquivalent":
            life.equivalent = found == "true"
    life.versions.sort()
    life.replaces.sort()
    return life

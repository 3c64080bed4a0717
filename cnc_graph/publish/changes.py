"""The register's changes as a feed a partner can poll: each publication, amendment, withdrawal and supersession,
with the qualification it concerns, when, its registration number and the version it made.

Read from the register graph's PROV-O trail (the activities of ``registry.life``), newest first; ``since``
keeps the changes after a time, so that a poller asks only for what is new.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field

import pyoxigraph as ox

from cnc_graph.errors import InputError, Location
from cnc_graph.iris import graph_iri
from cnc_graph.rdf.query_files import solutions
from cnc_graph.store.protocol import GraphStore

PUBLISHED = "published"
MOST = 500


@dataclass
class Change:
    """One change to the register."""

    kind: str
    code: str
    qualification: str
    activity: str
    time: str
    registration_number: str | None = None
    titles: dict[str, str] = field(default_factory=dict)  # by language
    version: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the change as JSON-ready data."""
        return {
            "kind": self.kind,
            "code": self.code,
            "qualification": self.qualification,
            "activity": self.activity,
            "time": self.time,
            "registration_number": self.registration_number,
            "titles": self.titles,
            "version": self.version,
        }


def parse_since(text: str | None) -> dt.datetime | None:
    """Return an ISO 8601 time as an aware datetime (UTC if it names no zone), or raise InputError naming ``since``."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(
            f"« {text} » is not an ISO 8601 date and time, e.g. 2026-12-01T00:00:00Z", Location(field="since")
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def register_changes(store: GraphStore, base_iri: str, since: str | None = None, limit: int = 100) -> list[Change]:
    """Return the register's changes after ``since`` (ISO 8601), newest first, at most ``limit`` (1 to 500)."""
    if not 1 <= limit <= MOST:
        raise InputError(f"limit must be between 1 and {MOST}", Location(field="limit"))
    after = parse_since(since)
    found: OrderedDict[str, Change] = OrderedDict()
    for row in solutions(store, "register_changes", g=ox.NamedNode(graph_iri(base_iri, "register"))):
        activity, q, code, time, number, title, kind, version = (row[i] for i in range(8))
        key = str(activity.value)
        change = found.get(key)
        if change is None:
            moment = parse_since(str(time.value))
            if after is not None and moment is not None and moment <= after:
                continue
            change = found[key] = Change(
                str(kind.value).rsplit("/", 1)[-1] if kind is not None else PUBLISHED,
                str(code.value),
                str(q.value),
                key,
                str(time.value),
                str(number.value) if number is not None else None,
                version=str(version.value) if isinstance(version, ox.NamedNode) else None,
            )
        if isinstance(title, ox.Literal):
            change.titles.setdefault(title.language or "und", title.value)
    return list(found.values())[:limit]

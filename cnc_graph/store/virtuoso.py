"""Virtuoso's quirks, put right: its cap on result rows (CONSTRUCT read in pages), its odd JSON values."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from contextlib import suppress
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from cnc_graph.iris import XSD
from cnc_graph.sparql.text import (
    form_at,
    mask,
)

# Finding Virtuoso's result limit: a SELECT of 47³ rows made by VALUES alone, at most CAP_PROBE_ROWS of them. A server
# that answers them all has a higher limit, or none: CAP_PROBE_ROWS is then used as the limit (pages of that size).
CAP_PROBE_ROWS = 100_000

CAP_PROBE = (
    "SELECT ?a WHERE { "
    + " ".join(f"VALUES ?{v} {{ {' '.join(map(str, range(47)))} }}" for v in "abc")
    + f" }} LIMIT {CAP_PROBE_ROWS}"
)

_SOLUTION_MODIFIER = re.compile(r"(?<![\w?$:])(?:GROUP|HAVING|ORDER|LIMIT|OFFSET)(?![\w:-])", re.IGNORECASE)

_BNODE_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")

_DURATIONS = {XSD + "duration", XSD + "yearMonthDuration", XSD + "dayTimeDuration"}

_BOOLEAN = XSD + "boolean"


def construct_pages(sparql: str) -> tuple[str, Callable[[int, int], str]] | None:
    """Return a COUNT of a CONSTRUCT's solutions and a maker of its pages, or None if it sets its own modifiers.

    The page maker returns the query with ``LIMIT size OFFSET offset`` right after its WHERE block (before a
    trailing VALUES clause, as the grammar wants); the count is ``SELECT (COUNT(*) AS ?n)`` over the same
    dataset clauses, WHERE block and VALUES. None when the query already has GROUP BY, HAVING, ORDER BY, LIMIT
    or OFFSET after its WHERE block, or when its blocks are not understood.
    """
    masked = mask(sparql)
    word, keyword_end = form_at(masked)
    if word != "CONSTRUCT":
        return None
    keyword_start = keyword_end - len(word)
    groups: list[tuple[int, int]] = []
    depth = 0
    for index in range(keyword_end, len(masked)):
        char = masked[index]
        if char == "{":
            if depth == 0:
                opened = index
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                groups.append((opened, index + 1))
    template_first = masked[keyword_end:].lstrip().startswith("{")
    where = 1 if template_first else 0
    if depth != 0 or len(groups) <= where:
        return None
    head = groups[0][1] if template_first else keyword_end
    end = groups[where][1]
    if _SOLUTION_MODIFIER.search(masked, end):
        return None
    count = sparql[:keyword_start] + "SELECT (COUNT(*) AS ?n) " + sparql[head:]

    def page(size: int, offset: int) -> str:
        return f"{sparql[:end]} LIMIT {size} OFFSET {offset} {sparql[end:]}"

    return count, page


def repair_json(body: bytes, virtuoso: bool, ask: bool = False) -> bytes:
    """Return SPARQL JSON results that pyoxigraph reads, with Virtuoso's odd values put right."""
    if ask and b"__ASK_RETVAL" in body:  # Virtuoso answers ASK as a SELECT of one row (true) or none (false)
        rows = json.loads(body).get("results", {}).get("bindings", [])
        answer = any(row.get("__ASK_RETVAL", {}).get("value") not in (None, "0") for row in rows)
        return json.dumps({"head": {}, "boolean": answer}).encode()
    bnodes = b'"bnode"' in body
    values = virtuoso and (b"uration" in body or b"#boolean" in body)
    if not (bnodes or values):
        return body
    document = json.loads(body)
    for row in document.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode":
                term["value"] = _bnode_label(term["value"])
            elif virtuoso and "datatype" in term:
                term["value"] = virtuoso_lexical(term["value"], term["datatype"])
    return json.dumps(document).encode()


def repair_triple(triple: ox.Triple) -> ox.Triple:
    term = triple.object
    if isinstance(term, ox.Literal) and (term.datatype.value in _DURATIONS or term.datatype.value == _BOOLEAN):
        lexical = virtuoso_lexical(term.value, term.datatype.value)
        if lexical != term.value:
            return ox.Triple(triple.subject, triple.predicate, ox.Literal(lexical, datatype=term.datatype))
    return triple


def _bnode_label(label: str) -> str:
    if _BNODE_LABEL.fullmatch(label):
        return label
    tail = label.removeprefix("nodeID://")
    if _BNODE_LABEL.fullmatch(tail):
        return tail
    return "h" + hashlib.sha256(label.encode()).hexdigest()[:24]


def virtuoso_lexical(value: str, datatype: str) -> str:
    """Return the lexical form Virtuoso lost: months and seconds back to durations, 1/0 back to true/false."""
    if datatype == _BOOLEAN:
        return {"1": "true", "0": "false"}.get(value, value)
    if datatype not in _DURATIONS:
        return value
    if re.fullmatch(r"-?\d+", value):
        return _months(int(value))
    if re.fullmatch(r"-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?", value):
        with suppress(InvalidOperation):
            return _seconds(Decimal(value))
    return value


def _months(months: int) -> str:
    years, rest = divmod(abs(months), 12)
    text = (f"{years}Y" if years else "") + (f"{rest}M" if rest or not years else "")
    return ("-" if months < 0 else "") + "P" + text


def _seconds(total: Decimal) -> str:
    days, rest = divmod(abs(total), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time_part = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
    if seconds:
        time_part += format(seconds.normalize(), "f") + "S"
    text = (f"{int(days)}D" if days else "") + (f"T{time_part}" if time_part else "")
    return ("-" if total < 0 else "") + "P" + (text or "T0S")

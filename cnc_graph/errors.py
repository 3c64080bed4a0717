"""Errors users can act on: each names what is wrong, where, and (when known) how to fix it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class CncError(Exception):
    """Base of every error CNC Graph reports to a user: each class carries its CLI exit code and HTTP answer."""

    exit_code = 2
    http_status = 400
    http_title = "Bad request"

    def user_message(self) -> str:
        """Return the one-line message shown to a user."""
        return str(self)

    def problem_extra(self) -> dict[str, object]:
        """Return the structured members the HTTP problem+json body carries beside the detail."""
        return {}

    def http_headers(self) -> dict[str, str]:
        """Return the headers the HTTP answer carries (such as ``Retry-After``)."""
        return {}


@dataclass
class Location:
    """Where an input problem is: a file, and optionally a line/row, column and field."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        return self.localised("en")

    def localised(self, lang: str) -> str:
        """Return the location as text in ``lang`` (fr or en)."""
        words = {"line": "ligne", "column": "colonne", "field": "colonne"} if lang == "fr" else {}
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"{words.get('line', 'line')} {self.line}")
        if self.column is not None:
            parts.append(f"{words.get('column', 'column')} {self.column}")
        if self.field:
            # In a file the field is a spreadsheet column; elsewhere (API, CLI option) it is a parameter.
            if self.file:
                parts.append(f"{words.get('field', 'column')} {self.field}")
            else:
                parts.append(f"{'paramètre' if lang == 'fr' else 'parameter'} {self.field}")
        return ", ".join(parts)


class InputError(CncError):
    """Bad user input: a file, row or field that cannot be accepted as it is."""

    def __init__(self, message: str, location: Location | None = None, message_fr: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_fr = message_fr
        self.location = location or Location()

    def __str__(self) -> str:
        return self.localised("en")

    def localised(self, lang: str) -> str:
        """Return the message in ``lang`` (fr or en) prefixed by where the problem is."""
        text = self.message_fr if lang == "fr" and self.message_fr else self.message
        where = self.location.localised(lang)
        return f"{where}: {text}" if where else text


class InputErrors(CncError):
    """Several input errors found in one pass (a file is checked whole before anything is written)."""

    def __init__(self, errors: list[InputError]) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors

    def __str__(self) -> str:
        return self.localised("en")

    def localised(self, lang: str) -> str:
        """Return every error, one per line, in ``lang``."""
        return "\n".join(e.localised(lang) for e in self.errors)

    def problem_extra(self) -> dict[str, object]:
        """Return each error in English and French."""
        return {"errors": [{"detail": e.localised("en"), "detail_fr": e.localised("fr")} for e in self.errors]}


class NotFound(CncError):
    """A resource (level, framework, qualification, file) that does not exist."""

    http_status = 404
    http_title = "Not found"


class Conflict(CncError):
    """A change that conflicts with the current state (duplicate, stale version, bad transition)."""

    http_status = 409
    http_title = "Conflict"


class Forbidden(CncError):
    """An action the caller's role does not allow."""

    http_status = 403
    http_title = "Forbidden"


class StoreError(CncError):
    """The store cannot be opened or written (missing, locked, unreadable, unreachable)."""

    http_status = 503
    http_title = "Store unavailable"


class NotAcceptable(CncError):
    """No representation the client accepts can be produced (HTTP 406).

    For a query result, ``kind`` is the query's kind (select, ask, graph), ``accepted`` what the client accepts
    and ``offered`` the media types that kind can be given as.
    """

    http_status = 406
    http_title = "Not acceptable"

    def __init__(
        self, detail: str, kind: str | None = None, accepted: Sequence[str] = (), offered: Sequence[str] = ()
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.accepted = list(accepted)
        self.offered = list(offered)


class ContentTooLarge(CncError):
    """A request body over the size limit."""

    http_status = 413
    http_title = "Content too large"


class UnsupportedMediaType(CncError):
    """A request body in a media type the operation does not take."""

    http_status = 415
    http_title = "Unsupported media type"


class QueryTimeout(CncError):
    """The query ran longer than the limit and was stopped (or no worker became free in that time)."""

    http_status = 503
    http_title = "Query timeout"

    def __init__(self, limit_s: float, busy: bool = False) -> None:
        self.limit_s = limit_s
        self.busy = busy
        if busy:
            self.http_title = "Server busy"
            message = (
                f"no query worker became free within {limit_s:g} s (other long queries are running); "
                "try again in a moment"
            )
        else:
            message = f"the query ran longer than {limit_s:g} s and was stopped; add LIMIT or narrow the pattern"
        super().__init__(message)

    def problem_extra(self) -> dict[str, object]:
        """Return the time limit the query ran into."""
        return {"timeout_s": self.limit_s}

    def http_headers(self) -> dict[str, str]:
        """Return ``Retry-After`` when every worker was busy: a retry may find one free."""
        return {"Retry-After": "1"} if self.busy else {}


class _Result(Protocol):
    def to_dict(self) -> dict[str, object]: ...


class Report(Protocol):
    """What an error needs of a validation report (``cnc_graph.validation.validator.ValidationReport``)."""

    @property
    def violations(self) -> Sequence[_Result]: ...


class ValidationFailed(CncError):
    """The shapes found violations: nothing was written. ``report`` holds every result."""

    exit_code = 1
    http_status = 422
    http_title = "Validation failed"

    def __init__(self, report: Report, where: str = "", lines: dict[str, int] | None = None) -> None:
        self.lines = lines or {}
        super().__init__(f"{where + ': ' if where else ''}{len(report.violations)} violation(s); nothing was written")
        self.report = report

    def problem_extra(self) -> dict[str, object]:
        """Return every violation of the report."""
        return {"errors": [r.to_dict() for r in self.report.violations]}

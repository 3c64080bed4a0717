"""Errors users can act on: each names what is wrong, where, and (when known) how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


class CncError(Exception):
    """Base of every error CNC Graph reports to a user (CLI exit code 2, HTTP 4xx)."""

    exit_code = 2

    def user_message(self) -> str:
        """Return the one-line message shown to a user."""
        return str(self)


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


class NotFound(CncError):
    """A resource (level, framework, qualification, file) that does not exist."""


class Conflict(CncError):
    """A change that conflicts with the current state (duplicate, stale version, bad transition)."""


class Forbidden(CncError):
    """An action the caller's role does not allow."""


class StoreError(CncError):
    """The store cannot be opened or written (missing, locked, unreadable, unreachable)."""


class ValidationFailed(CncError):
    """The shapes found violations: nothing was written. ``report`` holds every result."""

    exit_code = 1

    def __init__(self, report: object, where: str = "", lines: dict[str, int] | None = None) -> None:
        self.lines = lines or {}
        violations = getattr(report, "violations", [])
        super().__init__(f"{where + ': ' if where else ''}{len(violations)} violation(s); nothing was written")
        self.report = report

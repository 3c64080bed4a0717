"""HTTP to a SPARQL server: which failures are worth another try, and errors that name the server and what it said."""

from __future__ import annotations

import ast
import http
import http.client
import re
import urllib.error
from contextlib import suppress

import requests
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)
from urllib3.exceptions import NewConnectionError


class HttpFailure(Exception):
    """An HTTP error status, raised inside a request attempt and turned into a StoreError outside it."""

    def __init__(self, status: int, reason: str, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.reason = reason or _reason(status)
        self.body = body


HTTP_STATUS_OF: dict[type, int] = {
    QueryBadFormed: 400,
    Unauthorized: 401,
    EndPointNotFound: 404,
    URITooLong: 414,
    EndPointInternalError: 500,
}


def retry_decision(exc: Exception, idempotent: bool, timeout_s: float) -> tuple[bool, str | None]:
    """Return (whether to retry, what happened) for a transport exception; (False, None) if it is not one."""
    if isinstance(exc, HttpFailure):
        return False, f"HTTP {exc.status} {exc.reason}: {_first_line(exc.body)}"
    if isinstance(exc, SPARQLWrapperException):
        status = HTTP_STATUS_OF.get(type(exc), 0)
        return False, f"HTTP {status} {_reason(status)}: {_first_line(_wrapper_body(exc))}"
    if isinstance(exc, urllib.error.HTTPError):
        try:
            body = exc.read()
        except OSError:
            body = b""
        return False, f"HTTP {exc.code} {exc.reason}: {_first_line(body)}"
    if isinstance(exc, urllib.error.URLError):  # urllib raises it before anything was sent
        if isinstance(exc.reason, TimeoutError):
            return True, f"cannot connect within {timeout_s:g} s"
        return True, f"cannot connect ({exc.reason}); is the server running?"
    if isinstance(exc, requests.ConnectTimeout):
        return True, f"cannot connect within {timeout_s:g} s"
    if isinstance(exc, requests.Timeout | TimeoutError):
        return False, f"no answer within {timeout_s:g} s"
    if isinstance(exc, requests.ConnectionError):
        refused = _refusal(exc)
        if refused:
            return True, f"cannot connect ({refused}); is the server running?"
        return idempotent, f"connection dropped ({_short(exc)})"
    if isinstance(exc, http.client.HTTPException | ConnectionError):
        note = "" if idempotent else "; the update may or may not have been applied"
        return idempotent, f"connection dropped ({_short(exc)}){note}"
    return False, None


def _wrapper_body(exc: SPARQLWrapperException) -> bytes:
    """Return the server's message that SPARQLWrapper keeps only as a repr inside its exception's text."""
    _, found, tail = str(exc).partition("Response:\n")
    if found:
        with suppress(ValueError, SyntaxError):
            body = ast.literal_eval(tail)
            if isinstance(body, bytes):
                return body
    return b""


def _refusal(exc: requests.ConnectionError) -> str | None:
    """Return why a connection could not be opened (nothing was sent), or None if it broke later."""
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    if isinstance(reason, NewConnectionError):
        return str(reason).rsplit("new connection: ", 1)[-1]
    return None


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _first_line(body: bytes) -> str:
    """Return the first non-empty line of a server's message, shortened."""
    for line in body.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line and not line.startswith("<"):
            return line if len(line) <= 300 else line[:300] + "…"
    text = re.sub(r"<[^>]+>", " ", body.decode("utf-8", "replace"))
    text = " ".join(text.split())
    return (text[:300] + "…" if len(text) > 300 else text) or "(no message)"

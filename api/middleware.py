"""ASGI middleware of the application: the request-body size limit, the kept language, HEAD as GET, the security
headers of every answer."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.i18n import LANGUAGE_COOKIE
from api.problems import problem
from cnc_graph.labels import LANGUAGES

LANGUAGE_KEPT_S = 365 * 24 * 3600


class BodyTooLarge(Exception):
    """Raised inside the body-size middleware when a streamed body passes the limit."""


class BodySizeLimit:
    """Refuse request bodies larger than the configured limit with 413, before reading them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, answering 413 once its body (declared or streamed) passes the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "Content Too Large", f"the request body is larger than {self.max_bytes} bytes")
        await response(scope, receive, send)


class HeaderEditor:
    """Base of the middleware that change the headers of an answer: ``editor(scope)`` says how, or None."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def editor(self, scope: Scope) -> Callable[[MutableHeaders], None] | None:
        """Return what to do to the answer's headers for this request, or None to leave them."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, editing the headers at the start of its answer."""
        edit = self.editor(scope) if scope["type"] == "http" else None
        if edit is None:
            await self.app(scope, receive, send)
            return

        async def send_edited(message: Message) -> None:
            if message["type"] == "http.response.start":
                edit(MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_edited)


class KeepLanguage(HeaderEditor):
    """Keep the language asked for by ``lang=`` on an HTML page in a cookie, for the pages that follow.

    Only HTML answers set it: an API client asking for ``lang=ar`` once is not answered in Arabic afterwards.
    """

    def editor(self, scope: Scope) -> Callable[[MutableHeaders], None] | None:
        """Add ``Set-Cookie`` to an HTML answer of a request with a valid ``lang=``."""
        asked = [v for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1")) if k == "lang"]
        chosen = asked[-1].strip().lower() if asked else None
        if chosen not in LANGUAGES:
            return None

        def add_cookie(headers: MutableHeaders) -> None:
            if headers.get("content-type", "").startswith("text/html"):
                cookie = f"{LANGUAGE_COOKIE}={chosen}; Path=/; Max-Age={LANGUAGE_KEPT_S}; SameSite=Lax"
                headers.append("set-cookie", cookie)

        return add_cookie


class HeadAsGet:
    """Answer ``HEAD`` wherever ``GET`` answers: run the request as GET and send the headers without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; a HEAD request is run as GET and its body dropped."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app(dict(scope, method="GET"), receive, headers_only)


#: What a page may load: only this server's own files. Inline styles are allowed (the vendored viewers set
#: them from script); inline scripts, plugins, framing by other sites and posting forms elsewhere are not.
#: ``blob:`` workers are ReDoc's search index; ``data:`` images are the viewers' icons.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self' 'unsafe-inline'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
    ]
)


class SecurityHeaders(HeaderEditor):
    """Add ``X-Content-Type-Options: nosniff`` to every answer and the content security policy to HTML pages.

    The policy is what makes "no page loads anything from outside the server" hold in the browser, not only in
    the templates: a request elsewhere (e.g. a vendored bundle's own logo) is blocked before it leaves.
    """

    def editor(self, scope: Scope) -> Callable[[MutableHeaders], None] | None:
        """Add the headers to every answer."""
        return _secure


def _secure(headers: MutableHeaders) -> None:
    headers.setdefault("x-content-type-options", "nosniff")
    if headers.get("content-type", "").startswith("text/html"):
        headers.setdefault("content-security-policy", CONTENT_SECURITY_POLICY)

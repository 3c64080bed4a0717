"""ASGI middleware of the application: the request-body size limit, the kept language, HEAD as GET, the security
headers of every answer."""

from __future__ import annotations

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


class KeepLanguage:
    """Keep the language asked for by ``lang=`` on an HTML page in a cookie, for the pages that follow.

    Only HTML answers set it: an API client asking for ``lang=ar`` once is not answered in Arabic afterwards.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add ``Set-Cookie`` to an HTML answer of a request with a valid ``lang=``."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = [v for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1")) if k == "lang"]
        chosen = asked[-1].strip().lower() if asked else None
        if chosen not in LANGUAGES:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    cookie = f"{LANGUAGE_COOKIE}={chosen}; Path=/; Max-Age={LANGUAGE_KEPT_S}; SameSite=Lax"
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


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


class SecurityHeaders:
    """Add ``X-Content-Type-Options: nosniff`` to every answer and the content security policy to HTML pages.

    The policy is what makes "no page loads anything from outside the server" hold in the browser, not only in
    the templates: a request elsewhere (e.g. a vendored bundle's own logo) is blocked before it leaves.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and add the headers to the start of its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("x-content-type-options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("content-security-policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)

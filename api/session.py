"""Web sessions of the registration workflow: a signed cookie, its timeouts and the forms' CSRF tokens.

Signing in exchanges an account's token for a session cookie (``HttpOnly``, ``SameSite=Strict``, ``Secure``
over HTTPS): the page's scripts can never read it and other sites' pages never send it. The cookie holds the
account's name, a fingerprint of its token's hash, when it was issued and last used, and a random nonce, all
signed with HMAC-SHA256 under the server's key; nothing of it is kept on the server but the nonces of sessions
signed out before their time. Each request checks the signature, the idle and absolute timeouts, that the
account is still live and that its token is the one the session was opened with (a revoked account or a reset
token ends its sessions at once). Every form carries the session's CSRF token, an HMAC of its nonce.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

SESSION_COOKIE = "cnc_session"
#: However active, a session ends this long after sign-in.
MAX_AGE_S = 10 * 3600
_ENDED_KEPT = 10_000


@dataclass(frozen=True)
class Session:
    """What a session cookie says: who, since when, last used when, and its nonce."""

    name: str
    fingerprint: str
    issued: int
    active: int
    nonce: str


class SessionKeeper:
    """Issues, reads and ends signed session cookies with one key."""

    def __init__(self, secret: str = "", idle_s: float = 1800.0, clock: Callable[[], float] = time.time) -> None:
        self._key = hashlib.sha256(secret.encode()).digest() if secret else secrets.token_bytes(32)
        self.idle_s = idle_s
        self._clock = clock
        self._ended: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def _mac(self, purpose: str, data: bytes) -> str:
        return hmac.new(self._key, purpose.encode() + b"\0" + data, hashlib.sha256).hexdigest()

    def fingerprint(self, token_hash: str) -> str:
        """Return the fingerprint of an account's token hash a session carries (not the hash itself)."""
        return self._mac("token", token_hash.encode())[:32]

    def issue(self, name: str, token_hash: str) -> str:
        """Return the cookie value of a new session for the account ``name``."""
        moment = int(self._clock())
        session = Session(name, self.fingerprint(token_hash), moment, moment, secrets.token_urlsafe(16))
        return self._encode(session)

    def renewed(self, session: Session) -> str:
        """Return the cookie value of ``session`` used now (its idle timeout starts again)."""
        return self._encode(
            Session(session.name, session.fingerprint, session.issued, int(self._clock()), session.nonce)
        )

    def _encode(self, session: Session) -> str:
        body = json.dumps([session.name, session.fingerprint, session.issued, session.active, session.nonce])
        data = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
        return f"{data}.{self._mac('session', data.encode())}"

    def read(self, cookie: str | None) -> Session | None:
        """Return the session of a cookie value, or None: forged, malformed, timed out or signed out."""
        if not cookie or len(cookie) > 1000 or "." not in cookie:
            return None
        data, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac("session", data.encode())):
            return None
        try:
            name, fingerprint, issued, active, nonce = json.loads(
                base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
            )
        except (ValueError, TypeError):
            return None
        session = Session(str(name), str(fingerprint), int(issued), int(active), str(nonce))
        moment = self._clock()
        if moment - session.active > self.idle_s or moment - session.issued > MAX_AGE_S:
            return None
        with self._lock:
            if session.nonce in self._ended:
                return None
        return session

    def end(self, session: Session) -> None:
        """End a session before its time (sign-out): its cookie is refused from now on, even if kept."""
        with self._lock:
            self._ended[session.nonce] = session.issued
            while len(self._ended) > _ENDED_KEPT:
                self._ended.popitem(last=False)

    def csrf_token(self, session: Session) -> str:
        """Return the token every form of this session carries."""
        return self._mac("csrf", session.nonce.encode())[:40]

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        """Return whether ``token`` is this session's CSRF token."""
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))


def cookie_header(value: str, secure: bool, max_age: int | None = None) -> str:
    """Return the ``Set-Cookie`` value of a session cookie (``max_age=0`` deletes it)."""
    parts = [f"{SESSION_COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)

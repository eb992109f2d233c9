"""Who may write, and the guards every request passes.

* Reading needs nothing. Every write needs the token the server was started with
  (``SCENARIST_TOKEN``); with no token configured, writes are refused unless anonymous
  writes were allowed explicitly.
* The JSON API takes the token as ``Authorization: Bearer <token>`` and never looks at
  cookies, so a cross-site request cannot write through it.
* The pages log in once (the token typed into a form) and then carry a session cookie:
  signed with HMAC-SHA256 under a random per-process key, ``HttpOnly``,
  ``SameSite=Strict``, expiring after ``Settings.session_max_age``. Every form carries a
  CSRF token bound to the session (an HMAC of the session id), checked on submission.
* Missing credentials give 401, wrong ones (bad token, bad or missing CSRF token) 403.
* Logging out revokes the session server-side: a cookie captured before ``/logout`` no
  longer counts, even before it expires.
* Failed attempts with a token (a wrong bearer token, a refused login) are counted per
  client address; after ``Throttle.max_failures`` within ``Throttle.window`` seconds, that
  client's further attempts get 429 with ``Retry-After`` until the window has passed.
* Request bodies larger than ``Settings.max_body_bytes`` are refused with 413 before any
  handler reads them; responses carry a strict Content-Security-Policy (no scripts at all).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scenarist.errors import ScenaristError

__all__ = [
    "CSP",
    "SESSION_COOKIE",
    "BodyLimit",
    "SecurityHeaders",
    "Session",
    "SessionSigner",
    "Throttle",
    "ThrottleGuard",
    "WebError",
    "bearer_token",
    "is_api",
    "same_token",
]

SESSION_COOKIE = "scenarist_session"
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""No script runs on any page; inline styles are allowed for the server-drawn SVG charts."""


class WebError(ScenaristError):
    """A request the app refuses, with its HTTP status (and extra headers such as WWW-Authenticate)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def is_api(path: str) -> bool:
    """Whether a request path belongs to the JSON API (errors there are JSON, elsewhere HTML)."""
    return path == "/api" or path.startswith("/api/")


def same_token(given: str, expected: str) -> bool:
    """Constant-time comparison of two tokens."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None when there is none."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Session:
    """A browser session: a random id, whether it has logged in, and when it was issued (epoch s)."""

    sid: str
    authenticated: bool
    issued: int

    @classmethod
    def new(cls, *, authenticated: bool = False) -> Session:
        return cls(secrets.token_urlsafe(18), authenticated, int(time.time()))


class _Revocations:
    """Revoked session ids per signing key, each kept until its session would have expired.

    Memory is bounded: expired entries are dropped on every revocation (a heap ordered by
    expiry, so each costs O(log n)), and at most ``max_entries`` are kept. When the list is
    full, the entry closest to expiry (the oldest session) is dropped and every session of
    that key issued at or before it is refused from then on (a floor on the issue time), so
    dropping an entry never brings a revoked session back: at worst an older session has to
    log in again.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._heap: list[tuple[float, int, bytes, str]] = []  # (expires, issued, key, session id)
        self._ids: dict[bytes, set[str]] = {}
        self._floor: dict[bytes, tuple[int, float]] = {}  # key: (issued at or before: refused, until when)

    def __len__(self) -> int:
        with self._lock:
            return len(self._heap)

    def _drop(self, secret: bytes, sid: str) -> None:
        ids = self._ids[secret]
        ids.discard(sid)
        if not ids:
            del self._ids[secret]

    def add(self, secret: bytes, sid: str, issued: int, until: float) -> None:
        with self._lock:
            now = time.time()
            while self._heap and self._heap[0][0] < now:
                _, _, key, old = heapq.heappop(self._heap)
                self._drop(key, old)
            for key in [k for k, (_, expires) in self._floor.items() if expires < now]:
                del self._floor[key]
            if sid in self._ids.get(secret, ()):
                return
            heapq.heappush(self._heap, (until, issued, secret, sid))
            self._ids.setdefault(secret, set()).add(sid)
            while len(self._heap) > self.max_entries:
                expires, issued_old, key, old = heapq.heappop(self._heap)
                self._drop(key, old)
                floor, floor_expires = self._floor.get(key, (-1, 0.0))
                self._floor[key] = (max(floor, issued_old), max(floor_expires, expires))

    def contains(self, secret: bytes, sid: str, issued: int) -> bool:
        with self._lock:
            floor = self._floor.get(secret)
            if floor is not None and issued <= floor[0]:
                return True
            return sid in self._ids.get(secret, ())


_REVOKED = _Revocations()


class SessionSigner:
    """Signs sessions into cookie values and derives their CSRF tokens."""

    def __init__(self, secret: bytes, max_age: int) -> None:
        self._secret = secret
        self.max_age = max_age

    def _mac(self, purpose: bytes, data: bytes) -> bytes:
        return hmac.new(self._secret, purpose + b"\x00" + data, hashlib.sha256).digest()

    def dumps(self, session: Session) -> str:
        payload = json.dumps({"sid": session.sid, "auth": session.authenticated, "iat": session.issued})
        body = _b64(payload.encode("utf-8"))
        return f"{body}.{_b64(self._mac(b'session', body.encode('ascii')))}"

    def loads(self, value: str | None) -> Session | None:
        """The session of a cookie value; None when it is missing, forged, malformed or expired."""
        if not value or len(value) > 512 or "." not in value:
            return None
        body, _, mac = value.partition(".")
        try:
            if not hmac.compare_digest(_unb64(mac), self._mac(b"session", body.encode("ascii"))):
                return None
            data: Any = json.loads(_unb64(body))
            session = Session(str(data["sid"]), data["auth"] is True, int(data["iat"]))
        except (ValueError, KeyError, TypeError, UnicodeError):
            return None
        if not 0 <= time.time() - session.issued <= self.max_age:
            return None
        if _REVOKED.contains(self._secret, session.sid, session.issued):
            return None
        return session

    def revoke(self, value: str | None) -> None:
        """Revoke the session of a cookie value (if valid) until it would have expired anyway."""
        session = self.loads(value)
        if session is not None:
            _REVOKED.add(self._secret, session.sid, session.issued, session.issued + self.max_age)

    def csrf_token(self, session: Session) -> str:
        return _b64(self._mac(b"csrf", session.sid.encode("utf-8")))

    def check_csrf(self, session: Session | None, token: str | None) -> bool:
        if session is None or not token:
            return False
        return same_token(token, self.csrf_token(session))


async def _send_refusal(scope: Scope, send: Send, status: int, message: str, retry_after: int = 0) -> None:
    if is_api(scope.get("path", "")):
        body = json.dumps({"ok": False, "error": message, "status": status}).encode("utf-8")
        content_type = b"application/json"
    else:
        body = f"<!doctype html><title>{status}</title><p>{message}</p>".encode()
        content_type = b"text/html; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413, declared or streamed.

    A declared ``Content-Length`` is checked before anything is read; a body without one
    (chunked) is read up to the limit first and then handed on.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"the request body is larger than the limit of {self.limit} bytes"
        declared = [value for name, value in scope.get("headers", []) if name == b"content-length"]
        if declared:
            try:
                size = int(declared[0])
            except ValueError:
                await _send_refusal(scope, send, 400, "the Content-Length header is not a number")
                return
            if size > self.limit:
                await _send_refusal(scope, send, 413, too_large)
                return
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.limit:
                await _send_refusal(scope, send, 413, too_large)
                return
            more = bool(message.get("more_body", False))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class SecurityHeaders:
    """ASGI middleware: the same protective headers on every response."""

    HEADERS = (
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                present = {name.lower() for name, _ in msg.get("headers", [])}
                extra = [(n, v) for n, v in self.HEADERS if n not in present]
                msg = {**msg, "headers": [*msg.get("headers", []), *extra]}
            await send(msg)

        await self.app(scope, receive, with_headers)


class Throttle:
    """Failed token attempts per client: at most ``max_failures`` within ``window`` seconds."""

    def __init__(self, max_failures: int = 10, window: float = 60.0, max_clients: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_clients = max_clients
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, client: str) -> int:
        """Seconds until ``client`` may try again; 0 when it may try now."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) < self.max_failures:
                return 0
            return max(1, int(self.window - (now - times[0])) + 1)

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            if client not in self._failures and len(self._failures) >= self.max_clients:
                oldest = min(self._failures, key=lambda c: self._failures[c][-1] if self._failures[c] else 0.0)
                del self._failures[oldest]
            times = self._recent(client, now)
            times.append(now)
            self._failures[client] = times


def _attempts_token(scope: Scope) -> bool:
    """Whether a request presents a token: a bearer header, or the login form."""
    if scope.get("method") == "POST" and scope.get("path") == "/login":
        return True
    return any(name == b"authorization" for name, _ in scope.get("headers", []))


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            text: str = bytes(value).decode("latin-1")
            for part in text.split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


class ThrottleGuard:
    """ASGI middleware: throttle failed token attempts per client; revoke the session on logout.

    A request presenting a token that is answered 401 or 403 counts as a failure of its
    client address; a client over the limit gets 429 before its request is handled. A
    successful ``POST /logout`` revokes the session cookie it carried (``signer`` signs cookies).
    """

    def __init__(self, app: ASGIApp, throttle: Throttle, signer: SessionSigner) -> None:
        self.app = app
        self.throttle = throttle
        self.signer = signer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        attempt = _attempts_token(scope)
        if attempt:
            wait = self.throttle.retry_after(client)
            if wait:
                await _send_refusal(scope, send, 429, f"too many failed attempts; try again in {wait} s", wait)
                return
        logout = scope.get("method") == "POST" and scope.get("path") == "/logout"
        status = 0

        async def watch(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = int(msg["status"])
                if attempt and status in (401, 403):
                    self.throttle.failed(client)
                if logout and status < 400:
                    self.signer.revoke(_cookie(scope, SESSION_COOKIE))
            await send(msg)

        await self.app(scope, receive, watch)

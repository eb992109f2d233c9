"""Server-side rendering: the Jinja2 environment (autoescaping everything) and the page helper.

Every page goes through :func:`page`, which makes sure the browser holds a signed session
cookie and gives the template that session's CSRF token for its forms.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

from scenarist import __version__
from scenarist.web.security import SESSION_COOKIE, Session, SessionSigner
from scenarist.web.state import AppState

__all__ = [
    "ENV", "accepts_gzip", "app_state", "bytes_response", "current_session", "gzipped", "is_writer", "page", "pct",
    "safe_url", "set_session_cookie", "shared_html", "shared_key", "shared_page", "signer",
]  # fmt: skip


def safe_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) address, else None (never a ``javascript:`` link)."""
    if not isinstance(value, str) or len(value) > 2000:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def pct(value: float | None, digits: int = 1) -> str:
    """A probability as a percentage string: ``0.4721`` → ``47.2 %``."""
    if value is None:
        return "—"
    return f"{100 * value:.{digits}f} %"


ENV = Environment(
    # The report's templates too: the overview includes the report's front page.
    loader=ChoiceLoader([PackageLoader("scenarist.web", "templates"), PackageLoader("scenarist.report", "templates")]),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
ENV.filters["pct"] = pct
ENV.filters["safe_url"] = safe_url
ENV.globals["version"] = __version__


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.scenarist
    return state


def signer(request: Request) -> SessionSigner:
    state = app_state(request)
    return SessionSigner(state.secret, state.settings.session_max_age)


def current_session(request: Request) -> Session | None:
    return signer(request).loads(request.cookies.get(SESSION_COOKIE))


def set_session_cookie(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        signer(request).dumps(session),
        max_age=app_state(request).settings.session_max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def is_writer(state: AppState, session: Session | None) -> bool:
    """Whether this visitor's pages carry write forms (with their own CSRF token), so cannot be shared."""
    return state.write_policy == "anonymous" or (session is not None and session.authenticated)


def shared_html(state: AppState, path: str, template: str, context: dict[str, Any]) -> bytes:
    """A page as every visitor who cannot write sees it (no form carries a token): no request needed."""
    common = {
        "request_path": path,
        "csrf": "",
        "logged_in": False,
        "write_policy": state.write_policy,
        "can_write": False,
        "models": list(state.entries.values()),
    }
    return ENV.get_template(template).render(**common, **context).encode("utf-8")


def shared_key(template: str, key: tuple[object, ...]) -> tuple[object, ...]:
    """Where :func:`shared_page` keeps a page's HTML in its store."""
    return ("html", template, *key)


def shared_page(
    request: Request,
    store: dict[Any, Any],
    key: tuple[object, ...],
    template: str,
    context: Callable[[], dict[str, Any]],
) -> HTMLResponse:
    """A page whose HTML is the same for every visitor who cannot write: rendered once per ``key`` into ``store``.

    Visitors who can write (logged in, or anonymous writes allowed) see forms carrying their own CSRF
    token, so their page is rendered for them.
    """
    state = app_state(request)
    session = current_session(request)
    if is_writer(state, session):
        return page(request, template, context())
    body = store.get(shared_key(template, key))
    if body is None:
        body = shared_html(state, request.url.path, template, context())
        store[shared_key(template, key)] = body
    response = HTMLResponse(body)
    if session is None:
        set_session_cookie(request, response, Session.new())
    response.headers["cache-control"] = "no-store"
    return response


def gzipped(body: bytes) -> bytes:
    """``body`` compressed once, to be served to every client that accepts gzip (see :func:`bytes_response`)."""
    return gzip.compress(body, compresslevel=5, mtime=0)


def accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def bytes_response(
    request: Request, body: bytes, gz: bytes | None, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """Prepared bytes as the response, the gzip form when the client takes it (nothing is encoded here)."""
    headers = {**(headers or {}), "vary": "accept-encoding"}
    if gz is not None and accepts_gzip(request):
        return Response(gz, media_type=media_type, headers={**headers, "content-encoding": "gzip"})
    return Response(body, media_type=media_type, headers=headers)


def page(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    """Render ``template`` with the common context (session, CSRF token, models, write policy)."""
    state = app_state(request)
    session = current_session(request)
    fresh = session is None
    if session is None:
        session = Session.new()
    common = {
        "request_path": request.url.path,
        "csrf": signer(request).csrf_token(session),
        "logged_in": session.authenticated,
        "write_policy": state.write_policy,
        "read_only_message": state.ledger.read_only_message if state.ledger.read_only else "",
        "can_write": state.write_policy == "anonymous" or (state.write_policy == "token" and session.authenticated),
        "models": list(state.entries.values()),
    }
    html = ENV.get_template(template).render(**common, **context)
    response = HTMLResponse(html, status_code=status)
    if fresh:
        set_session_cookie(request, response, session)
    response.headers["cache-control"] = "no-store"
    return response

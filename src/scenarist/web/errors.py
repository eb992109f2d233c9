"""One error shape: ``{"ok": false, "error": message, "status": code}`` under /api/, a page elsewhere.

Each kind of failure is translated here, once: the app's own refusals (:class:`WebError`),
routing and method errors, request validation (422), and the project's error kinds
(:mod:`scenarist.errors`): input 422, not found 404, conflict 409, unavailable 503 (the only
503), anything unexpected 500 without internals.
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from scenarist.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    ReadOnlyError,
    ScenaristError,
    UnavailableError,
)
from scenarist.web.render import page
from scenarist.web.security import WebError, is_api

__all__ = ["ERROR_RESPONSES", "ErrorOut", "error_response", "install_error_handlers"]

log = logging.getLogger("scenarist.web")


class ErrorOut(BaseModel):
    """The body of every error response of the JSON API."""

    ok: Literal[False] = False
    error: str
    status: int


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorOut, "description": "Unknown model, scenario or evidence"},
    413: {"model": ErrorOut, "description": "Request body too large"},
    422: {"model": ErrorOut, "description": "Invalid input"},
    503: {"model": ErrorOut, "description": "The ledger or another service failed"},
    500: {"model": ErrorOut, "description": "Internal error"},
}
"""The error responses every API route documents in the OpenAPI document."""

_TITLES = {
    400: "Bad request",
    401: "Log in to make changes",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid input",
    500: "Internal error",
    503: "Ledger unavailable",
}


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as the JSON shape (API paths) or as an HTML page."""
    if is_api(request.url.path):
        body = ErrorOut(error=message, status=status).model_dump()
        return JSONResponse(body, status_code=status, headers=headers)
    response: HTMLResponse = page(
        request,
        "error.html",
        {"status": status, "title": _TITLES.get(status, "Error"), "message": message},
        status=status,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form"))
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at the request's path (several routes may share one path)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Register the translations above on ``app``."""

    async def web_error(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, WebError):
            raise exc
        return error_response(request, exc.status, exc.message, exc.headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, StarletteHTTPException):
            raise exc
        message = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "error")
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such page: {request.url.path}"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return error_response(request, exc.status_code, message, headers)

    async def validation_error(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, RequestValidationError):
            raise exc
        return error_response(request, 422, _validation_message(exc))

    async def project_error(request: Request, exc: Exception) -> Response:
        for kind, status in ((InputError, 422), (NotFoundError, 404), (ConflictError, 409)):
            if isinstance(exc, kind):
                return error_response(request, status, str(exc))
        if isinstance(exc, ReadOnlyError):
            return error_response(request, 503, str(exc))
        if isinstance(exc, UnavailableError):
            log.error("service failure on %s: %s", request.url.path, exc)
            return error_response(request, 503, "a service the request needs failed; see the server log, then retry")
        return error_response(request, 500, str(exc))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        return error_response(request, 500, "internal error: the server could not complete the request")

    app.add_exception_handler(WebError, web_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ScenaristError, project_error)
    app.add_exception_handler(Exception, unexpected)

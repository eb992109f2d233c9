"""The matrix editor of a workshop: the descriptor × descriptor grid of judgments, edited in the browser.

* ``GET /models/{id}/editor`` shows the grid (read-only without the right to write) and the saved
  model's consistent scenarios and family probabilities before evidence.
* The page's script (``static/editor.js``) holds the edits in the browser session and sends them to
  ``POST …/editor/evaluate``, which recomputes the consistent set and the family probabilities
  through :mod:`scenarist.service.editing` (default draws and seed: the numbers of
  ``scenarist probabilities`` for the edited model).
* ``POST …/editor/diff`` returns the unified diff of the model file; ``POST …/editor/save`` writes
  it when the file is still the one the diff was made from, and the app serves the saved model.

The three POST routes answer JSON; they need the right to write (a logged-in session when the
server has a token) and the session's CSRF token in the ``X-CSRF-Token`` header. This page alone
lets a script run: its own, from this server (``script-src 'self'``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from scenarist.errors import ConflictError, InputError, NotFoundError, ScenaristError, UnavailableError
from scenarist.model.load import resolve_model_path
from scenarist.model.roundtrip import text_digest
from scenarist.service import DEFAULTS
from scenarist.service.editing import (
    Outcome,
    editable_reason,
    evaluate_edits,
    outcome_of,
    parse_edits,
    plan_save,
    save_edits,
)
from scenarist.web.api import entry_of
from scenarist.web.render import app_state, current_session, page, signer
from scenarist.web.security import CSP, WebError
from scenarist.web.state import AppState, ModelEntry

__all__ = ["EDITOR_CSP", "register_paths", "router"]

router = APIRouter(include_in_schema=False)

EDITOR_CSP = CSP + "; script-src 'self'; connect-src 'self'"
"""The editor page runs its own script (from this server) and talks only to this server."""

_PATHS = "editor-path"
_OUTCOMES = "editor-outcome"
_LOCK = threading.Lock()
_MAX_EDITS = 2_000


def register_paths(state: AppState, models: Sequence[str | Path]) -> None:
    """Remember the file each served model was read from (the app loads them in this order)."""
    refs: list[str | Path | None] = [*models] or [None]
    for ref, model_id in zip(refs, list(state.entries)):
        state.extensions[(_PATHS, model_id)] = resolve_model_path(ref)


def _path_of(state: AppState, entry: ModelEntry) -> Path | None:
    path = state.extensions.get((_PATHS, entry.id))
    return path if isinstance(path, Path) else None


def _saved_outcome(state: AppState, entry: ModelEntry) -> Outcome:
    """The served model's outcome with the default settings, computed once per model revision."""
    key = (_OUTCOMES, entry.id)
    cached = state.extensions.get(key)
    if isinstance(cached, Outcome) and cached.revision == entry.compiled.revision:
        return cached
    outcome = outcome_of(entry.model, DEFAULTS)
    state.extensions[key] = outcome
    return outcome


def _grid(entry: ModelEntry) -> list[dict[str, Any]]:
    """The descriptors with their variants, in model order (rows and columns of the grid)."""
    return [
        {"id": d.id, "name": d.name, "short": d.short or d.name,
         "variants": [{"ref": f"{d.id}.{v.id}", "name": v.name, "short": v.short or v.name} for v in d.variants]}
        for d in entry.model.descriptors
    ]  # fmt: skip


def _cells(entry: ModelEntry) -> dict[str, dict[str, Any]]:
    return {
        f"{j.source} {j.target}": {"impact": j.impact, "confidence": j.confidence, "rationale": j.rationale or "",
                                   "sources": list(j.sources)}
        for j in entry.model.judgments
    }  # fmt: skip


def _can_write(request: Request) -> bool:
    state = app_state(request)
    session = current_session(request)
    return state.write_policy == "anonymous" or (
        state.write_policy == "token" and session is not None and session.authenticated
    )


@router.api_route("/models/{model_id}/editor", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def editor_page(
    request: Request, model_id: str, saved: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    state = app_state(request)
    entry = entry_of(request, model_id)
    outcome = await run_in_threadpool(_saved_outcome, state, entry)
    path = _path_of(state, entry)
    reason = editable_reason(path) if path is not None else "the server does not know this model's file"
    text = path.read_text(encoding="utf-8") if path is not None and reason is None else ""
    context = {
        "entry": entry,
        "model": entry.model,
        "grid": _grid(entry),
        "cells": _cells(entry),
        "outcome": outcome,
        "editable": _can_write(request),
        "save_reason": reason,
        "file_name": path.name if path is not None else "",
        "digest": text_digest(text) if text else "",
        "state_json": json.dumps(
            {
                "model": entry.id,
                "revision": entry.compiled.revision,
                "cells": _cells(entry),
                "saved": outcome.to_dict(),
                "sources": [s.id for s in entry.model.sources],
            }
        ).replace("<", "\\u003c"),
        "saved": saved is not None and saved == entry.compiled.revision,
        "draws": DEFAULTS.draws,
        "seed": DEFAULTS.seed,
    }
    response = page(request, "editor.html", context)
    response.headers["content-security-policy"] = EDITOR_CSP
    return response


def _error(exc: Exception) -> JSONResponse:
    if isinstance(exc, WebError):
        status, message = exc.status, exc.message
    else:
        status = 500
        for kind, code in ((InputError, 422), (NotFoundError, 404), (ConflictError, 409), (UnavailableError, 503)):
            if isinstance(exc, kind):
                status = code
                break
        message = str(exc)
    return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)


async def _guarded(
    request: Request, model_id: str, work: Callable[[AppState, ModelEntry, dict[str, Any]], Any]
) -> Response:
    """Check the right to write and the CSRF header, read the JSON body, run ``work`` off the event loop."""
    try:
        state = app_state(request)
        session = current_session(request)
        if state.write_policy == "disabled":
            raise WebError(403, "writes are disabled: the server was started without SCENARIST_TOKEN")
        if state.write_policy == "token" and (session is None or not session.authenticated):
            raise WebError(401, "log in with the server's token to edit the matrix")
        if not signer(request).check_csrf(session, request.headers.get("x-csrf-token")):
            raise WebError(403, "the CSRF token is missing or not valid: reload the page")
        entry = entry_of(request, model_id)
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise WebError(400, "the request body is not JSON") from None
        if not isinstance(body, dict):
            raise WebError(422, "the request body must be a JSON object with 'edits'")
        edits = body.get("edits", [])
        if isinstance(edits, list) and len(edits) > _MAX_EDITS:
            raise WebError(422, f"at most {_MAX_EDITS:,} edited cells at a time")
        result = await run_in_threadpool(work, state, entry, body)
        return JSONResponse({"ok": True, **result})
    except (WebError, ScenaristError) as exc:
        return _error(exc)


def _evaluate(state: AppState, entry: ModelEntry, body: dict[str, Any]) -> dict[str, Any]:
    edits = parse_edits(body.get("edits", []), entry.model)
    evaluation = evaluate_edits(entry.model, edits, DEFAULTS, saved=_saved_outcome(state, entry))
    return evaluation.to_dict()


def _file_of(state: AppState, entry: ModelEntry) -> Path:
    path = _path_of(state, entry)
    if path is None:
        raise InputError("the server does not know this model's file; it cannot be saved")
    return path


def _diff(state: AppState, entry: ModelEntry, body: dict[str, Any]) -> dict[str, Any]:
    plan = plan_save(_file_of(state, entry), body.get("edits", []))
    return {"diff": plan.diff, "digest": plan.base_digest, "file": plan.path.name}


def _save(state: AppState, entry: ModelEntry, body: dict[str, Any]) -> dict[str, Any]:
    digest = body.get("digest")
    if not isinstance(digest, str) or not digest:
        raise InputError("digest: give the digest of the diff that was shown (save after reviewing the diff)")
    path = _file_of(state, entry)
    with state.write_lock, _LOCK:
        _plan, loaded = save_edits(path, body.get("edits", []), digest)
        _serve(state, ModelEntry(loaded.model, state.settings))
    return {"file": path.name, "revision": loaded.compiled.revision, "judgments": len(loaded.model.judgments)}


def _serve(state: AppState, entry: ModelEntry) -> None:
    """Serve ``entry`` in place of the model with its id: its pages and caches start from the saved file."""
    state.replace_entry(entry)


@router.post("/models/{model_id}/editor/evaluate")
async def editor_evaluate(request: Request, model_id: str) -> Response:
    return await _guarded(request, model_id, _evaluate)


@router.post("/models/{model_id}/editor/diff")
async def editor_diff(request: Request, model_id: str) -> Response:
    return await _guarded(request, model_id, _diff)


@router.post("/models/{model_id}/editor/save")
async def editor_save(request: Request, model_id: str) -> Response:
    return await _guarded(request, model_id, _save)

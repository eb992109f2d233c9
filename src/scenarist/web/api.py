"""The JSON API under /api/: the same answers as the pages, for programs.

Reads need no credentials. Writes (``POST /api/evidence``, ``POST /api/evidence/{id}/retract``)
need ``Authorization: Bearer <token>``. Every error has the body
``{"ok": false, "error": message, "status": code}``; every success carries ``"ok": true``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from scenarist.service import EvidenceFields, event_probability, question_event, resolved_questions
from scenarist.web.errors import ERROR_RESPONSES, ErrorOut
from scenarist.web.front import refresh_view
from scenarist.web.render import app_state
from scenarist.web.security import WebError, bearer_token, same_token
from scenarist.web.state import AppState, ModelEntry, Snapshot
from scenarist.web.views import (
    add_evidence,
    find_evidence,
    parse_fix,
    parse_scenario_key,
    retract_evidence,
    scenario_key,
    scenario_view,
)

__all__ = ["EvidenceIn", "RetractIn", "entry_of", "router", "snapshot_of", "write_access"]

WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorOut, "description": "No token given"},
    403: {"model": ErrorOut, "description": "Wrong token, or writes disabled on this server"},
}

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
EvidenceId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Id of stored evidence.")]


def entry_of(request: Request, model_id: str) -> ModelEntry:
    """The served model with this id; 404 otherwise (ids only: no path from a request is opened)."""
    entry = app_state(request).entries.get(model_id)
    if entry is None:
        raise WebError(404, f"no model {model_id!r} is served here")
    return entry


def snapshot_of(state: AppState, entry: ModelEntry, *, need_posterior: bool = True) -> Snapshot:
    snap = entry.snapshot(state.ledger)
    if need_posterior and snap.error is not None:
        raise WebError(409, f"the model's evidence cannot be combined: {snap.error}; retract the offending evidence")
    return snap


def write_access(request: Request) -> None:
    """Dependency of every API write: the server's token as a Bearer token (401 missing, 403 wrong)."""
    state = app_state(request)
    if state.ledger.read_only:
        raise WebError(503, state.ledger.read_only_message)
    if state.token is None:
        if state.allow_anonymous_writes:
            return
        raise WebError(403, "writes are disabled: the server was started without SCENARIST_TOKEN")
    given = bearer_token(request.headers.get("authorization"))
    if given is None:
        raise WebError(
            401, "this write needs the header 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"}
        )
    if not same_token(given, state.token):
        raise WebError(403, "the token is not valid")


class EvidenceIn(EvidenceFields):
    """A report about a signpost of a served model (the rules are those of every entry point)."""

    model: str = Field(min_length=1, max_length=64, description="Id of a served model.")


class RetractIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(default=None, max_length=500, description="Why the evidence is withdrawn.")


def cached_json(snap: Snapshot, name: str, build: Callable[[], dict[str, Any]]) -> Response:
    """A read's JSON, encoded once per state of the evidence (kept on the snapshot)."""
    key = ("json", name)
    body = snap.pages.get(key)
    if body is None:
        body = JSONResponse(build()).body
        snap.pages[key] = body
    return Response(body, media_type="application/json")


def _named_now(entry: ModelEntry, snap: Snapshot) -> dict[str, float] | None:
    return dict(snap.posterior.named) if snap.posterior is not None else None


def _model_summary(entry: ModelEntry) -> dict[str, Any]:
    m = entry.model
    return {
        "id": m.id,
        "title": m.title,
        "question": m.question,
        "horizon": m.horizon.isoformat() if m.horizon else None,
        "links": {
            "overview": f"/api/models/{m.id}",
            "model": f"/api/models/{m.id}/model",
            "scenarios": f"/api/models/{m.id}/scenarios",
            "probabilities": f"/api/models/{m.id}/probabilities",
            "timeline": f"/api/models/{m.id}/timeline",
            "watch": f"/api/models/{m.id}/watch",
            "assumptions": f"/api/models/{m.id}/assumptions",
            "evidence": f"/api/models/{m.id}/evidence",
            "forecasts": f"/api/models/{m.id}/forecasts",
            "page": f"/models/{m.id}",
        },
    }


@router.get("/models", summary="The models served")
def list_models(request: Request) -> dict[str, Any]:
    state = app_state(request)
    return {
        "ok": True,
        "write_policy": state.write_policy,
        "models": [_model_summary(e) for e in state.entries.values()],
    }


@router.get("/models/{model_id}", summary="Overview: probabilities now, consistent scenarios, watch list")
def overview(request: Request, model_id: str) -> Response:
    state = app_state(request)
    entry = entry_of(request, model_id)
    snap = snapshot_of(state, entry, need_posterior=False)
    return cached_json(snap, "overview", lambda: _overview(entry, snap))


def _overview(entry: ModelEntry, snap: Snapshot) -> dict[str, Any]:
    probs = entry.probabilities()
    top = entry.assumptions().top(10)
    return {
        "ok": True,
        "model": _model_summary(entry),
        "probabilities": {
            "method": [probs.method, "bayes-signposts"],
            "draws": probs.draws,
            "before_evidence": [n.to_dict() for n in probs.settled_partition()],
            "now": _named_now(entry, snap),
            "evidence": len(snap.active),
            "error": snap.error,
        },
        "consistent_scenarios": [{"key": scenario_key(s.indices), **s.to_dict()} for s in entry.scenarios.consistent()],
        "watch": [w.to_dict() for w in snap.watch],
        "key_assumptions": [j.to_dict() for j in top],
    }


@router.get("/models/{model_id}/model", summary="The model: descriptors, variants, judgments, sources")
def model_doc(request: Request, model_id: str) -> dict[str, Any]:
    entry = entry_of(request, model_id)
    return {"ok": True, "model": entry.model.model_dump(mode="json", by_alias=True, exclude={"meta"})}


@router.get("/models/{model_id}/scenarios", summary="The consistent scenarios (CIB)")
def scenarios(request: Request, model_id: str) -> dict[str, Any]:
    entry = entry_of(request, model_id)
    doc = entry.scenarios.to_dict()
    doc["scenarios"] = [{"key": scenario_key(s.indices), **s.to_dict()} for s in entry.scenarios.scenarios]
    return {"ok": True, **doc}


@router.get("/models/{model_id}/scenarios/{key}", summary="One scenario: balances, influences, probability")
def scenario(request: Request, model_id: str, key: str) -> dict[str, Any]:
    state = app_state(request)
    entry = entry_of(request, model_id)
    indices = parse_scenario_key(entry, key)
    return scenario_view(entry, snapshot_of(state, entry, need_posterior=False), indices).to_dict(entry)


@router.get("/models/{model_id}/probabilities", summary="Probabilities before and after the evidence")
def probabilities(request: Request, model_id: str) -> Response:
    state = app_state(request)
    entry = entry_of(request, model_id)
    snap = snapshot_of(state, entry)
    if snap.standing is None:
        raise WebError(422, snap.error or "the evidence cannot be combined with the model")
    standing = snap.standing
    return cached_json(snap, "probabilities", lambda: {"ok": True, **standing.to_dict()})


@router.get("/models/{model_id}/timeline", summary="Named-scenario probabilities after each piece of evidence")
def timeline(request: Request, model_id: str) -> Response:
    state = app_state(request)
    snap = snapshot_of(state, entry_of(request, model_id))
    return cached_json(snap, "timeline", lambda: {"ok": True, **(snap.timeline.to_dict() if snap.timeline else {})})


@router.get("/models/{model_id}/watch", summary="Unobserved signposts by expected information gain")
def watch(request: Request, model_id: str) -> Response:
    state = app_state(request)
    entry = entry_of(request, model_id)
    snap = snapshot_of(state, entry)
    return cached_json(
        snap,
        "watch",
        lambda: {
            "ok": True,
            "model": entry.id,
            "method": "expected-information-gain",
            "watch_list": [{**w.to_dict(), "name": entry.signposts[w.signpost].name} for w in snap.watch],
        },
    )


@router.get("/models/{model_id}/assumptions", summary="Key assumptions: judgments ranked by influence")
def assumptions(request: Request, model_id: str) -> dict[str, Any]:
    entry = entry_of(request, model_id)
    return {"ok": True, **entry.assumptions().to_dict()}


@router.get("/models/{model_id}/intervention", summary="Fix variants: which scenarios survive, vanish, appear")
def intervention(
    request: Request,
    model_id: str,
    fix: Annotated[list[str], Query(description="descriptor=variant, repeatable", min_length=1, max_length=200)],
) -> dict[str, Any]:
    from scenarist.service.analysis import compare_intervention

    entry = entry_of(request, model_id)
    fixed = parse_fix(entry, fix)
    for item in fix:
        if item.count("=") != 1 or item != "".join(item.split()):
            raise WebError(422, f"fix: expected descriptor=variant without spaces, got {item!r}")
    result = compare_intervention(entry.compiled, fixed)
    doc = result.to_dict()
    for status in ("remain", "vanish", "appear"):
        for row in doc[status]:
            row["key"] = scenario_key(row["indices"])
    return {"ok": True, **doc}


@router.get("/models/{model_id}/evidence", summary="The model's evidence")
def list_evidence(request: Request, model_id: str, include_retracted: bool = True) -> dict[str, Any]:
    state = app_state(request)
    entry = entry_of(request, model_id)
    rows = state.ledger.list_evidence(entry.id, include_retracted=include_retracted)
    return {"ok": True, "model": entry.id, "evidence": [r.to_dict() for r in rows]}


@router.get(
    "/models/{model_id}/evidence/{evidence_id}",
    summary="One piece of the model's evidence",
    operation_id="get_model_evidence",
)
def get_evidence(request: Request, model_id: str, evidence_id: EvidenceId) -> dict[str, Any]:
    state = app_state(request)
    entry = entry_of(request, model_id)
    _, row = find_evidence(state, evidence_id, entry)
    return {"ok": True, "model": entry.id, "evidence": row.to_dict()}


@router.get("/models/{model_id}/forecasts", summary="Questions, standing forecasts, resolutions and scores")
def forecasts(request: Request, model_id: str) -> dict[str, Any]:
    state = app_state(request)
    entry = entry_of(request, model_id)
    snap = snapshot_of(state, entry, need_posterior=False)
    questions = state.ledger.list_questions(entry.id)
    tracked = {q.id for q in questions}
    defined = []
    for q in entry.model.forecasts:
        kind, ref = question_event(q)
        p = event_probability(entry.compiled, snap.posterior.distribution, q) if snap.posterior is not None else None
        defined.append(
            {"id": q.id, "question": q.question, "close_date": q.close_date.isoformat(), "event_kind": kind,
             "event_ref": ref, "model_probability_now": p, "tracked": q.id in tracked}
        )  # fmt: skip
    return {
        "ok": True,
        "model": entry.id,
        "questions": [
            {**q.to_dict(), "forecasts": [f.to_dict() for f in state.ledger.forecasts(q.id)]} for q in questions
        ],
        "model_questions": defined,
        "scores": resolved_questions(state.ledger, entry.id).to_dict(),
    }


@router.post(
    "/evidence",
    status_code=201,
    summary="Add evidence (needs the token)",
    responses=WRITE_RESPONSES,
    dependencies=[Depends(write_access)],
)
def post_evidence(request: Request, body: EvidenceIn) -> dict[str, Any]:
    state = app_state(request)
    entry = entry_of(request, body.model)
    row = add_evidence(state, entry, body)
    refresh_view(state, entry, wait=False)
    snap = entry.snapshot(state.ledger)
    return {"ok": True, "evidence": row.to_dict(), "named": _named_now(entry, snap), "error": snap.error}


@router.post(
    "/evidence/{evidence_id}/retract",
    summary="Retract evidence (needs the token)",
    responses={**WRITE_RESPONSES, 409: {"model": ErrorOut, "description": "Already retracted"}},
    dependencies=[Depends(write_access)],
)
def post_retract(request: Request, evidence_id: EvidenceId, body: RetractIn | None = None) -> dict[str, Any]:
    state = app_state(request)
    row = retract_evidence(state, evidence_id, body.reason if body else None)
    entry = state.entries[row.model_id]
    refresh_view(state, entry, wait=False)
    snap = entry.snapshot(state.ledger)
    return {"ok": True, "evidence": row.to_dict(), "named": _named_now(entry, snap), "error": snap.error}

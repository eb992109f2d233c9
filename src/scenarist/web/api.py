"""The JSON API under /api/: the same answers as the pages, for programs.

Reads need no credentials. The reads that depend on the ledger (overview, probabilities, timeline,
watch list, forecasts) serve bytes built once per snapshot (see :mod:`scenarist.web.state`), with
the snapshot's revision as ETag: ``If-None-Match`` with it gets 304. A write returns once the
snapshot that includes it is published, and its response names that ``revision``.

Writes (``POST /api/evidence``, ``POST /api/evidence/{id}/retract``)
need ``Authorization: Bearer <token>``. Every error has the body
``{"ok": false, "error": message, "status": code}``; every success carries ``"ok": true``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from scenarist.service import EvidenceFields, event_probability, question_event, resolved_questions
from scenarist.web.errors import ERROR_RESPONSES, ErrorOut
from scenarist.web.render import app_state, bytes_response, gzipped
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

__all__ = [
    "JSON_READS", "EvidenceIn", "RetractIn", "entry_of", "etag_matches", "json_part", "router", "serve_snapshot",
    "snapshot_of", "write_access", "written",
]  # fmt: skip

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
    snap = entry.snapshot()
    _check_posterior(snap, need_posterior)
    return snap


def _check_posterior(snap: Snapshot, need_posterior: bool) -> None:
    if need_posterior and snap.error is not None:
        raise WebError(409, f"the model's evidence cannot be combined: {snap.error}; retract the offending evidence")


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


JsonRead = Callable[[AppState, ModelEntry, Snapshot], dict[str, Any]]
JSON_READS: dict[str, tuple[JsonRead, bool]] = {}
"""The reads served from a snapshot's bytes: name → (the document's builder, whether it needs the posterior)."""


def _json_read(name: str, *, need_posterior: bool = True) -> Callable[[JsonRead], JsonRead]:
    def register(build: JsonRead) -> JsonRead:
        JSON_READS[name] = (build, need_posterior)
        return build

    return register


def _encode(doc: dict[str, Any]) -> bytes:
    return bytes(JSONResponse(doc).body)


def _bytes_of(name: str, state: AppState, entry: ModelEntry, snap: Snapshot) -> bytes:
    encode = ENCODERS.get(name)
    if encode is not None:
        return encode(state, entry, snap)
    return _encode(JSON_READS[name][0](state, entry, snap))


def json_part(state: AppState, entry: ModelEntry, snap: Snapshot) -> None:
    """Every snapshot read's JSON bytes (a part of every snapshot: see :class:`~scenarist.web.state.Part`)."""
    for name, (_, need_posterior) in JSON_READS.items():
        if need_posterior and snap.error is not None:
            continue
        try:
            body = _bytes_of(name, state, entry, snap)
        except WebError:
            continue  # e.g. no standing: the read answers with the error itself
        snap.pages[("json", name)] = body
        snap.pages[("json.gz", name)] = gzipped(body)


def etag_matches(request: Request, etag: str) -> bool:
    """Whether the request's If-None-Match names ``etag`` (weak or strong, or ``*``)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


async def serve_snapshot(request: Request, model_id: str, name: str) -> Response:
    """A snapshot read: its bytes (built off the request path), 304 when the client has them already."""
    state = app_state(request)
    entry = entry_of(request, model_id)
    need_posterior = JSON_READS[name][1]
    snap = entry.refresher.current
    if snap is None:  # only before the first snapshot: wait for it without holding the event loop
        snap = await run_in_threadpool(entry.snapshot)
    _check_posterior(snap, need_posterior)
    headers = {"etag": snap.etag, "cache-control": "no-cache"}
    if etag_matches(request, snap.etag):
        return Response(status_code=304, headers=headers)
    body: bytes | None = snap.pages.get(("json", name))
    if body is None:
        body = await run_in_threadpool(_bytes_of, name, state, entry, snap)
        snap.pages[("json", name)] = body
    return bytes_response(request, body, snap.pages.get(("json.gz", name)), "application/json", headers)


def _named_now(entry: ModelEntry, snap: Snapshot) -> dict[str, float] | None:
    return dict(snap.posterior.named) if snap.posterior is not None else None


def written(entry: ModelEntry, doc: dict[str, Any]) -> dict[str, Any]:
    """A write's answer, once the snapshot that includes it is published: the probabilities now and its revision."""
    snap = entry.snapshot()
    return {"ok": True, **doc, "named": _named_now(entry, snap), "error": snap.error, "revision": snap.revision}


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
async def overview(request: Request, model_id: str) -> Response:
    return await serve_snapshot(request, model_id, "overview")


@_json_read("overview", need_posterior=False)
def _overview(state: AppState, entry: ModelEntry, snap: Snapshot) -> dict[str, Any]:
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
async def probabilities(request: Request, model_id: str) -> Response:
    return await serve_snapshot(request, model_id, "probabilities")


@_json_read("probabilities")
def _probabilities(state: AppState, entry: ModelEntry, snap: Snapshot) -> dict[str, Any]:
    if snap.standing is None:
        raise WebError(422, snap.error or "the evidence cannot be combined with the model")
    return {"ok": True, **snap.standing.to_dict()}


def _probabilities_bytes(state: AppState, entry: ModelEntry, snap: Snapshot) -> bytes:
    """The probabilities document, encoded without re-encoding its largest member each time.

    ``probabilities`` (the Monte Carlo result before evidence, most of the document) does not depend on
    the ledger: it is encoded once per model and spliced in as the document's last member, giving the
    very bytes a whole encoding gives.
    """
    if snap.standing is None:
        raise WebError(422, snap.error or "the evidence cannot be combined with the model")
    doc = {"ok": True, **snap.standing.to_dict(prior=False)}
    prior = entry.encoded.get("prior")
    if prior is None:
        prior = _encode(snap.standing.probabilities.to_dict())
        entry.encoded["prior"] = prior
    head = _encode(doc)
    return head[:-1] + b',"probabilities":' + prior + b"}"


ENCODERS: dict[str, Callable[[AppState, ModelEntry, Snapshot], bytes]] = {"probabilities": _probabilities_bytes}
"""Reads whose bytes are put together faster than by encoding their whole document."""


@router.get("/models/{model_id}/timeline", summary="Named-scenario probabilities after each piece of evidence")
async def timeline(request: Request, model_id: str) -> Response:
    return await serve_snapshot(request, model_id, "timeline")


@_json_read("timeline")
def _timeline(state: AppState, entry: ModelEntry, snap: Snapshot) -> dict[str, Any]:
    return {"ok": True, **(snap.timeline.to_dict() if snap.timeline else {})}


@router.get("/models/{model_id}/watch", summary="Unobserved signposts by expected information gain")
async def watch(request: Request, model_id: str) -> Response:
    return await serve_snapshot(request, model_id, "watch")


@_json_read("watch")
def _watch(state: AppState, entry: ModelEntry, snap: Snapshot) -> dict[str, Any]:
    return {
        "ok": True,
        "model": entry.id,
        "method": "expected-information-gain",
        "watch_list": [{**w.to_dict(), "name": entry.signposts[w.signpost].name} for w in snap.watch],
    }


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
async def forecasts(request: Request, model_id: str) -> Response:
    return await serve_snapshot(request, model_id, "forecasts")


@_json_read("forecasts", need_posterior=False)
def _forecasts(state: AppState, entry: ModelEntry, snap: Snapshot) -> dict[str, Any]:
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
    return written(entry, {"evidence": row.to_dict()})


@router.post(
    "/evidence/{evidence_id}/retract",
    summary="Retract evidence (needs the token)",
    responses={**WRITE_RESPONSES, 409: {"model": ErrorOut, "description": "Already retracted"}},
    dependencies=[Depends(write_access)],
)
def post_retract(request: Request, evidence_id: EvidenceId, body: RetractIn | None = None) -> dict[str, Any]:
    state = app_state(request)
    row = retract_evidence(state, evidence_id, body.reason if body else None)
    return written(state.entries[row.model_id], {"evidence": row.to_dict()})

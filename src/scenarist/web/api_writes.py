"""Model-scoped writes of the JSON API, and the API's documentation page (served from here, works offline).

``POST /api/models/{id}/evidence`` and ``.../evidence/{eid}/retract`` mirror the reads under the
same path (the older ``POST /api/evidence`` stays). Forecasts: ``POST /api/models/{id}/forecasts``
adds a question, ``.../forecasts/{qid}/predictions`` records a hand forecast, ``.../resolution``
resolves it. Every write needs the server's token as a Bearer token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scenarist import service
from scenarist.service import EvidenceFields
from scenarist.web.api import WRITE_RESPONSES, EvidenceId, RetractIn, entry_of, write_access, written
from scenarist.web.render import app_state, page
from scenarist.web.security import WebError
from scenarist.web.state import AppState, ModelEntry
from scenarist.web.views import add_evidence, retract_evidence

__all__ = [
    "PredictionIn", "QuestionIn", "ResolutionIn", "add_question", "docs_router", "form_input", "predict", "resolve",
    "router",
]  # fmt: skip

router = APIRouter(prefix="/api", responses=WRITE_RESPONSES, dependencies=[Depends(write_access)])
docs_router = APIRouter(include_in_schema=False)
QuestionId = Annotated[str, Path(min_length=1, max_length=64, description="Id of a question of the model.")]


class QuestionIn(BaseModel):
    """A question to track: one defined in the model (id only), or a hand-entered one (all fields)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")
    text: str | None = Field(default=None, max_length=500, description="The question (hand-entered ones).")
    criteria: str | None = Field(default=None, max_length=2000, description="How it resolves (hand-entered ones).")
    close_date: dt.date | None = Field(default=None, description="When it closes (hand-entered ones).")
    probability: float | None = Field(default=None, ge=0, le=1, description="A first hand forecast, optional.")


class PredictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    probability: float = Field(ge=0, le=1, description="Probability that the question resolves yes.")
    date: dt.date | None = Field(default=None, description="As of (default today).")


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Literal["yes", "no", "annulled"]
    date: dt.date = Field(description="When it resolved.")
    source: str | None = Field(default=None, max_length=500, description="What settled it.")


M = TypeVar("M", bound=BaseModel)


def form_input(model: type[M], values: Mapping[str, object]) -> M:
    """A form's fields checked by the API's rules (empty fields left out); 422 naming the first bad field."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v not in ("", None)})
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(x) for x in first["loc"]) or "form"
        raise WebError(422, f"{field_name}: {first['msg']}") from None


def _question_of(state: AppState, entry: ModelEntry, question_id: str) -> None:
    if question_id not in {q.id for q in state.ledger.list_questions(entry.id)}:
        raise WebError(404, f"no question {question_id!r} is tracked for model {entry.id!r}")


@router.post(
    "/models/{model_id}/evidence",
    status_code=201,
    summary="Add evidence to the model (needs the token)",
    operation_id="add_model_evidence",
)
def post_model_evidence(request: Request, model_id: str, body: EvidenceFields) -> dict[str, Any]:
    state = app_state(request)
    entry = entry_of(request, model_id)
    row = add_evidence(state, entry, body)
    return written(entry, {"evidence": row.to_dict()})


@router.post(
    "/models/{model_id}/evidence/{evidence_id}/retract",
    summary="Retract evidence of the model (needs the token)",
    operation_id="retract_model_evidence",
)
def post_model_retract(
    request: Request, model_id: str, evidence_id: EvidenceId, body: RetractIn | None = None
) -> dict[str, Any]:
    state = app_state(request)
    entry = entry_of(request, model_id)
    row = retract_evidence(state, evidence_id, body.reason if body else None, entry)
    return written(entry, {"evidence": row.to_dict()})


def add_question(state: AppState, entry: ModelEntry, body: QuestionIn) -> None:
    """Track a model question or a hand-entered one (shared by the API and the form); returns once it shows."""
    with state.write_lock:
        service.add_question(
            entry.loaded, state.ledger, body.id, text=body.text, criteria=body.criteria, close=body.close_date,
            probability=body.probability,
        )  # fmt: skip
    entry.changed()


def predict(state: AppState, entry: ModelEntry, question_id: str, body: PredictionIn) -> Any:
    _question_of(state, entry, question_id)
    with state.write_lock:
        forecast = state.ledger.record_forecast(question_id, body.probability, body.date or dt.date.today())
    entry.changed()
    return forecast


def resolve(state: AppState, entry: ModelEntry, question_id: str, body: ResolutionIn) -> Any:
    _question_of(state, entry, question_id)
    with state.write_lock:
        question = state.ledger.resolve(question_id, body.outcome, body.date, body.source)
    entry.changed()
    return question


@router.post("/models/{model_id}/forecasts", status_code=201, summary="Track a question (needs the token)")
def post_question(request: Request, model_id: str, body: QuestionIn) -> dict[str, Any]:
    state = app_state(request)
    entry = entry_of(request, model_id)
    add_question(state, entry, body)
    history = state.ledger.forecasts(body.id)
    return {"ok": True, "question": body.id, "forecasts": [f.to_dict() for f in history]}


@router.post(
    "/models/{model_id}/forecasts/{question_id}/predictions",
    status_code=201,
    summary="Record a hand forecast (needs the token)",
)
def post_prediction(request: Request, model_id: str, question_id: QuestionId, body: PredictionIn) -> dict[str, Any]:
    state = app_state(request)
    f = predict(state, entry_of(request, model_id), question_id, body)
    return {"ok": True, "forecast": f.to_dict()}


@router.post(
    "/models/{model_id}/forecasts/{question_id}/resolution",
    summary="Resolve a question: yes, no or annulled (needs the token)",
)
def post_resolution(request: Request, model_id: str, question_id: QuestionId, body: ResolutionIn) -> dict[str, Any]:
    state = app_state(request)
    q = resolve(state, entry_of(request, model_id), question_id, body)
    return {"ok": True, "question": q.to_dict()}


def _routes(spec: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = body.get("$ref") or next((s.get("$ref") for s in body.get("anyOf", []) if "$ref" in s), None)
            schema = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1]) if ref else None
            rows.append(
                {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                 "parameters": op.get("parameters", []), "body": schema, "write": "token" in op.get("summary", "")}
            )  # fmt: skip
    return rows


@docs_router.api_route("/api/docs", methods=["GET", "HEAD"], response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    """Every API route with its parameters and request body, from the app's own OpenAPI document."""
    spec = request.app.openapi()
    return page(request, "api_docs.html", {"routes": _routes(spec), "title": spec["info"]["title"]})

"""The server-rendered pages, and the forms that write (login, add and retract evidence).

Forms need a logged-in session (401 otherwise) and the session's CSRF token (403 otherwise);
after a write they redirect (303) to the overview, where the new probabilities show.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from scenarist import service
from scenarist.report.charts import charts_available, reliability_chart
from scenarist.service import event_probability, resolved_questions
from scenarist.web.api import EvidenceId, entry_of
from scenarist.web.api_writes import (
    PredictionIn,
    QuestionId,
    QuestionIn,
    ResolutionIn,
    add_question,
    form_input,
    predict,
    resolve,
)
from scenarist.web.front import scenario_name, view_of
from scenarist.web.render import (
    app_state,
    bytes_response,
    current_session,
    gzipped,
    is_writer,
    page,
    set_session_cookie,
    shared_html,
    shared_key,
    shared_page,
    signer,
)
from scenarist.web.security import Session, WebError, same_token
from scenarist.web.state import AppState, ModelEntry, Snapshot, chart
from scenarist.web.views import (
    add_evidence,
    parse_fix,
    parse_scenario_key,
    retract_evidence,
    scenario_key,
    scenario_view,
)

__all__ = ["form_access", "overview_part", "router"]

router = APIRouter(include_in_schema=False)


def form_access(request: Request) -> Session | None:
    """Dependency of every form that writes: a writable ledger (503), writes enabled (403), logged in
    when a token is set (401)."""
    state = app_state(request)
    session = current_session(request)
    if state.ledger.read_only:
        raise WebError(503, state.ledger.read_only_message)
    if state.write_policy == "disabled":
        raise WebError(403, "writes are disabled: the server was started without SCENARIST_TOKEN")
    if state.write_policy == "token" and (session is None or not session.authenticated):
        raise WebError(401, "log in with the server's token to make changes")
    return session


def _check_csrf(request: Request, session: Session | None, token: str) -> None:
    if not signer(request).check_csrf(session, token):
        raise WebError(403, "the form's CSRF token is missing or not valid: reload the page and submit it again")


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def index(request: Request) -> Response:
    return page(request, "index.html", {})


@router.api_route("/models/{model_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def overview(
    request: Request,
    model_id: str,
    added: Annotated[int | None, Query()] = None,
    retracted: Annotated[int | None, Query()] = None,
) -> Response:
    """The overview: for visitors who cannot write, the HTML built with the snapshot (no work here)."""
    state = app_state(request)
    entry = entry_of(request, model_id)
    snap = entry.refresher.current
    session = current_session(request)
    personal = added is not None or retracted is not None or is_writer(state, session)
    if snap is not None and not personal:
        key = shared_key("overview.html", OVERVIEW_KEY)
        body = snap.pages.get(key)
        if body is not None:
            response = bytes_response(
                request, body, snap.pages.get(("gz", *key)), "text/html; charset=utf-8", {"cache-control": "no-store"}
            )
            if session is None:
                set_session_cookie(request, response, Session.new())
            return response
    return await run_in_threadpool(_overview_page, request, entry, added, retracted)


OVERVIEW_KEY = ("overview",)


def _overview_page(request: Request, entry: ModelEntry, added: int | None, retracted: int | None) -> Response:
    state = app_state(request)
    snap = entry.snapshot()
    view = view_of(state, entry, snap)
    if added is not None or retracted is not None:  # a writer's own page, with its flash message
        return page(request, "overview.html", _overview(entry, snap, view, added, retracted))
    return shared_page(
        request, snap.pages, OVERVIEW_KEY, "overview.html", lambda: _overview(entry, snap, view, None, None)
    )


def overview_part(state: AppState, entry: ModelEntry, snap: Snapshot) -> None:
    """The overview's HTML for visitors who cannot write (a part of every snapshot, after the drawn view)."""
    if state.write_policy == "anonymous":
        return  # every visitor may write: each page carries its own CSRF token
    context = _overview(entry, snap, view_of(state, entry, snap), None, None)
    key = shared_key("overview.html", OVERVIEW_KEY)
    body = shared_html(state, f"/models/{entry.id}", "overview.html", context)
    snap.pages[key] = body
    snap.pages[("gz", *key)] = gzipped(body)


def _overview(
    entry: ModelEntry, snap: Snapshot, view: dict[str, Any], added: int | None, retracted: int | None
) -> dict[str, Any]:
    probs = entry.probabilities()
    attractors: list[tuple[str, float, str]] = []
    if snap.posterior is not None:
        dist = snap.posterior.distribution
        order = dist.probabilities.argsort()[::-1][:10]
        for i in order.tolist():
            row = [int(v) for v in dist.indices[i]]
            attractors.append((scenario_key(row), float(dist.probabilities[i]), scenario_name(entry, row)))
    consistent = entry.scenarios.consistent()
    return {
        **view,
        "view_stale": False,
        "entry": entry,
        "model": entry.model,
        "probs": probs,
        "settled": probs.settled_partition(),
        "families": [s for s in entry.model.scenarios if s.kind == "family"],
        "snap": snap,
        "now": dict(snap.posterior.named) if snap.posterior is not None else {},
        "timeline_steps": snap.timeline.steps[-12:] if snap.timeline is not None else (),
        "consistent": consistent[:40],
        "consistent_total": len(consistent),
        "scenario_key": scenario_key,
        "scenario_name": lambda indices: scenario_name(entry, indices),
        "attractors": attractors,
        "watch": snap.watch[:10],
        "assumptions": entry.assumptions().top(10),
        "added": added,
        "retracted": retracted,
        "charts_available": charts_available(),
    }


@router.api_route("/models/{model_id}/scenarios/{key}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def scenario(request: Request, model_id: str, key: str) -> Response:
    entry = entry_of(request, model_id)
    indices = parse_scenario_key(entry, key)
    view = scenario_view(entry, entry.snapshot(), indices)
    context = {"entry": entry, "model": entry.model, "view": view, "name": scenario_name(entry, indices)}
    return page(request, "scenario.html", context)


@router.api_route("/models/{model_id}/model", methods=["GET", "HEAD"], response_class=HTMLResponse)
def model_page(request: Request, model_id: str) -> Response:
    entry = entry_of(request, model_id)
    return page(request, "model.html", {"entry": entry, "model": entry.model, "fixed": {}})


@router.api_route("/models/{model_id}/intervention", methods=["GET", "HEAD"], response_class=HTMLResponse)
def intervention(
    request: Request,
    model_id: str,
    fix: Annotated[list[str], Query(max_length=200)] = [],  # noqa: B006
) -> Response:
    from scenarist.service.analysis import compare_intervention

    entry = entry_of(request, model_id)
    fixed = parse_fix(entry, fix)
    result = compare_intervention(entry.compiled, fixed) if fixed else None
    context = {"entry": entry, "model": entry.model, "fixed": fixed, "result": result, "scenario_key": scenario_key}
    return page(request, "intervention.html", context)


@router.api_route("/models/{model_id}/evidence", methods=["GET", "HEAD"], response_class=HTMLResponse)
def evidence_page(request: Request, model_id: str) -> Response:
    state = app_state(request)
    entry = entry_of(request, model_id)
    rows = state.ledger.list_evidence(entry.id, include_retracted=True)
    context = {"entry": entry, "model": entry.model, "rows": rows[::-1], "today": dt.date.today().isoformat()}
    return page(request, "evidence.html", context)


@router.post("/models/{model_id}/evidence")
def evidence_add(
    request: Request,
    model_id: str,
    session: Annotated[Session | None, Depends(form_access)],
    signpost: Annotated[str, Form(max_length=64)],
    observed: Annotated[str, Form(max_length=8)],
    date: Annotated[str, Form(max_length=32)],
    source: Annotated[str, Form(max_length=500)],
    url: Annotated[str, Form(max_length=2000)] = "",
    reliability: Annotated[str, Form(max_length=32)] = "1",
    note: Annotated[str, Form(max_length=2000)] = "",
    explicit: Annotated[str, Form(max_length=8)] = "no",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _check_csrf(request, session, csrf)
    state = app_state(request)
    entry = entry_of(request, model_id)
    fields = service.evidence_fields(
        {
            "signpost": signpost, "observed": observed, "date": date, "source": source, "url": url.strip() or None,
            "reliability": reliability, "note": note.strip() or None, "explicit": explicit or "no",
        }
    )  # fmt: skip
    row = add_evidence(state, entry, fields)  # returns once the new snapshot (charts too) is published
    return RedirectResponse(f"/models/{entry.id}?added={row.id}", status_code=303)


@router.post("/models/{model_id}/evidence/{evidence_id}/retract")
def evidence_retract(
    request: Request,
    model_id: str,
    evidence_id: EvidenceId,
    session: Annotated[Session | None, Depends(form_access)],
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _check_csrf(request, session, csrf)
    state = app_state(request)
    entry = entry_of(request, model_id)
    retract_evidence(state, evidence_id, reason.strip() or None, entry)
    return RedirectResponse(f"/models/{entry.id}?retracted={evidence_id}", status_code=303)


@router.api_route("/models/{model_id}/forecasts", methods=["GET", "HEAD"], response_class=HTMLResponse)
def forecasts_page(request: Request, model_id: str) -> Response:
    state = app_state(request)
    entry = entry_of(request, model_id)
    snap = entry.snapshot()
    questions = state.ledger.list_questions(entry.id)
    history = {q.id: state.ledger.forecasts(q.id) for q in questions}
    tracked = set(history)
    untracked = [
        (q, event_probability(entry.compiled, snap.posterior.distribution, q) if snap.posterior is not None else None)
        for q in entry.model.forecasts
        if q.id not in tracked
    ]
    report = resolved_questions(state.ledger, entry.id)
    points = tuple((b.mean_forecast, b.observed_frequency, b.count) for b in report.calibration)
    reliability = (
        chart(("reliability", points), lambda: reliability_chart(points, title="Reliability of resolved forecasts"))
        if report.scores
        else None
    )
    context = {
        "entry": entry,
        "model": entry.model,
        "questions": questions,
        "history": history,
        "untracked": untracked,
        "report": report,
        "reliability_chart": reliability,
        "today": dt.date.today().isoformat(),
    }
    return page(request, "forecasts.html", context)


def _form_write(request: Request, session: Session | None, csrf: str, model_id: str) -> ModelEntry:
    _check_csrf(request, session, csrf)
    return entry_of(request, model_id)


@router.post("/models/{model_id}/forecasts")
def question_add(
    request: Request,
    model_id: str,
    session: Annotated[Session | None, Depends(form_access)],
    question_id: Annotated[str, Form(max_length=64)],
    text: Annotated[str, Form(max_length=500)] = "",
    criteria: Annotated[str, Form(max_length=2000)] = "",
    close_date: Annotated[str, Form(max_length=32)] = "",
    probability: Annotated[str, Form(max_length=32)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    entry = _form_write(request, session, csrf, model_id)
    values = {"id": question_id, "text": text, "criteria": criteria, "close_date": close_date,
              "probability": probability}  # fmt: skip
    add_question(app_state(request), entry, form_input(QuestionIn, values))
    return RedirectResponse(f"/models/{entry.id}/forecasts#q-{question_id}", status_code=303)


@router.post("/models/{model_id}/forecasts/{question_id}/predict")
def question_predict(
    request: Request,
    model_id: str,
    question_id: QuestionId,
    session: Annotated[Session | None, Depends(form_access)],
    probability: Annotated[str, Form(max_length=32)],
    date: Annotated[str, Form(max_length=32)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    entry = _form_write(request, session, csrf, model_id)
    predict(
        app_state(request), entry, question_id, form_input(PredictionIn, {"probability": probability, "date": date})
    )
    return RedirectResponse(f"/models/{entry.id}/forecasts#q-{question_id}", status_code=303)


@router.post("/models/{model_id}/forecasts/{question_id}/resolve")
def question_resolve(
    request: Request,
    model_id: str,
    question_id: QuestionId,
    session: Annotated[Session | None, Depends(form_access)],
    outcome: Annotated[str, Form(max_length=16)],
    date: Annotated[str, Form(max_length=32)],
    source: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    entry = _form_write(request, session, csrf, model_id)
    values = {"outcome": outcome, "date": date, "source": source}
    resolve(app_state(request), entry, question_id, form_input(ResolutionIn, values))
    return RedirectResponse(f"/models/{entry.id}/forecasts#scores", status_code=303)


def _local(target: str) -> str:
    """``target`` when it is a path on this site, else ``/`` (no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 500:
        return target
    return "/"


@router.api_route("/login", methods=["GET", "HEAD"], response_class=HTMLResponse)
def login_form(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    return page(request, "login.html", {"next": _local(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    state = app_state(request)
    _check_csrf(request, current_session(request), csrf)
    if state.token is None:
        raise WebError(403, "this server has no token: " + (
            "anyone may write, no login is needed" if state.allow_anonymous_writes else "writes are disabled"
        ))  # fmt: skip
    if not same_token(token, state.token):
        return page(request, "login.html", {"next": _local(next), "error": "That token is not valid."}, status=403)
    response = RedirectResponse(_local(next), status_code=303)
    set_session_cookie(request, response, Session.new(authenticated=True))  # a new id: no session fixation
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    _check_csrf(request, current_session(request), csrf)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, Session.new())
    return response

"""The news review page: proposed evidence with how the odds would move, and the forms that decide.

Accepting records evidence through the same path as ``scenarist news accept``; rejecting and
deferring keep the decision on record. Forms need write access and the session's CSRF token,
exactly as the evidence forms do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scenarist.news import service as news
from scenarist.news.service import Proposal
from scenarist.web.api import entry_of, snapshot_of
from scenarist.web.pages import _check_csrf, form_access
from scenarist.web.render import app_state, page
from scenarist.web.security import Session, WebError

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
ProposalId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.api_route("/models/{model_id}/news", methods=["GET", "HEAD"], response_class=HTMLResponse)
def news_page(request: Request, model_id: str) -> Response:
    state = app_state(request)
    entry = entry_of(request, model_id)
    proposals = news.proposals(state.ledger, entry.id, ("open", "deferred"))
    decided = news.proposals(state.ledger, entry.id, ("accepted", "rejected"))[:50]
    snap = snapshot_of(state, entry)
    posterior = snap.posterior
    moves = {m.proposal_id: m for m in news.odds_move(entry.compiled, posterior, proposals)} if posterior else {}
    context = {
        "entry": entry,
        "model": entry.model,
        "proposals": proposals,
        "decided": decided,
        "moves": moves,
        "named": list(entry.compiled.named_ids),
    }
    return page(request, "news.html", context)


def _proposal(request: Request, model_id: str, proposal_id: int) -> Proposal:
    state = app_state(request)
    entry = entry_of(request, model_id)
    found = [p for p in news.proposals(state.ledger, entry.id, ("open", "deferred")) if p.id == proposal_id]
    if not found:
        raise WebError(404, f"no open proposal {proposal_id} for model {entry.id!r}")
    return found[0]


@router.post("/models/{model_id}/news/{proposal_id}/accept")
def news_accept(
    request: Request,
    model_id: str,
    proposal_id: ProposalId,
    session: Annotated[Session | None, Depends(form_access)],
    observed: Annotated[str, Form(pattern="^(yes|no)$")] = "yes",
    reliability: Annotated[float | None, Form(ge=0.0, le=1.0)] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _check_csrf(request, session, csrf)
    state = app_state(request)
    entry = entry_of(request, model_id)
    _proposal(request, model_id, proposal_id)
    prior = entry.forecast_prior()
    with state.write_lock:
        done = news.accept(
            state.ledger, entry.loaded, proposal_id, observed=observed == "yes", reliability=reliability, prior=prior
        )
    entry.changed()  # the accepted evidence shows on the next read
    return RedirectResponse(f"/models/{entry.id}/news?accepted={done.id}", status_code=303)


def _decide(
    request: Request, model_id: str, proposal_id: int, session: Session | None, csrf: str, how: str
) -> Response:
    _check_csrf(request, session, csrf)
    state = app_state(request)
    entry = entry_of(request, model_id)
    _proposal(request, model_id, proposal_id)
    with state.write_lock:
        news.decide(state.ledger, proposal_id, how)
    return RedirectResponse(f"/models/{entry.id}/news?{how}={proposal_id}", status_code=303)


@router.post("/models/{model_id}/news/{proposal_id}/reject")
def news_reject(
    request: Request,
    model_id: str,
    proposal_id: ProposalId,
    session: Annotated[Session | None, Depends(form_access)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    return _decide(request, model_id, proposal_id, session, csrf, "rejected")


@router.post("/models/{model_id}/news/{proposal_id}/defer")
def news_defer(
    request: Request,
    model_id: str,
    proposal_id: ProposalId,
    session: Annotated[Session | None, Depends(form_access)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    return _decide(request, model_id, proposal_id, session, csrf, "deferred")

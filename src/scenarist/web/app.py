"""The FastAPI application: pages, the JSON API, static files, error handling and guards."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from scenarist import __version__
from scenarist.news.poller import Poller
from scenarist.web import api, api_writes, editor, front, news, pages
from scenarist.web.config import Settings
from scenarist.web.contract import install_contract
from scenarist.web.errors import install_error_handlers
from scenarist.web.security import BodyLimit, SecurityHeaders, SessionSigner, Throttle, ThrottleGuard
from scenarist.web.state import AppState

__all__ = ["build_app"]

STATIC = Path(__file__).parent / "static"


def build_app(
    models: Sequence[str | Path],
    db: str | None,
    token: str | None,
    allow_anonymous_writes: bool,
    settings: Settings,
) -> FastAPI:
    """Load the models and open the ledger now (errors surface before serving); close it at shutdown."""
    state = AppState(models, db, token, allow_anonymous_writes, settings)
    editor.register_paths(state, models)
    state.parts.extend([api.json_part, front.view_part, pages.overview_part])  # what each snapshot holds, in order

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.warm:
            threading.Thread(target=state.warm, name="scenarist-warm", daemon=True).start()
        poller = None
        if settings.poll_news is not None:
            models = [entry.model for entry in state.entries.values()]
            poller = Poller(state.ledger, models, settings.poll_news, lock=state.write_lock)
            poller.start()
        try:
            yield
        finally:
            if poller is not None:
                poller.stop()
            state.close()

    app = FastAPI(
        title="Scenarist",
        version=__version__,
        summary="Scenario analysis as code: probabilities, signposts, evidence and forecasts of CIB models.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive viewers load scripts from the internet
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.scenarist = state
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(api_writes.router)
    app.include_router(api_writes.docs_router)
    app.include_router(pages.router)
    app.include_router(news.router)
    app.include_router(editor.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_contract(app, state)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    signer = SessionSigner(state.secret, settings.session_max_age)
    app.add_middleware(ThrottleGuard, throttle=Throttle(settings.max_failures, settings.failure_window), signer=signer)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so refusals carry the headers too
    return app

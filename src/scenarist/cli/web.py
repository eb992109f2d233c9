"""``scenarist serve``: the web app (pages and JSON API) over the models named and the ledger."""

from __future__ import annotations

import errno
import os
import socket
from typing import Annotated

import typer

from scenarist.cli._app import app, err, guarded
from scenarist.errors import EngineError, MissingExtraError
from scenarist.limits import check_search_space

__all__ = ["serve"]

TOKEN_ENV = "SCENARIST_TOKEN"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
MIN_TOKEN_LENGTH = 16


def _check_models(refs: list[str]) -> None:
    """Refuse, before anything starts, a model whose scenario space no exact search can cover."""
    from scenarist.model import compile_model, load_model

    choices: list[str | None] = [*refs] or [None]
    for ref in choices:
        compiled = compile_model(load_model(ref))
        check_search_space(compiled.scenario_space, f"model {compiled.id!r}")


def _check_port_free(host: str, port: int) -> None:
    """Say plainly that the port is taken (or the address unusable) instead of a server traceback."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise EngineError(f"cannot listen on {host}: {exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise EngineError(f"port {port} on {host} is busy: another program listens there; use --port") from None
            raise EngineError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


@app.command()
@guarded
def serve(
    models: Annotated[
        list[str] | None,
        typer.Argument(metavar="MODEL", help="Model files or bundled model names (default: the bundled model)."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", envvar="SCENARIST_DB", help="Ledger: SQLite path or database URL (default: user data dir)."
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    allow_anonymous_writes: Annotated[
        bool,
        typer.Option("--allow-anonymous-writes", help=f"Accept writes without a token when {TOKEN_ENV} is not set."),
    ] = False,
    draws: Annotated[int, typer.Option("--draws", help="Monte Carlo draws of the cached probabilities.")] = 4_000,
    assumption_draws: Annotated[
        int, typer.Option("--assumption-draws", help="Draws per shifted judgment for the key assumptions.")
    ] = 1_000,
    allow_short_token: Annotated[
        bool, typer.Option("--allow-short-token", help=f"Accept a {TOKEN_ENV} shorter than 16 characters.")
    ] = False,
    poll_news: Annotated[
        str | None,
        typer.Option(
            "--poll-news",
            metavar="INTERVAL",
            envvar="SCENARIST_POLL_NEWS",
            help="Poll the registered news feeds every INTERVAL (e.g. 30m, 2h; at least 1m) while serving.",
        ),
    ] = None,
) -> None:
    """Serve the dashboard and the JSON API. Reading is open; writes need the token in $SCENARIST_TOKEN."""
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as exc:
        raise MissingExtraError("fastapi", "web") from exc
    from scenarist.web import Settings, create_app

    if not 0 < port < 65536:
        raise EngineError(f"--port must be between 1 and 65535, got {port}")
    if draws <= 0 or assumption_draws <= 0:
        raise EngineError("--draws and --assumption-draws must be positive")
    token = os.environ.get(TOKEN_ENV) or None
    if token is not None and len(token) < MIN_TOKEN_LENGTH and not allow_short_token:
        raise EngineError(
            f"{TOKEN_ENV} has {len(token)} characters; use at least {MIN_TOKEN_LENGTH} "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))') or pass --allow-short-token"
        )
    from scenarist.news.poller import parse_interval

    interval = parse_interval(poll_news) if poll_news is not None else None
    _check_models(models or [])
    _check_port_free(host, port)
    settings = Settings(draws=draws, assumption_draws=assumption_draws, warm=True, poll_news=interval)
    web_app = create_app(models or [], db, token, allow_anonymous_writes, settings=settings)
    state = web_app.state.scenarist
    if token is not None:
        writes = "writes need the token"
    elif allow_anonymous_writes:
        writes = "ANYONE who can reach the server may write"
    else:
        writes = f"read-only (set {TOKEN_ENV} to allow writes)"
    err.print(f"serving {', '.join(state.entries)} from ledger {state.ledger.url}; {writes}", markup=False)
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        err.print(f"warning: {TOKEN_ENV} is shorter than {MIN_TOKEN_LENGTH} characters and easy to guess", markup=False)
    if host not in LOOPBACK and token is None and allow_anonymous_writes:
        err.print(f"warning: anonymous writes on {host}, reachable beyond this machine", markup=False)
    if interval is not None:
        err.print(f"polling the registered news feeds every {interval:g} s", markup=False)
    err.print(f"open http://{host}:{port}/", markup=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning", server_header=False)

"""The web app served by uvicorn on a free loopback port in a thread, for the tests that need a real server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

__all__ = ["free_port", "local_page", "serve_app"]


def free_port() -> int:
    """A loopback port nobody listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve_app(app: Any, name: str = "uvicorn-test") -> Iterator[str]:
    """Serve ``app`` (lifespan on) until the block ends; yields its base URL. Fails if it does not start in 30 s."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=15)
    assert not thread.is_alive(), "the test server did not stop"


@contextmanager
def local_page(browser: Any, base: str, timeout_ms: int = 30_000) -> Iterator[Any]:
    """A 1,280 × 900 page of ``browser`` that must request nothing but ``base`` (and data: URLs)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else outside.append(r.url))
    page.set_default_timeout(timeout_ms)
    try:
        yield page
    finally:
        context.close()
    assert not outside, f"the page reached outside the server: {outside}"

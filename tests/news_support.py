"""Shared pieces of the news tests: feed documents, a loopback HTTP server with misbehaving routes,
and ledgers on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

PG_ENV = "SCENARIST_TEST_PG_URL"

ITEMS = [
    (
        "Treasury imposes sweeping sanctions on Rosneft and Lukoil",
        "The U.S. Treasury sanctioned Russia's two largest oil companies in response to Moscow's stance in the talks.",
        "https://news.example/sanctions",
        "Wed, 22 Oct 2025 10:00:00 GMT",
    ),
    (
        "Washington and Brussels agree tariff truce",
        "The United States and the European Union announced a deal to lower tariffs on cars and industrial goods.",
        "https://news.example/trade",
        "Mon, 09 Feb 2026 09:00:00 GMT",
    ),
    (
        "Local football club wins the cup",
        "The home side won 2-1 after extra time.",
        "https://news.example/football",
        "Sat, 14 Mar 2026 18:00:00 GMT",
    ),
]


def rss(items: list[tuple[str, str, str, str]] = ITEMS, title: str = "Example Wire") -> bytes:
    """An RSS 2.0 document with the given (title, summary, link, RFC 822 date) items."""
    body = "".join(
        f"<item><title>{t}</title><description>{d}</description><link>{u}</link><guid>{u}</guid>"
        f"<pubDate>{p}</pubDate></item>"
        for t, d, u, p in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://news.example/</link><description>d</description>{body}</channel></rss>"
    ).encode()


@dataclass
class FeedServer:
    """A loopback server: /feed.xml (with ETag and Last-Modified), /slow.xml, /broken.xml, /error.xml,
    /huge.xml (declared length) and /endless.xml (no length, streamed past any limit)."""

    base: str
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    feed: bytes = field(default_factory=rss)
    etag: str = '"v1"'
    last_modified: str = "Wed, 22 Oct 2025 12:00:00 GMT"


def _handler(state: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with suppress(BrokenPipeError):  # the client gave up (a timeout, or the app shutting down)
                self.wfile.write(body)

        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers.items())))
            if self.path == "/feed.xml":
                if self.headers.get("If-None-Match") == state.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self._send(
                    200,
                    state.feed,
                    {"ETag": state.etag, "Last-Modified": state.last_modified, "Content-Type": "application/rss+xml"},
                )
            elif self.path == "/slow.xml":
                time.sleep(3)
                self._send(200, state.feed)
            elif self.path == "/broken.xml":
                self._send(200, b"this is not a feed { at all")
            elif self.path == "/error.xml":
                self._send(500, b"internal error")
            elif self.path == "/huge.xml":
                self._send(200, b"<rss>" + b" " * 2_000_000 + b"</rss>")
            elif self.path == "/endless.xml":
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for _ in range(500):
                        self.wfile.write(b"<!-- padding -->" * 4096)
                except OSError:
                    pass
            else:
                self._send(404, b"not found")

    return Handler


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(FeedServer("")))
    state = FeedServer(f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.RequestHandlerClass = _handler(state)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="feed-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@contextmanager
def ledger_location(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh ledger location: a SQLite file, or a new schema in the PostgreSQL test database."""
    if kind == "sqlite":
        yield str(tmp_path / "ledger.sqlite")
        return
    base = os.environ.get(PG_ENV)
    if not base:
        message = f"PostgreSQL backend not tested: set {PG_ENV}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    schema = f"news_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            conn.commit()
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.commit()
        engine.dispose()

"""Polling feeds from a real HTTP server on loopback: conditional requests, a slow, a broken and a huge feed."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from news_support import FeedServer, feed_server, rss
from scenarist.evidence import Ledger, NewsStore, open_ledger
from scenarist.model import load_model
from scenarist.news import NewsError
from scenarist.news.fetch import USER_AGENT, fetch
from scenarist.news.service import add_source, poll_feeds

MODEL = load_model("us-russia-2025")
FETCH = functools.partial(fetch, timeout=0.5, max_bytes=200_000)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as srv:
        yield srv


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(tmp_path / "ledger.sqlite") as opened:
        yield opened


def test_fetch_sends_validators_and_understands_not_modified(server: FeedServer) -> None:
    got = fetch(f"{server.base}/feed.xml")
    assert not got.not_modified and got.etag == '"v1"' and got.body == server.feed
    again = fetch(f"{server.base}/feed.xml", etag=got.etag, last_modified=got.last_modified)
    assert again.not_modified and again.body == b""
    _, headers = server.requests[-1]
    assert headers["If-None-Match"] == '"v1"' and headers["If-Modified-Since"] == server.last_modified
    assert headers["User-Agent"] == USER_AGENT


@pytest.mark.parametrize(
    ("path", "message"),
    [("/slow.xml", r"no answer within 0.5 s"), ("/error.xml", r"HTTP 500"), ("/missing.xml", r"HTTP 404"),
     ("/huge.xml", r"\(2000011 bytes\) is larger than the limit of 200000"),
     ("/endless.xml", r"larger than the limit of 200000 bytes")],
)  # fmt: skip
def test_fetch_failures_are_clear(server: FeedServer, path: str, message: str) -> None:
    start = time.monotonic()
    with pytest.raises(NewsError, match=message):
        FETCH(f"{server.base}{path}")
    assert time.monotonic() - start < 2.5


def test_a_refused_connection_is_a_news_error() -> None:
    with feed_server() as gone:
        base = gone.base
    with pytest.raises(NewsError, match="ConnectError"):
        FETCH(f"{base}/feed.xml")


def test_polling_stores_new_items_once_and_uses_conditional_requests(server: FeedServer, ledger: Ledger) -> None:
    store = NewsStore(ledger)
    feed = store.add_feed(f"{server.base}/feed.xml", "Example Wire", 0.8)
    [first] = poll_feeds(ledger, [MODEL], fetcher=FETCH)
    assert first.error is None and first.added is not None and first.added.stored == 3
    assert {p.signpost_id for p in first.added.proposals} >= {"new_us_sanctions", "us_eu_trade_deal"}
    assert all(p.item.reliability == 0.8 and p.item.feed_id == feed.id for p in first.added.proposals)
    assert store.list_feeds()[0].etag == '"v1"'
    [second] = poll_feeds(ledger, [MODEL], fetcher=FETCH)
    assert second.not_modified and second.added is None
    assert server.requests[-1][1]["If-None-Match"] == '"v1"'
    server.etag = '"v2"'  # the server's copy changed (same items): stored once only
    [third] = poll_feeds(ledger, [MODEL], fetcher=FETCH)
    assert third.added is not None and third.added.stored == 0 and third.added.skipped == 3
    assert len(store.list_items()) == 3


def test_failing_feeds_lose_nothing_and_do_not_stop_the_others(server: FeedServer, ledger: Ledger) -> None:
    store = NewsStore(ledger)
    good = store.add_feed(f"{server.base}/feed.xml", "Good")
    poll_feeds(ledger, [MODEL], fetcher=FETCH)
    before = store.list_items()
    for path in ("/slow.xml", "/broken.xml", "/huge.xml", "/endless.xml", "/error.xml"):
        store.add_feed(f"{server.base}{path}", path)
    server.etag = '"v2"'
    reports = poll_feeds(ledger, [MODEL], fetcher=FETCH)
    errors = {r.feed.name: r.error for r in reports}
    assert errors["Good"] is None
    assert "no answer within" in str(errors["/slow.xml"]) and "not a" in str(errors["/broken.xml"])
    assert "larger than the limit" in str(errors["/huge.xml"]) and "HTTP 500" in str(errors["/error.xml"])
    assert "larger than the limit" in str(errors["/endless.xml"])
    assert store.list_items() == before
    feeds = {f.name: f for f in store.list_feeds()}
    assert feeds["/broken.xml"].last_error is not None and feeds["Good"].last_error is None
    assert feeds[good.name].etag == '"v2"'


def test_add_source_by_url(server: FeedServer, ledger: Ledger) -> None:
    server.feed = rss(title="Renamed Wire")
    report = add_source(ledger, f"{server.base}/feed.xml", [MODEL], fetcher=FETCH)
    assert report.source == "Renamed Wire" and report.stored == 3 and report.proposals
    with pytest.raises(NewsError, match="HTTP 500"):
        add_source(ledger, f"{server.base}/error.xml", [MODEL], fetcher=FETCH)

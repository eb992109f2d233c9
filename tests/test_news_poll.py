"""Polling the registered feeds from the served app on an interval, against a real feed server on loopback."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.served import free_port, serve_app
from typer.testing import CliRunner

from news_support import ITEMS, FeedServer, feed_server, rss
from scenarist.cli import app
from scenarist.errors import InputError
from scenarist.evidence import NewsStore, open_ledger
from scenarist.model import load_model
from scenarist.news.fetch import Fetched
from scenarist.news.poller import Poller, parse_interval
from scenarist.web import Settings, create_app

MODEL = "us-russia-2025"
INTERVAL = 0.3
NEW_ITEM = (
    "China raises tariffs on all American goods to 84%",
    "Beijing's tariff commission said the higher duties on U.S. imports take effect on Thursday.",
    "https://news.example/china-tariffs",
    "Thu, 15 May 2025 08:00:00 GMT",
)


def _wait_for(check: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds:g} s: {what}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, FeedServer, str]]:
    """The app with news polling every INTERVAL seconds, over a ledger with a good and a broken feed."""
    db = str(tmp_path / "ledger.sqlite")
    with feed_server() as feeds:
        with open_ledger(db) as ledger:
            store = NewsStore(ledger)
            store.add_feed(f"{feeds.base}/feed.xml", "Example Wire", 0.8)
            store.add_feed(f"{feeds.base}/broken.xml", "Broken Wire", 0.5)
        app_ = create_app([MODEL], db, None, False, settings=Settings(draws=500, poll_news=INTERVAL))
        with serve_app(app_, "uvicorn-news-poll-test") as url:
            yield url, feeds, db


def test_served_app_picks_up_a_new_feed_item_within_the_interval(
    served: tuple[str, FeedServer, str], caplog: pytest.LogCaptureFixture
) -> None:
    base, feeds, db = served
    caplog.set_level(logging.WARNING, logger="scenarist.news")
    page = f"{base}/models/{MODEL}/news"
    # the first round runs at start-up: the feed's items are proposed, the broken feed is logged; the first
    # read waits for the app's first snapshot (several seconds on a loaded machine), not for the poll
    httpx.get(page, timeout=60)
    _wait_for(
        lambda: "Rosneft" in httpx.get(page, timeout=30).text, 10, "the first poll's proposals on the review page"
    )
    assert NEW_ITEM[0] not in httpx.get(page).text
    _wait_for(lambda: any("Broken Wire" in r.getMessage() for r in caplog.records), 5, "the broken feed logged")
    polls_before = sum(path == "/feed.xml" for path, _ in feeds.requests)

    feeds.feed = rss([*ITEMS, NEW_ITEM])  # the feed gains an item
    feeds.etag = '"v2"'
    published = time.monotonic()
    _wait_for(lambda: NEW_ITEM[0] in httpx.get(page, timeout=30).text, 10, "the new item on the review page")
    assert time.monotonic() - published < 10 * INTERVAL + 2
    row = httpx.get(page).text.split(NEW_ITEM[0])[0].rsplit("<tr", 1)[1]
    assert "U.S.-China tariff escalation" in row

    # polite: later rounds send the validators and the server answers 304 for an unchanged feed
    # the broken feed is polled in the same rounds, so look through every later request, not only the newest
    _wait_for(
        lambda: any(path == "/feed.xml" and h.get("If-None-Match") == '"v2"' for path, h in list(feeds.requests)),
        10,
        "a conditional request",
    )
    assert sum(path == "/feed.xml" for path, _ in feeds.requests) > polls_before
    assert httpx.get(f"{base}/models/{MODEL}/evidence", timeout=30).status_code == 200  # still serving
    with open_ledger(db) as ledger:
        by_name = {f.name: f for f in NewsStore(ledger).list_feeds()}
        assert by_name["Broken Wire"].last_error is not None
        assert by_name["Example Wire"].last_error is None and by_name["Example Wire"].etag == '"v2"'
        assert len([i for i in NewsStore(ledger).list_items() if i.title == NEW_ITEM[0]]) == 1


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800.0), ("2h", 7200.0), ("1d", 86400.0), ("90", 90.0),
                                              (" 1.5h ", 5400.0), ("60s", 60.0)])  # fmt: skip
def test_parse_interval(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize(("text", "message"), [("10s", "at least 60 seconds"), ("soon", "expected a number"),
                                               ("5 weeks", "expected a number"), ("0m", "at least 60")])  # fmt: skip
def test_parse_interval_refuses(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_interval(text)


def test_serve_refuses_an_impolite_interval_before_starting() -> None:
    result = CliRunner().invoke(app, ["serve", "--poll-news", "5s", "--port", str(free_port())])
    assert result.exit_code != 0
    assert "poll interval '5s': at least 60 seconds" in result.output


def test_a_round_that_fails_is_logged_and_the_next_round_still_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    def flaky(url: str, **_: object) -> Fetched:
        calls.append(url)
        if len(calls) == 1:
            raise RuntimeError("the first round breaks")
        return Fetched(url, rss(), '"v1"', None, False)

    caplog.set_level(logging.ERROR, logger="scenarist.news")
    with open_ledger(tmp_path / "ledger.sqlite") as ledger:
        NewsStore(ledger).add_feed("https://wire.example/feed.xml", "Example Wire", 0.8)
        poller = Poller(ledger, [load_model(MODEL)], 0.05, fetcher=flaky)
        poller.start()
        try:
            _wait_for(lambda: len(NewsStore(ledger).list_items()) == 3, 10, "the second round's items")
        finally:
            poller.stop()
        assert not poller.running
    assert any("polling the news feeds failed" in r.getMessage() for r in caplog.records)
    assert len(calls) >= 2


def test_a_poller_needs_a_positive_interval(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "ledger.sqlite") as ledger, pytest.raises(InputError, match="must be positive"):
        Poller(ledger, [], 0)

"""The news review page in headless Chromium: log in, see proposals with the odds they would move, decide."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from scenarist.evidence import NewsStore, open_ledger
from scenarist.evidence.news_store import NewsItemInput
from scenarist.model import load_model
from scenarist.news.service import propose
from scenarist.news.text import text_key
from scenarist.web import Settings, create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
MODEL = "us-russia-2025"
TOKEN = "news-browser-token-71aa"

if not CHROMIUM.exists():
    reason = "Debian's chromium package is not installed (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402

ITEMS = [
    ("Treasury imposes sweeping sanctions on Rosneft and Lukoil",
     "The U.S. Treasury announced a package of sanctions on Russian oil companies in response to the war.",
     "https://wire.example/sanctions", dt.date(2025, 10, 22)),
    ("US and EU strike deal capping tariffs at 15%",
     "Washington and the European Union announced an agreement that caps the tariffs on each other's goods.",
     "https://wire.example/trade", dt.date(2025, 7, 27)),
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = str(tmp_path_factory.mktemp("news-browser") / "ledger.sqlite")
    with open_ledger(db) as ledger:
        rows = [NewsItemInput("Capital Wire", t, s, text_key(t, s), url=u, published=d, reliability=0.9)
                for t, s, u, d in ITEMS]  # fmt: skip
        stored, _ = NewsStore(ledger).add_items(rows)
        assert {p.signpost_id for p in propose(ledger, [load_model(MODEL)], stored)} >= {
            "new_us_sanctions", "us_eu_trade_deal"}  # fmt: skip
    app = create_app([MODEL], db, TOKEN, False, settings=Settings(draws=1_500, assumption_draws=30))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, name="uvicorn-news-test", daemon=True)
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


@pytest.fixture()
def page(base: str) -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            pg = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            pg.set_default_timeout(20_000)
            yield pg
        finally:
            browser.close()


def test_review_page_accepts_and_rejects(page: Page, base: str) -> None:
    pg = page
    pg.goto(f"{base}/models/{MODEL}/evidence")  # the page header links to the review page
    pg.locator("header nav").get_by_role("link", name="News").click()
    pg.wait_for_url(f"{base}/models/{MODEL}/news")
    assert pg.locator("header nav a.current").inner_text() == "News"
    assert pg.locator("form[action$='/accept']").count() == 0  # not logged in: no forms
    assert "Log in" in pg.locator(".note").inner_text()
    sanctions = pg.locator("#proposals-table tr", has_text="Rosneft")
    odds = sanctions.locator("td.odds").inner_text()
    assert "→" in odds and "%" in odds  # how the odds would move

    pg.goto(f"{base}/login?next=/models/{MODEL}/news")
    pg.fill("#token", TOKEN)
    pg.get_by_role("button", name="Log in").click()
    pg.wait_for_url(f"{base}/models/{MODEL}/news")

    sanctions = pg.locator("#proposals-table tr", has_text="Rosneft")
    sanctions.get_by_label("reliability").fill("0.7")
    sanctions.get_by_role("button", name="Accept").click()
    pg.wait_for_url(f"{base}/models/{MODEL}/news?accepted=*")
    assert pg.locator("#proposals-table tr", has_text="Rosneft").count() == 0
    decided = pg.locator("#decided-table").inner_text()
    assert "accepted" in decided and "evidence #1" in decided

    pg.locator("#proposals-table tr", has_text="tariffs").get_by_role("button", name="Reject").click()
    pg.wait_for_url(f"{base}/models/{MODEL}/news?rejected=*")
    assert "rejected" in pg.locator("#decided-table").inner_text()

    pg.goto(f"{base}/models/{MODEL}/evidence")
    table = pg.locator("#evidence-table").inner_text()
    assert "Capital Wire: Treasury imposes sweeping sanctions" in table and "0.7" in table

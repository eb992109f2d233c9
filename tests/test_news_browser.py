"""The news review page in headless Chromium: log in, see proposals with the odds they would move, decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from tests.served import serve_app

from scenarist.evidence import NewsStore, open_ledger
from scenarist.evidence.news_store import NewsItemInput
from scenarist.model import load_model
from scenarist.news.service import propose
from scenarist.news.text import text_key
from scenarist.web import Settings, create_app

MODEL = "us-russia-2025"
TOKEN = "news-browser-token-71aa"


ITEMS = [
    ("Treasury imposes sweeping sanctions on Rosneft and Lukoil",
     "The U.S. Treasury announced a package of sanctions on Russian oil companies in response to the war.",
     "https://wire.example/sanctions", dt.date(2025, 10, 22)),
    ("US and EU strike deal capping tariffs at 15%",
     "Washington and the European Union announced an agreement that caps the tariffs on each other's goods.",
     "https://wire.example/trade", dt.date(2025, 7, 27)),
]  # fmt: skip


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
    with serve_app(app, "uvicorn-news-test") as url:
        yield url


@pytest.fixture()
def page(chromium: Browser, base: str) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    try:
        yield pg
    finally:
        context.close()


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

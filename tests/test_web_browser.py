"""The real page in a real browser: headless Chromium (the system's package) driven by Playwright.

A uvicorn server runs in a thread on a free loopback port, over a temporary SQLite ledger and
a token. The browser logs in, adds evidence through the form and sees the probability on the
overview change, then retracts it and sees it change back. A screenshot of the overview is
kept under ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page
from tests.served import local_page, serve_app

from conftest import ARTIFACTS
from scenarist.model.load import load_model
from scenarist.web import Settings, create_app

MODEL = "us-russia-2025"
TOKEN = "browser-test-token-4f1c"
XSS = "<script>alert('x')</script>"
XSS_MODEL = f"""
scenarist: 1
id: xss_probe
title: "{XSS}"
descriptors:
  - id: a
    name: "<img src=x onerror=alert(1)>"
    variants: [{{id: a1, name: "{XSS}"}}, {{id: a2, name: a2}}]
  - id: b
    name: b
    variants: [{{id: b1, name: b1}}, {{id: b2, name: "{XSS}"}}]
judgments:
  - {{from: a.a1, to: b.b1, impact: 2, rationale: "{XSS}"}}
  - {{from: b.b1, to: a.a1, impact: 2}}
scenarios:
  - {{id: one, name: "{XSS}", variants: {{a: a1}}}}
signposts:
  - {{id: sp, name: "{XSS}", observation: "{XSS}", descriptor: a, likelihoods: {{a1: 0.9, a2: 0.1}}}}
"""


@dataclass(frozen=True)
class Server:
    base: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    xss = tmp / "xss.yaml"
    xss.write_text(XSS_MODEL, encoding="utf-8")
    settings = Settings(draws=1_500, assumption_draws=30)
    app = create_app([MODEL, xss], str(tmp / "ledger.sqlite"), TOKEN, False, settings=settings)
    with serve_app(app, "uvicorn-test") as url:
        yield Server(url)


@pytest.fixture()
def page(chromium: Browser, server: Server) -> Iterator[Page]:
    dialogs: list[str] = []
    with local_page(chromium, server.base, timeout_ms=20_000) as pg:
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        yield pg
    assert not dialogs, f"a script ran in the page: {dialogs}"


def _now(pg: Page, named: str = "partnership") -> str:
    text: str = pg.locator(f"#now-{named}").inner_text()
    return text.strip()


def test_evidence_added_through_the_form_moves_the_overview_and_retraction_restores_it(
    page: Page, server: Server
) -> None:
    pg = page
    pg.goto(f"{server.base}/models/{MODEL}")
    assert "U.S.-Russia" in pg.locator("h1").inner_text()
    before = _now(pg)
    assert before.endswith("%")

    pg.get_by_role("link", name="Log in to make changes").click()
    pg.fill("#token", TOKEN)
    pg.get_by_role("button", name="Log in").click()
    pg.wait_for_url(f"{server.base}/models/{MODEL}")
    assert pg.get_by_text("logged in").is_visible()

    pg.get_by_role("link", name="Evidence", exact=True).click()
    form = pg.locator("#evidence-form")
    form.locator("#signpost").select_option("washington_blames_moscow")
    form.get_by_label("observed", exact=True).check()
    form.locator("#date").fill("2025-06-01")
    form.locator("#source").fill("Press conference transcript")
    form.locator("#url").fill("https://example.org/transcript")
    form.locator("#reliability").fill("0.9")
    form.get_by_role("button", name="Add evidence").click()

    pg.wait_for_url(f"{server.base}/models/{MODEL}?added=*")
    assert "recorded" in pg.locator("#flash").inner_text()
    after = _now(pg)
    assert after != before
    assert float(after.rstrip(" %")) < float(before.rstrip(" %"))
    assert pg.locator("#timeline-chart svg").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "web-overview.png"), full_page=True)
    assert (ARTIFACTS / "web-overview.png").stat().st_size > 10_000

    pg.get_by_role("link", name="Evidence", exact=True).click()
    row = pg.locator("#evidence-table tr", has_text="Press conference transcript")
    row.get_by_label("reason").fill("entered twice")
    row.get_by_role("button", name="Retract").click()
    pg.wait_for_url(f"{server.base}/models/{MODEL}?retracted=*")
    assert _now(pg) == before

    pg.get_by_role("link", name="Evidence", exact=True).click()
    assert "retracted: entered twice" in pg.locator("#evidence-table").inner_text()


def test_a_form_without_a_login_is_refused(page: Page, server: Server) -> None:
    pg = page
    pg.goto(f"{server.base}/models/{MODEL}/evidence")
    assert pg.locator("#evidence-form").count() == 0
    assert pg.get_by_role("link", name="Log in").first.is_visible()


def test_scenario_page_shows_the_impact_diagram(page: Page, server: Server) -> None:
    pg = page
    pg.goto(f"{server.base}/models/{MODEL}")
    pg.locator("#consistent-table a").first.click()  # the consistent scenarios, named by family
    assert pg.locator(".diagram svg path.pos").count() > 0
    assert pg.locator(".card.balance").count() == len(load_model(MODEL).descriptors)


def test_intervention_form_shows_the_surviving_scenarios(page: Page, server: Server) -> None:
    pg = page
    pg.goto(f"{server.base}/models/{MODEL}/model")
    pg.locator("#fix-talks").select_option("talks=collapsed")
    pg.get_by_role("button", name="Show which scenarios survive").click()
    assert "survive" in pg.locator("#intervention-summary").inner_text()


def test_markup_in_a_model_is_shown_as_text(page: Page, server: Server) -> None:
    pg = page
    for path in ["/models/xss_probe", "/models/xss_probe/model", "/models/xss_probe/scenarios/0-0", "/"]:
        pg.goto(server.base + path)
        assert pg.locator("script").count() == 0
        assert pg.locator("img").count() == 0
    pg.goto(server.base + "/models/xss_probe")
    assert pg.locator("h1").inner_text() == XSS

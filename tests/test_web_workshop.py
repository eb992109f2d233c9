"""The web app as a workshop uses it, in headless Chromium: the report's front page on the overview,
scenarios named by family, forecasts added, predicted and resolved in the browser, and the API docs page.

A screenshot of the overview is kept as ``test-artifacts/web-front.png``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from tests.served import local_page, serve_app

from conftest import ARTIFACTS
from scenarist.web import Settings, create_app

MODEL = "us-russia-2025"
TOKEN = "workshop-test-token-77d0"
FAMILIES = ("A partnership without commitment", "A moderate chill", "Friendship out of spite", "None of these")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("workshop")
    app = create_app(
        [MODEL], str(tmp / "ledger.sqlite"), TOKEN, False, settings=Settings(draws=1_500, assumption_draws=30)
    )
    with serve_app(app, "uvicorn-workshop") as url:
        yield url


@pytest.fixture()
def page(chromium: Browser, base: str) -> Iterator[Page]:
    with local_page(chromium, base) as pg:
        yield pg


def _login(pg: Page, base: str, then: str) -> None:
    pg.goto(f"{base}/login?next={then}")
    pg.fill("#token", TOKEN)
    pg.get_by_role("button", name="Log in").click()
    pg.wait_for_url(f"{base}{then}")


def test_the_overview_opens_with_the_reports_front_page_and_does_not_overflow(page: Page, base: str) -> None:
    page.goto(f"{base}/models/{MODEL}")
    bottom = page.locator("#bottom-line .bottom-line").inner_text()
    assert "leads at" in bottom and "None of the named scenarios" in bottom
    for section in ("signposts", "questions", "family-partnership", "landscape"):
        assert page.locator(f"#{section}").is_visible(), section
    assert page.locator("#landscape svg").count() == 1
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the overview is {widths[0]} px wide in a {widths[1]} px window"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-front.png"), full_page=True)


def test_scenarios_are_named_by_family_and_what_sets_them_apart(page: Page, base: str) -> None:
    page.goto(f"{base}/models/{MODEL}")
    names = page.locator("#end-states td.named a").all_inner_texts()
    assert names and all(n.startswith(FAMILIES) for n in names), names
    assert len(set(names)) == len(names), "two end states share a name"
    assert not any(n.startswith("Scenario ") for n in page.locator("#consistent-table td.named").all_inner_texts())
    first = names[0]
    page.locator("#end-states td.named a").first.click()
    assert page.locator("h1").inner_text() == first


def test_a_question_is_added_predicted_and_resolved_in_the_browser(page: Page, base: str) -> None:
    pg = page
    _login(pg, base, f"/models/{MODEL}/forecasts")
    form = pg.locator("#question-form")
    form.locator("#question_id").fill("summit_2026")
    form.locator("#question_text").fill("Will the two presidents meet in 2026?")
    form.locator("#question_criteria").fill("An in-person meeting is reported by both governments.")
    form.locator("#question_close").fill("2026-12-31")
    form.locator("#question_probability").fill("0.4")
    form.get_by_role("button", name="Add question").click()
    row = pg.locator("#q-summit_2026")
    assert "40.0 %" in row.inner_text()

    row.get_by_label("probability for summit_2026").fill("0.7")
    # the date defaults to today, like the first forecast's: the later entry stands
    row.get_by_role("button", name="Predict").click()
    row = pg.locator("#q-summit_2026")
    assert "70.0 %" in row.inner_text()

    row.get_by_label("outcome of summit_2026").select_option("yes")
    row.get_by_label("resolution source for summit_2026").fill("Joint statement")
    row.get_by_role("button", name="Resolve").click()
    assert "Joint statement" in pg.locator("#q-summit_2026").inner_text()
    scores = pg.locator("#scores-table").inner_text()
    assert "summit_2026" in scores
    assert f"{(1 - 0.7) ** 2:.3f}" in scores  # Brier of the standing forecast 0.7 on a yes


def test_a_model_question_is_tracked_from_the_browser(page: Page, base: str) -> None:
    _login(page, base, f"/models/{MODEL}/forecasts")
    page.get_by_label("track new_sanctions_package").click()
    row = page.locator("#q-new_sanctions_package")
    assert "model" in row.inner_text() and "%" in row.inner_text()


def test_the_api_docs_page_is_linked_and_works_offline(page: Page, base: str) -> None:
    page.goto(f"{base}/models/{MODEL}")
    page.get_by_role("link", name="documentation").click()
    page.wait_for_url(f"{base}/api/docs")
    routes = page.locator("#api-routes").inner_text()
    assert "/api/models/{model_id}/evidence" in routes and "/api/models/{model_id}/forecasts" in routes

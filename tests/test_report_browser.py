"""The HTML report in headless Chromium at 1,280 px: no horizontal overflow, every section shown, a screenshot kept.

The screenshot of the whole page is saved as ``test-artifacts/report-front.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from conftest import ARTIFACTS
from report_fixture import Built, build

SECTIONS = (
    "bottom-line", "signposts", "questions", "family-partnership", "family-moderate_chill",
    "family-friendship_out_of_spite", "landscape", "timeline", "forecasts", "judgments", "appendix",
)  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Path]:
    tmp = tmp_path_factory.mktemp("report-browser")
    built = build(tmp)
    path = tmp / "report.html"
    path.write_text(built.html, encoding="utf-8")
    return built, path


@pytest.fixture()
def page(chromium: Browser, report: tuple[Built, Path]) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    outside: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else outside.append(r.url))
    pg.goto(report[1].as_uri())
    try:
        yield pg
    finally:
        context.close()
    assert not outside, f"the report reached the network: {outside}"


def test_no_horizontal_overflow_at_1280_px(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 1280, f"the page is {widths[0]} px wide in a {widths[1]} px window"
    # No element outside a scroll box sticks out of the page either.
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.scroll'))
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map(e => e.tagName + (e.id ? '#' + e.id : ''))"""
    )
    assert wide == []


def test_every_section_is_present_and_visible_and_a_screenshot_is_kept(page: Page, report: tuple[Built, Path]) -> None:
    for section in SECTIONS:
        assert page.locator(f"#{section}").is_visible(), section
    bottom = page.locator("#bottom-line .bottom-line").inner_text()
    assert "leads at" in bottom and "None of the named scenarios" in bottom
    nav = page.locator("nav").inner_text()
    assert "Appendix" in nav and "Bottom line" in nav
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-front.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000


def test_printing_hides_the_navigation(page: Page) -> None:
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible()
    assert page.locator("#bottom-line").is_visible()

"""The matrix editor in headless Chromium, as a workshop uses it.

A server runs over a copy of the bundled model. Without logging in, the grid is read-only. Logged
in, the browser edits a cell, sees the consistent scenarios and the family probabilities change
(to the numbers the service layer gives for the edited model), saves, reviews the diff, confirms,
and the file on disk carries the change and nothing else. A screenshot is kept as
``test-artifacts/web-editor.png``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.served import local_page, serve_app

from conftest import ARTIFACTS
from scenarist.model import load_model
from scenarist.model.load import bundled_models
from scenarist.model.roundtrip import parse_edits
from scenarist.service import check_model
from scenarist.service.editing import evaluate_edits
from scenarist.web import Settings, create_app

MODEL = "us-russia-2025"
TOKEN = "editor-test-token-3b9e"
CELL = ("talks.stalled", "blame.diffuse")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("editor")
    path = tmp / "workshop.yaml"
    shutil.copyfile(bundled_models()[MODEL], path)
    settings = Settings(draws=1_500, assumption_draws=30, warm=False)
    app = create_app([path], str(tmp / "ledger.sqlite"), TOKEN, False, settings=settings)
    with serve_app(app, "uvicorn-editor") as url:
        yield url, path


@pytest.fixture()
def page(chromium: Browser, served: tuple[str, Path]) -> Iterator[Page]:
    base = served[0]
    errors: list[str] = []
    with local_page(chromium, base) as pg:
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield pg
    assert not errors, f"errors in the page: {errors}"


def _cell(pg: Page) -> str:
    return f'td.cell[data-from="{CELL[0]}"][data-to="{CELL[1]}"]'


def test_without_login_the_grid_is_read_only_and_fits_the_page(page: Page, served: tuple[str, Path]) -> None:
    base, _ = served
    page.goto(f"{base}/models/{MODEL}/model")
    page.locator("#editor-link").click()
    page.wait_for_url(f"{base}/models/{MODEL}/editor")
    assert "log in" in page.locator("#read-only").inner_text()
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 1280, f"the page is {widths[0]} px wide in a {widths[1]} px window"
    wrap = page.evaluate("(() => { const w = document.getElementById('matrix-wrap'); "
                         "return [w.scrollWidth, w.clientWidth]; })()")  # fmt: skip
    assert wrap[0] > wrap[1], "the grid scrolls inside its own box"
    page.locator(_cell(page)).click()
    assert page.locator("#cell-impact").input_value() == "1"
    assert page.locator("#cell-impact").is_disabled()
    assert page.locator("#save").count() == 0


def test_a_cell_is_edited_the_results_change_and_the_file_is_saved(page: Page, served: tuple[str, Path]) -> None:
    base, path = served
    before_text = path.read_text(encoding="utf-8")
    model = load_model(path)
    expected = evaluate_edits(model, parse_edits([{"from": CELL[0], "to": CELL[1], "impact": 3}], model))

    page.goto(f"{base}/login?next=/models/{MODEL}/editor")
    page.fill("#token", TOKEN)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/models/{MODEL}/editor")
    saved_count = page.locator("#consistent-saved").inner_text()
    assert saved_count == str(expected.saved.consistent_count)
    partnership = page.locator('#families tr[data-family="partnership"]')
    assert partnership.locator(".saved").inner_text() == partnership.locator(".edited").inner_text()

    page.locator(_cell(page)).click()
    assert page.locator("#cell-impact").input_value() == "1"
    page.fill("#cell-impact", "3")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#status")).to_contain_text("1 edited cell(s), not saved yet")
    assert page.locator(_cell(page)).inner_text() == "+3"
    assert "edited" in (page.locator(_cell(page)).get_attribute("class") or "")

    # The page shows what the service layer computes for the edited model (default draws and seed).
    assert page.locator("#consistent-count").inner_text() == str(expected.edited.consistent_count)
    for family, _name, p in expected.edited.families:
        row = page.locator(f'#families tr[data-family="{family}"]')
        assert row.locator(".edited").inner_text() == f"{100 * p:.1f} %"
    assert partnership.locator(".saved").inner_text() != partnership.locator(".edited").inner_text()
    assert partnership.locator(".change").inner_text().startswith("+")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-editor.png"), full_page=True)
    assert (ARTIFACTS / "web-editor.png").stat().st_size > 10_000

    page.get_by_role("button", name="Save…").click()
    diff = page.locator("#diff")
    diff.wait_for()
    text = diff.inner_text()
    assert "-    impact: 1\n+    impact: 3" in text
    assert path.read_text(encoding="utf-8") == before_text  # nothing written before the confirmation

    page.get_by_role("button", name="Confirm and write the file").click()
    page.wait_for_url(f"{base}/models/{MODEL}/editor?saved=*")
    assert page.locator("#saved-flash").is_visible()
    assert page.locator(_cell(page)).inner_text() == "+3"
    assert page.locator("#consistent-saved").inner_text() == str(expected.edited.consistent_count)

    after = path.read_text(encoding="utf-8")
    changed = [(o, n) for o, n in zip(before_text.splitlines(), after.splitlines()) if o != n]
    assert changed == [("    impact: 1", "    impact: 3")]
    assert len(after.splitlines()) == len(before_text.splitlines())
    loaded, _warnings = check_model(path)  # what `scenarist check` runs
    assert next(j.impact for j in loaded.model.judgments if (j.source, j.target) == CELL) == 3

"""The matrix editor's routes without a browser: who may use them, and what they answer."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scenarist.model.load import bundled_models
from scenarist.web import Settings, create_app

MODEL = "us-russia-2025"
TOKEN = "editor-routes-token-5c1d"
EDIT = {"edits": [{"from": "talks.stalled", "to": "blame.diffuse", "impact": 2}]}
SETTINGS = Settings(draws=500, assumption_draws=10)


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    path = tmp_path / "workshop.yaml"
    shutil.copyfile(bundled_models()[MODEL], path)
    return path


def _client(models: list[str | Path], tmp: Path, token: str | None) -> TestClient:
    return TestClient(create_app(models, str(tmp / "ledger.sqlite"), token, False, settings=SETTINGS))


@pytest.fixture()
def client(copy: Path) -> Iterator[TestClient]:
    with _client([copy], copy.parent, TOKEN) as c:
        yield c


def _login(c: TestClient) -> str:
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
    assert csrf is not None
    assert c.post("/login", data={"token": TOKEN, "csrf": csrf.group(1)}, follow_redirects=False).status_code == 303
    page = c.get(f"/models/{MODEL}/editor")
    token = re.search(r'data-csrf="([^"]+)"', page.text)
    assert token is not None
    return token.group(1)


def test_the_page_is_read_only_without_login_and_runs_only_its_own_script(client: TestClient) -> None:
    r = client.get(f"/models/{MODEL}/editor")
    assert r.status_code == 200
    assert 'id="read-only"' in r.text and 'id="save"' not in r.text
    assert "script-src 'self'; connect-src 'self'" in r.headers["content-security-policy"]
    assert "script-src" not in client.get(f"/models/{MODEL}").headers["content-security-policy"]
    assert f'href="/models/{MODEL}/editor"' in client.get(f"/models/{MODEL}/model").text


@pytest.mark.parametrize("route", ["evaluate", "diff", "save"])
def test_the_routes_need_a_login_and_the_csrf_header(client: TestClient, copy: Path, route: str) -> None:
    before = copy.read_text(encoding="utf-8")
    r = client.post(f"/models/{MODEL}/editor/{route}", json=EDIT)
    assert r.status_code == 401 and r.json()["ok"] is False
    _login(client)
    r = client.post(f"/models/{MODEL}/editor/{route}", json=EDIT, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    assert copy.read_text(encoding="utf-8") == before


def test_a_server_without_a_token_refuses_every_edit(copy: Path) -> None:
    with _client([copy], copy.parent, None) as c:
        page = c.get(f"/models/{MODEL}/editor").text
        assert "nothing can be changed here" in page
        token = re.search(r'data-csrf="([^"]+)"', page)
        assert token is not None
        r = c.post(f"/models/{MODEL}/editor/evaluate", json=EDIT, headers={"X-CSRF-Token": token.group(1)})
        assert r.status_code == 403


def test_evaluate_diff_and_save_answer_json(client: TestClient, copy: Path) -> None:
    csrf = _login(client)
    headers = {"X-CSRF-Token": csrf}
    r = client.post(f"/models/{MODEL}/editor/evaluate", json=EDIT, headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["changed"] == [{"from": "talks.stalled", "to": "blame.diffuse", "saved": 1, "edited": 2}]
    assert body["saved"]["draws"] == 10_000 and body["saved"]["seed"] == 0
    assert abs(sum(f["probability"] for f in body["edited"]["families"]) - 1) < 1e-9

    bad = {"edits": [{"from": "talks.stalled", "to": "blame.diffuse", "impact": "a lot"}]}
    r = client.post(f"/models/{MODEL}/editor/evaluate", json=bad, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"].startswith("judgment talks.stalled -> blame.diffuse: impact must be an integer")

    r = client.post(f"/models/{MODEL}/editor/save", json={**EDIT, "digest": "0" * 64}, headers=headers)
    assert r.status_code == 409  # not the text the diff was made of
    diff = client.post(f"/models/{MODEL}/editor/diff", json=EDIT, headers=headers).json()
    assert "-    impact: 1\n+    impact: 2\n" in diff["diff"] and diff["file"] == "workshop.yaml"
    r = client.post(f"/models/{MODEL}/editor/save", json={**EDIT, "digest": diff["digest"]}, headers=headers)
    assert r.status_code == 200 and r.json()["file"] == "workshop.yaml"
    assert "    impact: 2\n    confidence: 3\n    rationale: While talks merely drift" in copy.read_text(
        encoding="utf-8"
    )
    page = client.get(f"/models/{MODEL}/model").text  # the app serves the saved model
    assert '<td class="num pos">+2</td>' in page


def test_the_bundled_model_can_be_tried_but_not_saved(tmp_path: Path) -> None:
    with _client([MODEL], tmp_path, TOKEN) as c:
        csrf = _login(c)
        page = c.get(f"/models/{MODEL}/editor").text
        assert 'id="save-reason"' in page and "bundled" in page
        assert c.post(f"/models/{MODEL}/editor/evaluate", json=EDIT, headers={"X-CSRF-Token": csrf}).status_code == 200
        r = c.post(f"/models/{MODEL}/editor/diff", json=EDIT, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 422 and "bundled" in r.json()["error"]


def test_the_editor_sits_under_the_model_tab(client: TestClient) -> None:
    page = client.get(f"/models/{MODEL}/editor").text
    assert f'<a href="/models/{MODEL}/model" class="current">Model</a>' in page

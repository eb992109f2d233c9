"""Regular API routes: evidence and forecasts read and written under /api/models/{id}/..., and the offline docs page."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from scenarist.web import Settings, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

MODEL = "us-russia-2025"
TOKEN = "route-test-token-91b2"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FAST = Settings(draws=1_500, assumption_draws=30)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("routes")
    app = create_app([MODEL], str(tmp / "ledger.sqlite"), TOKEN, False, settings=FAST)
    with TestClient(app) as c:
        yield c


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["ok"] is True
    return body


def test_evidence_is_written_and_read_under_one_path(client: TestClient) -> None:
    path = f"/api/models/{MODEL}/evidence"
    before = _ok(client.get(path))["evidence"]
    body = {"signpost": "washington_blames_moscow", "observed": "yes", "date": "2025-06-01", "source": "Wire"}
    assert client.post(path, json=body).status_code == 401
    added = _ok(client.post(path, json=body, headers=AUTH), 201)
    assert added["named"] is not None and sum(added["named"].values()) == pytest.approx(1.0)
    rows = _ok(client.get(path))["evidence"]
    assert len(rows) == len(before) + 1 and rows[-1]["id"] == added["evidence"]["id"]
    eid = added["evidence"]["id"]
    retracted = _ok(client.post(f"{path}/{eid}/retract", json={"reason": "duplicate"}, headers=AUTH))
    assert retracted["evidence"]["retracted"] is True
    assert client.post("/api/models/nope/evidence", json=body, headers=AUTH).status_code == 404


def test_a_question_is_added_predicted_and_resolved_through_the_api(client: TestClient) -> None:
    base = f"/api/models/{MODEL}/forecasts"
    question = {"id": "ceasefire_2026", "text": "A ceasefire by 2026?", "criteria": "Both sides announce it.",
                "close_date": "2026-12-31"}  # fmt: skip
    assert client.post(base, json=question).status_code == 401
    _ok(client.post(base, json=question, headers=AUTH), 201)
    prediction = _ok(client.post(f"{base}/ceasefire_2026/predictions", json={"probability": 0.3,
                                 "date": "2025-06-02"}, headers=AUTH), 201)  # fmt: skip
    assert prediction["forecast"]["probability"] == 0.3
    resolved = _ok(client.post(f"{base}/ceasefire_2026/resolution", json={"outcome": "no", "date": "2026-12-31"},
                               headers=AUTH))  # fmt: skip
    assert resolved["question"]["outcome"] == "no"
    listing = _ok(client.get(base))
    tracked = {q["id"]: q for q in listing["questions"]}
    assert tracked["ceasefire_2026"]["forecasts"][0]["probability"] == 0.3
    assert [s["question"] for s in listing["scores"]["questions"]] == ["ceasefire_2026"]
    assert listing["scores"]["questions"][0]["brier"] == pytest.approx(0.09)


def test_a_model_question_is_tracked_with_the_model_forecast(client: TestClient) -> None:
    base = f"/api/models/{MODEL}/forecasts"
    added = _ok(client.post(base, json={"id": "us_drops_mediation"}, headers=AUTH), 201)
    assert added["forecasts"] and added["forecasts"][-1]["origin"] == "model"
    r = client.post(f"{base}/no_such_question/predictions", json={"probability": 0.5}, headers=AUTH)
    assert r.status_code == 404 and r.json()["ok"] is False


def test_the_api_docs_page_lists_every_route_and_loads_nothing_from_outside(client: TestClient) -> None:
    r = client.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    spec = client.get("/api/openapi.json").json()
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in html
    assert "<code>/api/models/{model_id}/forecasts/{question_id}/predictions</code>" in html
    assert "http://" not in html.replace("http://127.0.0.1:8000", "") and "https://" not in html
    assert "<script" not in html

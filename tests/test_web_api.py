"""The web app driven in-process through an HTTP client, against a real SQLite ledger.

Every API route, the one JSON error shape, the 401/403 paths of the API and of the forms,
CSRF, request size limits, and the XSS probe (a model whose every name is markup).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from typer.testing import CliRunner

from scenarist.engines.interventions import compare_intervention
from scenarist.errors import EngineError
from scenarist.evidence import EvidenceInput, open_ledger
from scenarist.model.load import load_model
from scenarist.web import Settings, create_app
from scenarist.web.api import router as api_router

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the test client warns about its own transport in some versions
    from fastapi.testclient import TestClient

MODEL = "us-russia-2025"
TOKEN = "correct-horse-battery-staple"
SIGNPOST = "washington_blames_moscow"
FAST = Settings(draws=1_500, assumption_draws=30, max_body_bytes=16 * 1024)
AUTH = {"Authorization": f"Bearer {TOKEN}"}

XSS = "<script>alert('x')</script>"
XSS_MODEL = f"""
scenarist: 1
id: xss_probe
title: "{XSS} title"
question: "{XSS} question"
description: "{XSS} description"
sources:
  - id: src
    title: "{XSS} source"
    url: "javascript:alert(1)"
descriptors:
  - id: a
    name: "{XSS} A"
    description: "<img src=x onerror=alert(1)>"
    variants:
      - {{id: a1, name: "{XSS} a1"}}
      - {{id: a2, name: "{XSS} a2"}}
  - id: b
    name: "{XSS} B"
    variants:
      - {{id: b1, name: "{XSS} b1"}}
      - {{id: b2, name: "{XSS} b2"}}
judgments:
  - {{from: a.a1, to: b.b1, impact: 2, rationale: "{XSS} why", sources: [src]}}
  - {{from: b.b1, to: a.a1, impact: 2, rationale: "{XSS} because"}}
  - {{from: a.a2, to: b.b2, impact: 2}}
  - {{from: b.b2, to: a.a2, impact: 1}}
scenarios:
  - id: one
    name: "{XSS} named"
    likelihood_claim: "{XSS} claim"
    variants: {{a: a1}}
signposts:
  - id: sp
    name: "{XSS} signpost"
    observation: "{XSS} observation"
    descriptor: a
    likelihoods: {{a1: 0.9, a2: 0.1}}
forecasts:
  - id: q1
    question: "{XSS} forecast"
    resolution_criteria: "{XSS} criteria"
    close_date: 2030-01-01
    event: {{scenario: one}}
"""


def make_client(tmp: Path, models: list[str | Path] | None = None, **kwargs: Any) -> TestClient:
    options: dict[str, Any] = {"token": TOKEN, "allow_anonymous_writes": False, **kwargs}
    app = create_app(models or [MODEL], str(tmp / "ledger.sqlite"), options["token"], options["allow_anonymous_writes"],
                     settings=FAST)  # fmt: skip
    return TestClient(app)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with make_client(tmp_path_factory.mktemp("web")) as c:
        yield c


@pytest.fixture(scope="module")
def xss_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("xss")
    path = tmp / "xss.yaml"
    path.write_text(XSS_MODEL, encoding="utf-8")
    with make_client(tmp, [path], token=None, allow_anonymous_writes=True) as c:
        yield c


def assert_error(response: Any, status: int, contains: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body == {"ok": False, "error": body["error"], "status": status}
    assert isinstance(body["error"], str) and body["error"]
    assert contains in body["error"]
    return body


def evidence_body(**changes: Any) -> dict[str, Any]:
    body = {"model": MODEL, "signpost": SIGNPOST, "observed": True, "date": "2025-06-01", "source": "Wire report"}
    body.update(changes)
    return body


def now(client: TestClient) -> dict[str, float]:
    doc = client.get(f"/api/models/{MODEL}/probabilities").json()
    named: dict[str, float] = {f["id"]: f["probability"] for f in doc["now"]["families"]}
    return named


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def login(client: TestClient) -> str:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"csrf": token, "token": TOKEN, "next": f"/models/{MODEL}"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/models/{MODEL}"
    return csrf_of(client.get(f"/models/{MODEL}/evidence").text)


# ------------------------------------------------------------------ reading


API_GETS = [
    "/api/models/{m}",
    "/api/models/{m}/model",
    "/api/models/{m}/scenarios",
    "/api/models/{m}/probabilities",
    "/api/models/{m}/timeline",
    "/api/models/{m}/watch",
    "/api/models/{m}/assumptions",
    "/api/models/{m}/intervention?fix=talks=collapsed",
    "/api/models/{m}/evidence",
    "/api/models/{m}/forecasts",
]


def test_openapi_describes_every_api_route_and_no_page(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    documented = set(doc["paths"])
    api = {route.path for route in api_router.routes if isinstance(route, APIRoute)}
    assert len(api) >= 13 and api <= documented
    assert not {p for p in documented if not p.startswith("/api/")}
    assert "401" in doc["paths"]["/api/evidence"]["post"]["responses"]
    assert "ErrorOut" in doc["components"]["schemas"]
    assert client.get("/docs").status_code == 404  # the viewers would load scripts from the internet


@pytest.mark.parametrize("path", API_GETS)
def test_every_read_route_answers_ok(client: TestClient, path: str) -> None:
    r = client.get(path.format(m=MODEL))
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True


@pytest.mark.parametrize("path", [*API_GETS, "/api/models/{m}/scenarios/0-0"])
def test_an_unknown_model_is_404_in_the_error_shape(client: TestClient, path: str) -> None:
    assert_error(client.get(path.format(m="no_such_model")), 404, "no_such_model")


def test_models_lists_the_served_models_and_write_policy(client: TestClient) -> None:
    doc = client.get("/api/models").json()
    assert doc["write_policy"] == "token"
    assert [m["id"] for m in doc["models"]] == [MODEL]
    assert doc["models"][0]["links"]["overview"] == f"/api/models/{MODEL}"


def test_overview_has_probabilities_scenarios_watch_and_assumptions(client: TestClient) -> None:
    doc = client.get(f"/api/models/{MODEL}").json()
    ids = {n["id"] for n in doc["probabilities"]["before_evidence"]}
    assert ids == {"partnership", "moderate_chill", "friendship_out_of_spite", "none_of_these"}
    assert set(doc["probabilities"]["now"]) == ids
    assert sum(n["probability"] for n in doc["probabilities"]["before_evidence"]) == pytest.approx(1.0)
    assert doc["consistent_scenarios"] and all(s["inconsistency"] == 0 for s in doc["consistent_scenarios"])
    assert doc["watch"] and doc["key_assumptions"]


def test_model_document_has_every_judgment_with_rationale_and_sources(client: TestClient) -> None:
    model = client.get(f"/api/models/{MODEL}/model").json()["model"]
    assert len(model["judgments"]) > 100
    assert all(j["rationale"] and j["sources"] for j in model["judgments"])
    assert {"from", "to", "impact"} <= set(model["judgments"][0])


def test_scenario_explains_balances_and_influences(client: TestClient) -> None:
    scenarios = client.get(f"/api/models/{MODEL}/scenarios").json()["scenarios"]
    key = scenarios[0]["key"]
    doc = client.get(f"/api/models/{MODEL}/scenarios/{key}").json()
    assert doc["key"] == key and doc["scenario"]["inconsistency"] == 0
    assert len(doc["descriptors"]) == len(load_model(MODEL).descriptors)
    for d in doc["descriptors"]:
        assert d["scores"][d["chosen"]] == max(d["scores"].values())
    assert any(i["impact"] > 0 for i in doc["influences"]) and any(i["impact"] < 0 for i in doc["influences"])
    assert all(j["rationale"] for i in doc["influences"] for j in i["judgments"])
    assert 0.0 <= doc["probability"]["now"] <= 1.0


@pytest.mark.parametrize("key", ["x", "0-0", "9-9-9-9-9-9-9-9-9-9-9-9-9-9", "0-" * 13 + "-1", "..%2F..%2Fetc"])
def test_bad_scenario_keys_are_404(client: TestClient, key: str) -> None:
    assert_error(client.get(f"/api/models/{MODEL}/scenarios/{key}"), 404)


def test_intervention_matches_the_engine(client: TestClient) -> None:
    doc = client.get(f"/api/models/{MODEL}/intervention", params={"fix": ["talks=collapsed", "blame=russia"]}).json()
    app = client.app
    compiled = app.state.scenarist.entries[MODEL].compiled  # type: ignore[attr-defined]
    expected = compare_intervention(compiled, {"talks": "collapsed", "blame": "russia"})
    assert [s["indices"] for s in doc["remain"]] == [list(s.indices) for s in expected.remain]
    assert len(doc["vanish"]) == len(expected.vanish) and len(doc["appear"]) == len(expected.appear)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fix": "talks=nowhere"}, "no variant"),
        ({"fix": "nothing=x"}, "no descriptor"),
        ({}, "fix: Field required"),
        ({"fix": " talks=collapsed"}, "without spaces"),
        ({"fix": ["talks=collapsed", "talks=collapsed"]}, "twice"),
    ],
)
def test_bad_interventions_are_422(client: TestClient, params: dict[str, str], message: str) -> None:
    assert_error(client.get(f"/api/models/{MODEL}/intervention", params=params), 422, message)


def test_probabilities_timeline_and_watch_agree(client: TestClient) -> None:
    probs = client.get(f"/api/models/{MODEL}/probabilities").json()
    line = client.get(f"/api/models/{MODEL}/timeline").json()
    assert probs["before_evidence"]["source_method"] == "monte-carlo-judgment-uncertainty"
    now = {f["id"]: f["probability"] for f in probs["now"]["families"]}
    assert line["steps"][-1]["families_given_settled"] == pytest.approx(now)
    watch = client.get(f"/api/models/{MODEL}/watch").json()["watch_list"]
    gains = [w["information_gain_bits"] for w in watch]
    assert gains == sorted(gains, reverse=True)
    assumptions = client.get(f"/api/models/{MODEL}/assumptions").json()
    assert assumptions["method"] == "judgment-shift-crn" and assumptions["judgments"]


def test_evidence_moves_the_probabilities_and_retraction_restores_them(client: TestClient) -> None:
    before = now(client)
    r = client.post("/api/evidence", json=evidence_body(reliability=0.9, url="https://example.org/a"), headers=AUTH)
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["ok"] is True and added["evidence"]["signpost_id"] == SIGNPOST
    after = now(client)
    assert after == added["named"]
    assert after["partnership"] < before["partnership"] - 0.01
    listed = client.get(f"/api/models/{MODEL}/evidence").json()["evidence"]
    assert added["evidence"]["id"] in [e["id"] for e in listed]
    r = client.post(f"/api/evidence/{added['evidence']['id']}/retract", json={"reason": "wrong date"}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["evidence"]["retracted"] is True
    assert now(client) == pytest.approx(before)
    assert_error(client.post(f"/api/evidence/{added['evidence']['id']}/retract", headers=AUTH), 409, "already")


def until(check: Any, timeout: float = 20.0) -> None:
    """Poll ``check`` until it is true (the app notices other clients' writes within ``Settings.ledger_poll``)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the app did not notice the change in time"
        time.sleep(0.05)


def test_a_write_through_another_ledger_client_shows_after_a_poll(client: TestClient) -> None:
    before = now(client)
    url = client.app.state.scenarist.ledger.url  # type: ignore[attr-defined]
    with open_ledger(url) as other:
        row = other.add_evidence(EvidenceInput(MODEL, "new_us_sanctions", True, dt.date(2025, 7, 1), "Other client"))
        until(lambda: now(client) != before)
        other.retract(row.id)
    until(lambda: now(client) == pytest.approx(before))


def test_writes_need_the_bearer_token(client: TestClient) -> None:
    r = client.post("/api/evidence", json=evidence_body())
    assert_error(r, 401, "Bearer")
    assert r.headers["www-authenticate"] == "Bearer"
    assert_error(client.post("/api/evidence", json=evidence_body(), headers={"Authorization": f"Basic {TOKEN}"}), 401)
    assert_error(client.post("/api/evidence", json=evidence_body(), headers={"Authorization": "Bearer nope"}), 403)
    assert_error(client.post("/api/evidence/1/retract"), 401)
    assert_error(client.post("/api/evidence/1/retract", headers={"Authorization": "Bearer nope"}), 403)
    # A logged-in browser session does not open the API: it takes only the bearer token.
    login(client)
    assert_error(client.post("/api/evidence", json=evidence_body()), 401)


def test_without_a_token_writes_are_refused_entirely(tmp_path: Path) -> None:
    with make_client(tmp_path, token=None) as c:
        assert c.get("/api/models").json()["write_policy"] == "disabled"
        assert_error(c.post("/api/evidence", json=evidence_body(), headers=AUTH), 403, "disabled")
        page = c.get(f"/models/{MODEL}/evidence")
        assert "read-only" in page.text and 'id="evidence-form"' not in page.text
        assert c.post(f"/models/{MODEL}/evidence", data=_form_fields("x")).status_code == 403


def test_anonymous_writes_when_allowed(tmp_path: Path) -> None:
    with make_client(tmp_path, token=None, allow_anonymous_writes=True) as c:
        assert c.post("/api/evidence", json=evidence_body()).status_code == 201
        # forms still need the session's CSRF token
        assert c.post(f"/models/{MODEL}/evidence", data=_form_fields("bad")).status_code == 403
        token = csrf_of(c.get(f"/models/{MODEL}/evidence").text)
        assert c.post(f"/models/{MODEL}/evidence", data=_form_fields(token), follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"reliability": 1.5}, 422, "reliability"),
        ({"reliability": "high"}, 422, "reliability"),
        ({"observed": "maybe"}, 422, "observed"),
        ({"observed": False}, 422, "not yet observed"),
        ({"date": "01/06/2025"}, 422, "date"),
        ({"date": "20250601"}, 422, "date"),
        ({"date": "2031-01-01"}, 422, "horizon"),
        ({"source": "Wire\x00report"}, 422, "control characters"),
        ({"source": "   "}, 422, "source"),
        ({"url": "javascript:alert(1)"}, 422, "url"),
        ({"signpost": "no_such_signpost"}, 422, "no signpost"),
        ({"model": "no_such_model"}, 404, "no_such_model"),
        ({"extra": 1}, 422, "extra"),
        ({"note": "x" * 3000}, 422, "note"),
    ],
)
def test_bad_evidence_is_refused_in_the_error_shape(
    client: TestClient, changes: dict[str, Any], status: int, message: str
) -> None:
    count = len(client.get(f"/api/models/{MODEL}/evidence").json()["evidence"])
    assert_error(client.post("/api/evidence", json=evidence_body(**changes), headers=AUTH), status, message)
    assert len(client.get(f"/api/models/{MODEL}/evidence").json()["evidence"]) == count


def test_malformed_json_and_unknown_evidence(client: TestClient) -> None:
    r = client.post("/api/evidence", content=b"{not json", headers={**AUTH, "content-type": "application/json"})
    assert_error(r, 422)
    assert_error(client.post("/api/evidence/999999/retract", headers=AUTH), 404, "999999")
    assert_error(client.post("/api/evidence/0/retract", headers=AUTH), 422)
    assert_error(client.post(f"/api/evidence/{2**70}/retract", headers=AUTH), 422)


def test_request_size_is_limited(client: TestClient) -> None:
    big = evidence_body(note="x" * 20_000)
    assert_error(client.post("/api/evidence", json=big, headers=AUTH), 413, "limit")

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 1024

    assert_error(client.post("/api/evidence", content=chunks(), headers=AUTH), 413)
    r = client.post(f"/models/{MODEL}/evidence", data={"note": "x" * 20_000})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")


def test_unknown_routes_and_methods_use_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/api/nothing/here"), 404)
    assert_error(client.get("/api/evidence"), 405)
    assert_error(client.delete(f"/api/models/{MODEL}"), 405)
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "<h1>Not found</h1>" in r.text


def test_forecasts_show_questions_resolutions_scores_and_reliability(client: TestClient) -> None:
    url = client.app.state.scenarist.ledger.url  # type: ignore[attr-defined]
    with open_ledger(url) as ledger:
        ledger.add_question("q_yes", "Will it happen?", "If it does.", dt.date(2025, 12, 31), MODEL, "manual")
        ledger.record_forecast("q_yes", 0.7, dt.date(2025, 5, 1))
        ledger.resolve("q_yes", "yes", dt.date(2025, 6, 1), "news")
        ledger.add_question("q_open", "Still open?", "Later.", dt.date(2026, 12, 31), MODEL, "scenario", "partnership")
    forecasts = f"/api/models/{MODEL}/forecasts"  # written by another client: shows once the app has polled
    until(lambda: (doc := client.get(forecasts).json())["scores"]["scored"] == 1 and len(doc["questions"]) == 2)
    doc = client.get(forecasts).json()
    assert {q["id"] for q in doc["questions"]} == {"q_yes", "q_open"}
    assert doc["scores"]["scored"] == 1 and doc["scores"]["mean_brier"] == pytest.approx(0.09)
    assert all(0 <= q["model_probability_now"] <= 1 for q in doc["model_questions"] if q["event_kind"] != "manual")
    html = client.get(f"/models/{MODEL}/forecasts").text
    assert 'id="reliability-chart"' in html and "<svg" in html and "q_yes" in html


# ------------------------------------------------------------------ pages and forms


def _form_fields(csrf: str, **changes: str) -> dict[str, str]:
    fields = {"csrf": csrf, "signpost": SIGNPOST, "observed": "yes", "date": "2025-06-02", "source": "Form report",
              "reliability": "1"}  # fmt: skip
    fields.update(changes)
    return fields


def test_every_page_renders(client: TestClient) -> None:
    key = client.get(f"/api/models/{MODEL}/scenarios").json()["scenarios"][0]["key"]
    for path in ["/", f"/models/{MODEL}", f"/models/{MODEL}/model", f"/models/{MODEL}/evidence",
                 f"/models/{MODEL}/forecasts", f"/models/{MODEL}/scenarios/{key}", f"/models/{MODEL}/intervention",
                 f"/models/{MODEL}/intervention?fix=talks%3Dcollapsed", "/login"]:  # fmt: skip
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert r.headers["content-type"].startswith("text/html")
        assert "/static/scenarist.css" in r.text and "http://" not in r.text.split("<main>")[0]
    overview = client.get(f"/models/{MODEL}").text
    assert 'id="now-partnership"' in overview and 'id="probability-chart"' in overview
    assert "Consistent scenarios" in overview and "Watch list" in overview and "Key assumptions" in overview
    scenario = client.get(f"/models/{MODEL}/scenarios/{key}").text
    assert 'aria-label="Impact diagram"' in scenario and "Promoted by" in scenario
    assert "Hindered by" in scenario
    intervention = client.get(f"/models/{MODEL}/intervention?fix=talks%3Dcollapsed").text
    assert 'id="intervention-summary"' in intervention
    assert client.get(f"/models/{MODEL}/scenarios/nope").status_code == 404


def test_pages_carry_protective_headers(client: TestClient) -> None:
    r = client.get(f"/models/{MODEL}")
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none': no script at all
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/api/models").headers["x-content-type-options"] == "nosniff"


def test_forms_need_login_then_csrf(tmp_path: Path) -> None:
    with make_client(tmp_path) as c:
        csrf = csrf_of(c.get("/login").text)
        r = c.post(f"/models/{MODEL}/evidence", data=_form_fields(csrf), follow_redirects=False)
        assert r.status_code == 401 and "Log in" in r.text
        assert c.post(f"/models/{MODEL}/evidence", data={}, follow_redirects=False).status_code == 401
        wrong = c.post("/login", data={"csrf": csrf, "token": "guess", "next": "/"}, follow_redirects=False)
        assert wrong.status_code == 403 and "not valid" in wrong.text
        no_csrf = c.post("/login", data={"csrf": "forged", "token": TOKEN, "next": "/"}, follow_redirects=False)
        assert no_csrf.status_code == 403
        csrf = login(c)
        cookie = c.cookies.jar
        assert any(k.name == "scenarist_session" for k in cookie)
        assert c.post(f"/models/{MODEL}/evidence", data=_form_fields("forged")).status_code == 403
        assert c.post(f"/models/{MODEL}/evidence", data=_form_fields(""), follow_redirects=False).status_code == 403
        before = now(c)
        r = c.post(f"/models/{MODEL}/evidence", data=_form_fields(csrf), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(f"/models/{MODEL}?added=")
        assert "Evidence #" in c.get(r.headers["location"]).text
        assert now(c) != before
        evidence_id = int(r.headers["location"].rsplit("=", 1)[1])
        retract = f"/models/{MODEL}/evidence/{evidence_id}/retract"
        assert c.post(retract, data={"csrf": "forged"}).status_code == 403
        r = c.post(retract, data={"csrf": csrf, "reason": "duplicate"}, follow_redirects=False)
        assert r.status_code == 303 and now(c) == pytest.approx(before)
        assert c.post(retract, data={"csrf": csrf}).status_code == 409
        bad = c.post(f"/models/{MODEL}/evidence", data=_form_fields(csrf, url="javascript:alert(1)"))
        assert bad.status_code == 422
        r = c.post("/logout", data={"csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303
        assert c.post(f"/models/{MODEL}/evidence", data=_form_fields(csrf)).status_code == 401


def test_session_cookie_is_signed_httponly_and_strict(tmp_path: Path) -> None:
    with make_client(tmp_path) as c:
        token = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"csrf": token, "token": TOKEN, "next": "//evil.example/"}, follow_redirects=False)
        assert r.headers["location"] == "/"  # no open redirect
        header = r.headers["set-cookie"]
        assert "HttpOnly" in header and "SameSite=strict" in header.replace("Strict", "strict")
        value = c.cookies["scenarist_session"]
        body, _, mac = value.partition(".")
        c.cookies.set("scenarist_session", body + "." + ("A" if mac[0] != "A" else "B") + mac[1:])
        csrf = csrf_of(c.get("/login").text)
        assert c.post(f"/models/{MODEL}/evidence", data=_form_fields(csrf)).status_code == 401


def test_a_csrf_token_only_works_with_its_own_session(tmp_path: Path) -> None:
    with make_client(tmp_path) as c:
        login(c)
        with TestClient(c.app) as other:
            foreign = csrf_of(other.get("/login").text)
        assert c.post(f"/models/{MODEL}/evidence", data=_form_fields(foreign)).status_code == 403


# ------------------------------------------------------------------ escaping and scope


XSS_PAGES = [
    "/",
    "/login",
    *(
        f"/models/xss_probe{tail}"
        for tail in (
            "",
            "/model",
            "/evidence",
            "/forecasts",
            "/scenarios/0-0",
            "/scenarios/1-0",
            "/intervention?fix=a=a1",
        )
    ),
]


def test_model_text_is_escaped_everywhere(xss_client: TestClient) -> None:
    xss_client.post(
        "/api/evidence",
        json={"model": "xss_probe", "signpost": "sp", "observed": True, "date": "2025-01-01", "source": XSS,
              "note": XSS, "url": "https://example.org/?q=<script>"},
    )  # fmt: skip
    for path in XSS_PAGES:
        r = xss_client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        lowered = r.text.lower()
        assert "<script" not in lowered, path
        assert "<img" not in lowered and "javascript:" not in lowered, path
    overview = xss_client.get("/models/xss_probe").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; title" in overview
    api = xss_client.get("/api/models/xss_probe/model")
    assert api.headers["content-type"] == "application/json"
    assert api.json()["model"]["title"] == f"{XSS} title"


def test_only_models_named_at_start_up_are_served(xss_client: TestClient) -> None:
    assert_error(xss_client.get(f"/api/models/{MODEL}"), 404)
    assert xss_client.get(f"/models/{MODEL}").status_code == 404
    for probe in ["..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "us-russia-2025.yaml"]:
        assert xss_client.get(f"/api/models/{probe}").status_code == 404
        assert xss_client.get(f"/models/{probe}").status_code == 404


def test_duplicate_model_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="two models"):
        create_app([MODEL, MODEL], str(tmp_path / "l.sqlite"), TOKEN, False, settings=FAST)


def test_serve_checks_its_options_before_starting() -> None:
    from scenarist.cli import app

    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2 and "error: --port" in result.stderr

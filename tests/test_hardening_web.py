"""Issue 13, items 8, 9, 12 and 13: sessions revoked on logout, token guessing throttled, serve's own checks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from scenarist.web import Settings, create_app
from scenarist.web.security import Throttle

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

MODEL = "us-russia-2025"
TOKEN = "correct-horse-battery-staple"
SIGNPOST = "washington_blames_moscow"
FAST = Settings(draws=1_000, assumption_draws=20, max_failures=5, failure_window=60.0)


def _client(tmp: Path, settings: Settings = FAST) -> TestClient:
    return TestClient(create_app([MODEL], str(tmp / "ledger.sqlite"), TOKEN, False, settings=settings))


def _csrf(html: str) -> str:
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _form(csrf: str) -> dict[str, str]:
    return {"csrf": csrf, "signpost": SIGNPOST, "observed": "yes", "date": "2025-06-02", "source": "x"}


def test_a_cookie_captured_before_logout_no_longer_writes(tmp_path: Path) -> None:
    with _client(tmp_path) as c:
        r = c.post("/login", data={"csrf": _csrf(c.get("/login").text), "token": TOKEN}, follow_redirects=False)
        assert r.status_code == 303
        captured = c.cookies["scenarist_session"]
        csrf = _csrf(c.get(f"/models/{MODEL}/evidence").text)
        assert c.post(f"/models/{MODEL}/evidence", data=_form(csrf), follow_redirects=False).status_code == 303
        assert c.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        c.cookies.clear()
        c.cookies.set("scenarist_session", captured)
        refused = c.post(f"/models/{MODEL}/evidence", data=_form(csrf), follow_redirects=False)
        assert refused.status_code in (401, 403)
        assert len(c.get(f"/api/models/{MODEL}/evidence").json()["evidence"]) == 1


def test_wrong_tokens_are_throttled_per_client(tmp_path: Path) -> None:
    body = {"model": MODEL, "signpost": SIGNPOST, "observed": True, "date": "2025-06-02", "source": "x"}
    with _client(tmp_path) as c:
        statuses = [
            c.post("/api/evidence", json=body, headers={"Authorization": f"Bearer guess-{k}"}).status_code
            for k in range(8)
        ]
        assert statuses[:5] == [403] * 5
        assert statuses[5:] == [429] * 3
        blocked = c.post("/api/evidence", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert blocked.json()["status"] == 429
        assert c.get(f"/api/models/{MODEL}").status_code == 200  # reading stays open


def test_throttle_forgets_after_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("scenarist.web.security.time.monotonic", lambda: clock[0])
    throttle = Throttle(max_failures=2, window=10.0)
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.retry_after("a") > 0 and throttle.retry_after("b") == 0
    clock[0] += 11
    assert throttle.retry_after("a") == 0


def _serve(*args: str, token: str | None = TOKEN) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCENARIST_TOKEN"}
    if token is not None:
        env["SCENARIST_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "scenarist", "serve", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_a_short_token_is_refused_unless_allowed(tmp_path: Path) -> None:
    done = _serve("--db", str(tmp_path / "l.sqlite"), token="x")
    assert done.returncode == 2 and "at least 16" in done.stderr and "Traceback" not in done.stderr


def test_a_busy_port_is_named(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _serve("--db", str(tmp_path / "l.sqlite"), "--port", str(port))
    assert done.returncode == 2, done.stderr
    assert f"port {port} on 127.0.0.1 is busy" in done.stderr
    assert "Traceback" not in done.stderr and "open http" not in done.stderr


def test_serve_refuses_a_model_no_exact_search_can_cover(tmp_path: Path) -> None:
    lines = ["scenarist: 1", "id: huge", "title: huge", "descriptors:"]
    lines += [f"- {{id: d{k}, name: d, variants: [{{id: a, name: a}}, {{id: b, name: b}}]}}" for k in range(100)]
    path = tmp_path / "huge.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = _serve(str(path), "--db", str(tmp_path / "l.sqlite"))
    assert done.returncode == 2 and "more than an exact search can cover" in done.stderr


def test_nul_in_a_source_is_422_not_503(tmp_path: Path) -> None:
    body: dict[str, Any] = {"model": MODEL, "signpost": SIGNPOST, "observed": True, "date": "2025-06-02"}
    with _client(tmp_path) as c:
        r = c.post("/api/evidence", json={**body, "source": "a\x00b"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 422, r.text

"""The web app's snapshots: every write path shows at once, readers get a whole snapshot, ETag and 304.

The app here polls the ledger for other clients' writes only once an hour, so a write through the
app that shows on the next read shows because that write path asked for a new snapshot.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.responses import JSONResponse

from scenarist.evidence import EvidenceInput, NewsStore, open_ledger
from scenarist.evidence.news_store import NewsItemInput
from scenarist.model import load_model
from scenarist.news.service import propose
from scenarist.news.text import text_key
from scenarist.web import Settings, create_app
from scenarist.web.state import AppState, ModelEntry, Snapshot

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

MODEL = "us-russia-2025"
TOKEN = "snapshot-test-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NO_POLL = Settings(draws=1_500, assumption_draws=30, ledger_poll=3600.0)
API = f"/api/models/{MODEL}"


def make_client(tmp: Path, settings: Settings = NO_POLL) -> TestClient:
    return TestClient(create_app([MODEL], str(tmp / "ledger.sqlite"), TOKEN, False, settings=settings))


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path) as c:
        yield c


def state_of(client: TestClient) -> AppState:
    state: AppState = client.app.state.scenarist  # type: ignore[attr-defined]
    return state


def entry_of(client: TestClient) -> ModelEntry:
    return state_of(client).entries[MODEL]


def active(client: TestClient) -> list[int]:
    ids: list[int] = client.get(f"{API}/probabilities").json()["evidence"]["active"]
    return ids


def evidence(n: int = 1, **changes: Any) -> dict[str, Any]:
    body = {"signpost": "new_us_sanctions", "observed": True, "date": f"2025-06-{n:02d}", "source": f"Wire {n}",
            "reliability": 0.7}  # fmt: skip
    body.update(changes)
    return body


def add(client: TestClient, n: int = 1) -> dict[str, Any]:
    r = client.post(f"{API}/evidence", json=evidence(n), headers=AUTH)
    assert r.status_code == 201, r.text
    doc: dict[str, Any] = r.json()
    return doc


def csrf_after_login(client: TestClient) -> str:
    def csrf(html: str) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', html)
        assert found, "no CSRF token on the page"
        return found.group(1)

    token = csrf(client.get("/login").text)
    r = client.post("/login", data={"csrf": token, "token": TOKEN, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    return csrf(client.get(f"/models/{MODEL}/evidence").text)


# ------------------------------------------------------------------ every write path shows on the next read


def test_adding_evidence_shows_in_every_read_at_once(client: TestClient) -> None:
    before = client.get(API).json()["probabilities"]["evidence"]
    doc = add(client)
    eid = doc["evidence"]["id"]
    assert active(client) == [eid]
    assert client.get(API).json()["probabilities"]["evidence"] == before + 1
    assert client.get(f"{API}/timeline").json()["steps"][-1]["evidence"] == eid
    assert client.get(f"{API}/probabilities").json()["now"]["families"] != []
    assert doc["revision"] == entry_of(client).snapshot().revision  # the write names the revision it shows in
    assert f"#{eid} " in client.get(f"/models/{MODEL}").text  # the overview page (shared, built with the snapshot)


def test_retracting_evidence_shows_at_once(client: TestClient) -> None:
    first, second = add(client, 1)["evidence"]["id"], add(client, 2)["evidence"]["id"]
    assert active(client) == [first, second]
    r = client.post(f"{API}/evidence/{first}/retract", json={"reason": "wrong"}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert active(client) == [second]
    r = client.post(f"/api/evidence/{second}/retract", headers=AUTH)  # the older route too
    assert r.status_code == 200, r.text
    assert active(client) == []


def test_evidence_imported_by_another_client_shows_after_a_poll(tmp_path: Path) -> None:
    with make_client(tmp_path, Settings(draws=1_500, assumption_draws=30, ledger_poll=0.1)) as c:
        assert active(c) == []
        with open_ledger(state_of(c).ledger.url) as other:
            rows = other.import_evidence(
                [EvidenceInput(MODEL, "new_us_sanctions", True, dt.date(2025, 6, d), f"Import {d}") for d in (1, 2)]
            )
        deadline = time.monotonic() + 20
        while active(c) != [r.id for r in rows]:
            assert time.monotonic() < deadline, "the import did not show"
            time.sleep(0.05)


def test_evidence_from_the_form_shows_on_the_page_it_redirects_to(client: TestClient) -> None:
    csrf = csrf_after_login(client)
    fields = {"csrf": csrf, "signpost": "new_us_sanctions", "observed": "yes", "date": "2025-06-03",
              "source": "Form wire", "reliability": "1"}  # fmt: skip
    r = client.post(f"/models/{MODEL}/evidence", data=fields, follow_redirects=False)
    assert r.status_code == 303
    eid = int(r.headers["location"].rsplit("=", 1)[1])
    assert active(client) == [eid]
    assert f"#{eid} " in client.get(r.headers["location"]).text


def test_forecast_writes_show_at_once(client: TestClient) -> None:
    model = load_model(MODEL)
    qid = model.forecasts[0].id

    def tracked() -> dict[str, Any]:
        questions = client.get(f"{API}/forecasts").json()["questions"]
        return {q["id"]: q for q in questions}

    assert qid not in tracked()
    r = client.post(f"{API}/forecasts", json={"id": qid}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert qid in tracked()
    count = len(tracked()[qid]["forecasts"])
    r = client.post(f"{API}/forecasts/{qid}/predictions", json={"probability": 0.37}, headers=AUTH)
    assert r.status_code == 201, r.text
    history = tracked()[qid]["forecasts"]
    assert len(history) == count + 1 and 0.37 in [f["probability"] for f in history]
    r = client.post(f"{API}/forecasts/{qid}/resolution", json={"outcome": "yes", "date": "2025-12-01"}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert tracked()[qid]["outcome"] == "yes"
    assert client.get(f"{API}/forecasts").json()["scores"]["scored"] >= 1


def test_accepting_news_shows_the_evidence_at_once(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    with open_ledger(str(db)) as ledger:
        title, summary = (
            "Treasury imposes sweeping sanctions on Rosneft",
            "The U.S. Treasury sanctioned Russian oil firms.",
        )
        item = NewsItemInput("Wire", title, summary, text_key(title, summary), url="https://wire.example/s",
                             published=dt.date(2025, 10, 22), reliability=0.9)  # fmt: skip
        stored, _ = NewsStore(ledger).add_items([item])
        proposals = propose(ledger, [load_model(MODEL)], stored)
        assert proposals, "the news item proposes no evidence"
        proposal = proposals[0]
    with make_client(tmp_path) as c:
        assert active(c) == []
        csrf = csrf_after_login(c)
        url = f"/models/{MODEL}/news/{proposal.id}/accept"
        r = c.post(url, data={"csrf": csrf, "observed": "yes"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        stored_now = state_of(c).ledger.list_evidence(MODEL)
        assert len(stored_now) == 1 and active(c) == [stored_now[0].id]


# ------------------------------------------------------------------ whole snapshots, coalesced rebuilds


class Gate:
    """A snapshot part that holds the refresher inside a rebuild until opened (it builds nothing)."""

    def __init__(self) -> None:
        self.closed = False
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, state: AppState, entry: ModelEntry, snap: Snapshot) -> None:
        if self.closed:
            self.entered.set()
            assert self.opened.wait(60), "the test did not open the gate"


def install_gate(client: TestClient) -> Gate:
    gate = Gate()
    state_of(client).parts.insert(1, gate)  # after the JSON, before the charts and the page
    return gate


def write_in_thread(client: TestClient, n: int, results: list[int]) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(add(client, n)["evidence"]["id"]))
    thread.start()
    return thread


def test_reads_during_a_rebuild_get_the_whole_old_snapshot_then_the_whole_new_one(client: TestClient) -> None:
    first = add(client, 1)["evidence"]["id"]
    reads = ["", "/probabilities", "/timeline", "/watch", "/forecasts"]
    old = {path: client.get(API + path) for path in reads}
    old_page = client.get(f"/models/{MODEL}").text
    gate = install_gate(client)
    gate.closed = True
    ids: list[int] = []
    writer = write_in_thread(client, 2, ids)
    assert gate.entered.wait(60)
    seen: list[tuple[str, str, bytes]] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            for path in reads:
                r = client.get(API + path)
                seen.append((path, r.headers["etag"], r.content))

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    time.sleep(1.0)  # reads while the new snapshot is half built: each gets the old one, whole
    for path in reads:
        r = client.get(API + path)
        assert r.content == old[path].content and r.headers["etag"] == old[path].headers["etag"]
    assert client.get(f"/models/{MODEL}").text == old_page
    gate.opened.set()
    writer.join(60)
    stop.set()
    for t in readers:
        t.join(60)
    second = ids[0]
    assert active(client) == [first, second]
    # Every answer, during and after, is one of the two whole snapshots: one body per ETag, and per
    # ETag the documents agree on the evidence they count.
    by_tag: dict[str, dict[str, bytes]] = {}
    for path, tag, body in seen:
        assert by_tag.setdefault(tag, {}).setdefault(path, body) == body
    assert 1 <= len(by_tag) <= 2 and old[""].headers["etag"] in by_tag
    for bodies in by_tag.values():
        if "/probabilities" in bodies and "" in bodies:
            counted = len(json.loads(bodies["/probabilities"])["evidence"]["active"])
            assert json.loads(bodies[""])["probabilities"]["evidence"] == counted
    assert f"#{second} " in client.get(f"/models/{MODEL}").text and f"#{second} " not in old_page


def test_writes_during_a_rebuild_coalesce_into_one_more(client: TestClient) -> None:
    add(client, 1)
    refresher = entry_of(client).refresher
    gate = install_gate(client)
    gate.closed = True
    ids: list[int] = []
    threads = [write_in_thread(client, 2, ids)]
    assert gate.entered.wait(60)
    builds = refresher.builds
    threads += [write_in_thread(client, n, ids) for n in (3, 4, 5)]
    deadline = time.monotonic() + 30
    while len(state_of(client).ledger.list_evidence(MODEL)) < 5:  # the three writes are stored and waiting
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.2)
    gate.closed = False
    gate.opened.set()
    for t in threads:
        t.join(60)
    assert sorted(active(client)) == sorted([*ids, active(client)[0]])
    assert len(active(client)) == 5
    assert refresher.builds - builds == 2  # the held rebuild, then ONE for the three writes made meanwhile


# ------------------------------------------------------------------ ETag, 304, prepared gzip, spliced JSON


def test_etag_304_and_a_new_tag_after_a_write(client: TestClient) -> None:
    r = client.get(f"{API}/probabilities")
    tag = r.headers["etag"]
    assert r.status_code == 200 and tag.startswith('"') and r.headers["cache-control"] == "no-cache"
    again = client.get(f"{API}/probabilities", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(f"{API}/watch", headers={"If-None-Match": f'W/{tag}, "other"'}).status_code == 304
    add(client)
    after = client.get(f"{API}/probabilities", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert client.get(f"{API}/probabilities", headers={"If-None-Match": after.headers["etag"]}).status_code == 304


def test_prepared_gzip_and_the_spliced_probabilities_are_the_whole_document(client: TestClient) -> None:
    add(client)
    plain = client.get(f"{API}/probabilities", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = client.stream("GET", f"{API}/probabilities", headers={"Accept-Encoding": "gzip"})
    with raw as r:
        assert r.headers["content-encoding"] == "gzip" and "accept-encoding" in r.headers["vary"].lower()
        packed = b"".join(r.iter_raw())
    assert gzip.decompress(packed) == plain.content
    standing = entry_of(client).snapshot().standing
    assert standing is not None
    assert plain.content == JSONResponse({"ok": True, **standing.to_dict()}).body


def test_a_failed_part_leaves_the_read_to_build_it(client: TestClient) -> None:
    def broken(state: AppState, entry: ModelEntry, snap: Snapshot) -> None:
        raise RuntimeError("a bug in a part")

    parts: list[Callable[[AppState, ModelEntry, Snapshot], None]] = state_of(client).parts
    parts[:] = [broken]  # nothing is prepared: every read builds its bytes on first use
    eid = add(client, 1)["evidence"]["id"]
    snap = entry_of(client).snapshot()
    assert snap.pages == {} and eid in [e.id for e in snap.active]
    assert active(client) == [eid] and client.get(API).json()["probabilities"]["evidence"] == 1
    assert f"#{eid} " in client.get(f"/models/{MODEL}").text

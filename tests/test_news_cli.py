"""The news commands end to end (subprocesses on a temporary SQLite ledger): read, propose, review, poll."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from news_support import FeedServer, feed_server

ITEMS = [
    {"title": "Treasury imposes sweeping sanctions on Rosneft and Lukoil", "published": "2025-10-22",
     "summary": "The U.S. Treasury announced a package of sanctions on Russian oil companies in response to the war.",
     "url": "https://wire.example/sanctions", "source": "Capital Wire"},
    {"title": "US and EU strike deal capping tariffs at 15%", "published": "2025-07-27",
     "summary": "Washington and the European Union announced an agreement that caps the tariffs on each other's goods.",
     "url": "https://wire.example/trade", "source": "Capital Wire"},
    {"title": "Brent posts a November average below $60", "published": "2025-12-01",
     "summary": "The November average for Brent crude was $59.60, the first calendar month below $60.",
     "url": "https://wire.example/brent", "source": "Capital Wire"},
    {"title": "Local football club wins the cup", "published": "2026-03-14",
     "summary": "The home side won 2-1 after extra time.", "url": "https://wire.example/football"},
]  # fmt: skip


def _run(db: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "scenarist", *args],
        capture_output=True,
        text=True,
        env={"SCENARIST_DB": str(db), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        check=False,
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def _proposals(db: Path, *flags: str) -> list[dict[str, Any]]:
    doc = json.loads(_run(db, "news", "proposals", "--format", "json", *flags).stdout)
    rows: list[dict[str, Any]] = doc["proposals"]
    return rows


@pytest.fixture()
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in ITEMS) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def server() -> Iterator[FeedServer]:
    with feed_server() as srv:
        yield srv


def test_add_review_and_record(tmp_path: Path, items: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    first = _run(db, "news", "add", str(items), "--reliability", "0.8")
    assert "4 new item(s), 0 already stored, 3 proposal(s)" in first.stdout
    assert "0 new item(s), 4 already stored, 0 proposal(s)" in _run(db, "news", "add", str(items)).stdout
    rows = {p["signpost_id"]: p for p in _proposals(db)}
    assert set(rows) == {"new_us_sanctions", "us_eu_trade_deal", "brent_below_60"}
    table = _run(db, "news", "proposals").stdout
    assert "new_us_sanctions" in table and "Capital Wire" in table and "2025-10-22" in table

    sanctions = rows["new_us_sanctions"]
    out = _run(db, "news", "accept", str(sanctions["id"])).stdout
    assert f"proposal #{sanctions['id']} accepted as evidence #1" in out
    [ev] = json.loads(_run(db, "evidence", "list", "--format", "json").stdout)["evidence"]
    assert ev["signpost_id"] == "new_us_sanctions" and ev["date"] == "2025-10-22" and ev["reliability"] == 0.8
    assert ev["source"] == "Capital Wire: " + ITEMS[0]["title"] and ev["url"] == ITEMS[0]["url"]

    _run(db, "news", "reject", str(rows["us_eu_trade_deal"]["id"]), "--note", "old news")
    _run(db, "news", "defer", str(rows["brent_below_60"]["id"]))
    assert _proposals(db) == []
    assert [p["signpost_id"] for p in _proposals(db, "--deferred")] == ["brent_below_60"]
    statuses = {p["signpost_id"]: p["status"] for p in _proposals(db, "--all")}
    assert statuses == {"new_us_sanctions": "accepted", "us_eu_trade_deal": "rejected", "brent_below_60": "deferred"}

    again = _run(db, "news", "accept", str(sanctions["id"]), ok=False)
    assert again.returncode == 1 and again.stderr.strip() == f"error: proposal {sanctions['id']} was already accepted"
    assert _run(db, "news", "accept", "999", ok=False).returncode == 2
    late = _run(db, "news", "accept", "999", ok=False)
    assert late.stderr.strip() == "error: no proposal with id 999"
    brent = rows["brent_below_60"]["id"]
    assert "accepted" in _run(db, "news", "accept", str(brent), "--observed", "no", "--reliability", "0.5").stdout
    evidence = json.loads(_run(db, "evidence", "list", "--format", "json").stdout)["evidence"]
    assert [(e["signpost_id"], e["observed"], e["reliability"]) for e in evidence][-1] == ("brent_below_60", False, 0.5)


def test_bad_item_file_is_one_line_naming_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "ok"}\n{"title": "x", "published": "yesterday"}\n', encoding="utf-8")
    proc = _run(tmp_path / "l.sqlite", "news", "add", str(bad), ok=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {bad}:2: published: 'yesterday' is not a date; expected YYYY-MM-DD"


def test_feeds_and_poll(tmp_path: Path, server: FeedServer) -> None:
    db = tmp_path / "ledger.sqlite"
    assert "feed #1 registered" in _run(db, "news", "feeds", "add", f"{server.base}/feed.xml", "--name", "Wire").stdout
    dup = _run(db, "news", "feeds", "add", f"{server.base}/feed.xml", "--name", "Wire", ok=False)
    assert "already registered" in dup.stderr
    assert "Wire: 3 new item(s)" in _run(db, "news", "poll").stdout
    assert "not modified since the last poll" in _run(db, "news", "poll").stdout
    _run(db, "news", "feeds", "add", f"{server.base}/broken.xml", "--name", "Broken", "--reliability", "0.5")
    polled = _run(db, "news", "poll", ok=False)
    assert polled.returncode == 1 and "error: Broken:" in polled.stderr and "not a" in polled.stderr
    feeds = json.loads(_run(db, "news", "feeds", "list", "--format", "json").stdout)["feeds"]
    assert [(f["name"], f["last_error"] is None) for f in feeds] == [("Wire", True), ("Broken", False)]
    assert len(_proposals(db)) >= 2

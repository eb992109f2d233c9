"""The evidence and forecast commands end to end, on a temporary SQLite ledger."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _run(db: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scenarist",
            *args,
            *(["--db", str(db)] if args[0] not in ("forecast", "evidence") else []),
        ],
        capture_output=True,
        text=True,
        env={"SCENARIST_DB": str(db), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
        check=False,
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def _named(db: Path) -> dict[str, float]:
    doc = json.loads(_run(db, "probabilities", "--draws", "3000", "--format", "json").stdout)
    families = {f["id"]: f["probability"] for f in doc["now"]["families"]}
    assert sum(families.values()) == pytest.approx(1.0)  # the families and none of these partition the mass
    return {k: round(v, 12) for k, v in families.items()}


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


def test_evidence_moves_probabilities_and_retraction_restores_them(db: Path) -> None:
    before = _named(db)
    added = _run(
        db, "evidence", "add", "us-russia-2025", "washington_blames_moscow", "--observed", "yes",
        "--date", "2025-07-01", "--source", "Briefing", "--reliability", "0.9",
    )  # fmt: skip
    assert "evidence #1 recorded" in added.stdout
    after = _named(db)
    assert after != before
    _run(db, "evidence", "retract", "1", "--reason", "misreported")
    assert _named(db) == before
    listed = json.loads(_run(db, "evidence", "list", "--all", "--format", "json").stdout)["evidence"]
    assert [(e["id"], e["retracted"], e["retraction_reason"]) for e in listed] == [(1, True, "misreported")]
    active = json.loads(_run(db, "evidence", "list", "--format", "json").stdout)["evidence"]
    assert active == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--observed", "yes", "--date", "2025-07-01", "--source", "x"], "no signpost 'nope'"),
        (["washington_blames_moscow", "--observed", "yes", "--date", "2025-02-30", "--source", "x"], "not a date"),
        (
            ["washington_blames_moscow", "--observed", "yes", "--date", "2025-07-01", "--source", "x",
             "--reliability", "1.2"],
            "reliability",
        ),
    ],
)  # fmt: skip
def test_bad_evidence_is_refused_and_the_ledger_unchanged(db: Path, args: list[str], message: str) -> None:
    proc = _run(db, "evidence", "add", "us-russia-2025", *args, ok=False)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads(_run(db, "evidence", "list", "--all", "--format", "json").stdout)["evidence"] == []


def test_csv_import_is_all_or_nothing(db: Path, tmp_path: Path) -> None:
    good = "signpost,observed,date,source,reliability\nwashington_blames_kyiv,yes,2025-06-01,A,0.7\n"
    bad = good + "us_ends_mediation,maybe,2025-06-02,B,1\n"
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    proc = _run(db, "evidence", "import", str(tmp_path / "bad.csv"), ok=False)
    assert proc.returncode == 2 and "bad.csv:3" in proc.stderr
    assert json.loads(_run(db, "evidence", "list", "--all", "--format", "json").stdout)["evidence"] == []
    (tmp_path / "good.csv").write_text(good, encoding="utf-8")
    assert "imported 1" in _run(db, "evidence", "import", str(tmp_path / "good.csv")).stdout
    timeline = json.loads(_run(db, "timeline", "--draws", "3000", "--format", "json").stdout)
    assert [s["signpost"] for s in timeline["steps"]] == [None, "washington_blames_kyiv"]


def test_forecast_lifecycle_and_scores(db: Path) -> None:
    added = _run(db, "forecast", "add", "war_goes_on")
    assert "standing forecast" in added.stdout and "(model, as of" in added.stdout
    _run(db, "forecast", "add", "q1", "--question", "Will it rain?", "--criteria", "Rain", "--close", "2026-03-31")
    _run(db, "forecast", "predict", "q1", "--probability", "0.6", "--date", "2026-01-01")
    _run(db, "forecast", "predict", "q1", "--probability", "0.8", "--date", "2026-01-04")
    _run(db, "forecast", "resolve", "q1", "--outcome", "yes", "--date", "2026-01-06")
    scores = json.loads(_run(db, "forecast", "scores", "--format", "json").stdout)
    (q,) = scores["questions"]
    # days 1-3 at 0.6, days 4-6 at 0.8: ((3 * 0.16) + (3 * 0.04)) / 6
    assert q["question"] == "q1" and q["time_averaged_brier"] == pytest.approx(0.1)
    assert q["brier"] == pytest.approx(0.04)
    listed = json.loads(_run(db, "forecast", "list", "--format", "json").stdout)["questions"]
    assert {x["id"] for x in listed} == {"war_goes_on", "q1"}

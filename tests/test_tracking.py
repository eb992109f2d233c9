"""Time-aware tracking: windows, explicit 'no', duplicates, repeated reports, dated model forecasts, scoring."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scenarist import service
from scenarist.errors import ConflictError, InputError
from scenarist.evidence import EvidenceInput, open_ledger
from scenarist.model import compile_model, parse_model
from scenarist.model.checks import model_checks
from scenarist.model.schema import CurrentState
from scenarist.service import AnalysisSettings, Loaded

MODEL = """
scenarist: 1
id: tracked
title: A small tracked system
start: 2025-01-01
horizon: 2025-12-31
descriptors:
  - id: A
    name: A
    variants: [{id: a0, name: A0}, {id: a1, name: A1}]
  - id: B
    name: B
    variants: [{id: b0, name: B0}, {id: b1, name: B1}]
judgments:
  - {from: A.a0, to: B.b0, impact: 2}
  - {from: A.a1, to: B.b1, impact: 2}
  - {from: B.b0, to: A.a0, impact: 1}
  - {from: B.b1, to: A.a1, impact: 1}
scenarios:
  - {id: low, name: Low, core: {A: a0, B: b0}}
  - {id: high, name: High, core: {A: a1, B: b1}}
  - {id: any_b1, name: B1 lens, kind: lens, core: {B: b1}}
signposts:
  - {id: sa, name: Sign of A1, observation: A1 seen, descriptor: A, likelihoods: {a0: 0.1, a1: 0.9}}
  - id: sb
    name: Sign of B1
    observation: B1 seen
    descriptor: B
    likelihoods: {b0: 0.2, b1: 0.8}
    window: {start: 2025-03-01, end: 2025-06-30}
forecasts:
  - id: q_high
    question: Will the high family hold?
    resolution_criteria: High.
    close_date: 2025-12-31
    event: {scenario: high}
  - id: q_b1
    question: Will B1 be seen?
    resolution_criteria: B1 seen.
    close_date: 2025-12-31
    event: {descriptor: B, variant: b1}
    signpost: sb
"""

SETTINGS = AnalysisSettings(draws=2_000, seed=1)


@pytest.fixture()
def loaded() -> Loaded:
    model = parse_model(MODEL, file="tracked.yaml")
    return Loaded(model, compile_model(model))


def _fields(**values: object) -> service.EvidenceFields:
    base: dict[str, object] = {"signpost": "sa", "observed": "yes", "date": "2025-02-01", "source": "Wire"}
    base.update(values)
    return service.evidence_fields(base)


def test_families_and_none_partition_the_mass_and_lenses_stay_apart(loaded: Loaded) -> None:
    standing = service.standing(loaded, None, SETTINGS)
    for accounting in (standing.before, standing.now):
        assert [s.id for s in accounting.families] == ["low", "high", "none_of_these"]
        assert sum(s.probability for s in accounting.families) == pytest.approx(1.0, abs=1e-12)
        assert [s.id for s in accounting.lenses] == ["any_b1"]
        for s in accounting.families:
            assert s.interval[0] <= s.probability <= s.interval[1]
    doc = standing.to_dict()
    assert set(doc) >= {"before_evidence", "now", "timeline", "watch_list", "probabilities"}
    assert doc["before_evidence"]["basis"] == "given the system settles"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"date": "2024-12-31"}, "before the model's window"),
        ({"date": "2026-01-01"}, "after the model's horizon"),
        ({"signpost": "sb", "date": "2025-02-01"}, "before the window of sb"),
        ({"signpost": "sb", "date": "2025-07-01"}, "after the window of sb"),
        ({"observed": "no", "date": "2025-02-01"}, "not yet observed"),
        ({"date": "20250201"}, "not a date"),
        ({"signpost": "nope"}, "no signpost 'nope'"),
    ],
)
def test_evidence_outside_its_window_or_a_premature_no_is_refused(
    loaded: Loaded, tmp_path: Path, values: dict[str, object], message: str
) -> None:
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        with pytest.raises(InputError, match=message):
            service.record_evidence(loaded, ledger, _fields(**values))
        assert ledger.list_evidence(include_retracted=True) == []


def test_an_explicit_no_and_a_no_after_the_window_closed_are_evidence(loaded: Loaded, tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        early = service.record_evidence(loaded, ledger, _fields(observed="no", explicit="yes"))
        late = service.record_evidence(loaded, ledger, _fields(signpost="sb", observed="no", date="2025-06-30"))
        assert [e.id for e in ledger.list_evidence()] == [early.id, late.id]


def test_the_same_report_twice_is_refused_and_repeated_reports_count_once(loaded: Loaded, tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        service.record_evidence(loaded, ledger, _fields(reliability=0.6))
        with pytest.raises(ConflictError):
            service.record_evidence(loaded, ledger, _fields(source="  wire "))
        one = service.standing(loaded, ledger, SETTINGS).now.as_mapping()
        service.record_evidence(loaded, ledger, _fields(source="Agency", date="2025-02-03", reliability=0.6))
        two = service.standing(loaded, ledger, SETTINGS)
        # the second report of the same event (same outcome) is not independent evidence
        assert two.now.as_mapping() == pytest.approx(one, abs=1e-12)
        assert len(two.posterior.observations) == 1 and len(two.active) == 2
        service.record_evidence(loaded, ledger, _fields(source="Ministry", date="2025-02-05", reliability=0.9))
        three = service.standing(loaded, ledger, SETTINGS)
        (obs,) = three.posterior.observations
        assert (obs.reliability, obs.date) == (0.9, dt.date(2025, 2, 1))  # most reliable, from the first date
        assert len(three.timeline.steps) == 4


def test_model_forecasts_are_dated_by_the_evidence_and_rewritten_on_retraction(loaded: Loaded, tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        service.add_question(loaded, ledger, "q_high")
        history = ledger.forecasts("q_high")
        assert [(f.date, f.origin, f.revision) for f in history] == [
            (dt.date(2025, 1, 1), "model", loaded.compiled.revision)
        ]
        row = service.record_evidence(loaded, ledger, _fields(date="2025-04-10"))
        moved = ledger.forecasts("q_high")
        assert [f.date for f in moved] == [dt.date(2025, 1, 1), dt.date(2025, 4, 10)]
        assert moved[1].probability > moved[0].probability  # a sign of A1 makes the high family likelier
        # a back-dated report rewrites the history consistently
        service.record_evidence(loaded, ledger, _fields(date="2025-03-01", source="Earlier wire"))
        assert [f.date for f in ledger.forecasts("q_high")] == [dt.date(2025, 1, 1), dt.date(2025, 3, 1)]
        service.retract_evidence(ledger, row.id, "wrong", loaded=loaded)
        service.retract_evidence(ledger, row.id + 1, "wrong too", loaded=loaded)
        assert [(f.date, f.probability) for f in ledger.forecasts("q_high")] == [(moved[0].date, moved[0].probability)]


def test_a_question_resolved_by_its_own_signpost_is_not_moved_by_it(loaded: Loaded, tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        service.add_question(loaded, ledger, "q_b1")
        before = ledger.forecasts("q_b1")
        service.record_evidence(loaded, ledger, _fields(signpost="sb", date="2025-05-01"))
        assert ledger.forecasts("q_b1") == before
        service.record_evidence(loaded, ledger, _fields(signpost="sa", date="2025-05-02"))
        assert len(ledger.forecasts("q_b1")) == 2


def test_resolution_scores_the_forecasts_made_before_it(loaded: Loaded, tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        service.add_question(loaded, ledger, "q_high")
        service.record_evidence(loaded, ledger, _fields(date="2025-04-10"))
        ledger.resolve("q_high", "yes", dt.date(2025, 5, 1))
        report = service.resolved_questions(ledger, "tracked")
        (score,) = report.scores
        assert report.unscored == 0
        assert score.final_probability == pytest.approx(ledger.forecasts("q_high")[-1].probability)
        assert score.days == (dt.date(2025, 5, 1) - dt.date(2025, 1, 1)).days + 1


def test_from_today_is_a_second_named_method(loaded: Loaded) -> None:
    assert service.standing(loaded, None, SETTINGS).today is None  # the model declares no current state
    today = service.standing(
        loaded, None, SETTINGS, current=CurrentState(date=dt.date(2025, 5, 1), variants={"A": "a1", "B": "b1"})
    )
    assert today.from_today is not None and today.from_today.method == "monte-carlo-from-current-state"
    assert today.today is not None and today.current_date == dt.date(2025, 5, 1)
    assert today.today.probability("high") > today.before.probability("high")
    assert today.to_dict()["from_current_state"]["source_method"] == "monte-carlo-from-current-state"


def test_evidence_about_a_signpost_that_left_the_model_is_kept_and_marked_unused(
    loaded: Loaded, tmp_path: Path
) -> None:
    with open_ledger(tmp_path / "l.sqlite") as ledger:
        ledger.add_evidence(EvidenceInput("tracked", "gone", True, dt.date(2025, 2, 1), "Old revision"))
        standing = service.standing(loaded, ledger, SETTINGS)
        assert [e.signpost_id for e in standing.unused] == ["gone"]
        assert standing.posterior.observations == ()
        assert standing.to_dict()["evidence"]["unused"] == [standing.unused[0].id]


def test_checks_find_what_the_analyst_needs_with_locations(tmp_path: Path) -> None:
    text = MODEL.replace(
        "  - {from: B.b1, to: A.a1, impact: 1}\n",
        "  - {from: B.b1, to: A.a1, impact: 1}\n  - {from: A.a0, to: B.b1, impact: -1}\n",
    )
    text = text.replace(
        "    variants: [{id: b0, name: B0}, {id: b1, name: B1}]",
        "    as_of: 2025-01-01\n    variants: [{id: b0, name: B0}, {id: b1, name: B1}]",
    )
    text = text.replace(
        "    variants: [{id: a0, name: A0}, {id: a1, name: A1}]",
        "    as_of: 2025-06-01\n    variants: [{id: a0, name: A0}, {id: a1, name: A1}]",
    )
    text = text.replace(
        "  - {id: high, name: High, core: {A: a1, B: b1}}",
        "  - {id: high, name: High, core: {A: a1, B: b1}}\n  - {id: odd, name: Odd, core: {A: a0, B: b1}}\n"
        "  - {id: wide, name: Wide, core: {B: [b0, b1]}}",
    )
    text = text.replace(
        "judgments:\n",
        "  - id: C\n    name: C\n    variants: [{id: c0, name: C0}, {id: c1, name: C1}]\n"
        "judgments:\n  - {from: A.a0, to: C.c0, impact: 1}\n",
    )
    path = tmp_path / "checked.yaml"
    path.write_text(text, encoding="utf-8")
    _, warnings = service.check_model(str(path))
    codes = {w.code for w in warnings}
    assert {
        "unsupported-variant",
        "family-against-judgments",
        "families-overlap",
        "judgment-backwards-in-time",
    } <= codes
    against = next(w for w in warnings if w.code == "family-against-judgments")
    assert against.location.file == str(path) and against.location.line > 0
    assert "A.a0 pushes B.b1 down" in against.message
    backwards = [w for w in warnings if w.code == "judgment-backwards-in-time"]
    assert backwards and all("A." in w.message.split(" drives ")[0] for w in backwards)
    clean = model_checks(parse_model(MODEL))
    assert not [w for w in clean if w.code in ("families-overlap", "judgment-backwards-in-time")]


def test_cli_json_web_api_and_report_inputs_give_one_answer(tmp_path: Path) -> None:
    """The CLI's JSON, the web API and the service (which the report renders) agree for one ledger and seed."""
    import subprocess
    import sys

    from fastapi.testclient import TestClient

    from scenarist.web import Settings, create_app

    db = tmp_path / "ledger.sqlite"
    env = {"SCENARIST_DB": str(db), "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    add = [sys.executable, "-m", "scenarist", "evidence", "add", "us-russia-2025", "new_us_sanctions",
           "--observed", "yes", "--date", "2025-10-22", "--source", "Treasury", "--reliability", "0.9"]  # fmt: skip
    subprocess.run(add, env=env, check=True, capture_output=True)
    cli = [sys.executable, "-m", "scenarist", "probabilities", "--format", "json", "--draws", "3000", "--seed", "4"]
    doc = json.loads(subprocess.run(cli, env=env, check=True, capture_output=True, text=True).stdout)
    settings = Settings(draws=3000, seed=4, assumption_draws=50)
    app = create_app(["us-russia-2025"], str(db), "t" * 32, False, settings=settings)
    with TestClient(app) as client:
        web = client.get("/api/models/us-russia-2025/probabilities").json()
    loaded = service.load("us-russia-2025")
    with open_ledger(db) as ledger:
        direct = service.standing(loaded, ledger, AnalysisSettings(draws=3000, seed=4)).to_dict()
    for key in ("before_evidence", "now"):
        assert doc[key]["families"] == direct[key]["families"]
    assert web["now"]["families"] == doc["now"]["families"]
    assert web["before_evidence"]["families"] == doc["before_evidence"]["families"]


def test_diff_shows_changed_judgments_consistent_sets_and_probabilities(loaded: Loaded) -> None:
    from scenarist.service.diff import diff_models

    revised_text = MODEL.replace("  - {from: A.a1, to: B.b1, impact: 2}\n", "  - {from: A.a1, to: B.b1, impact: -2}\n")
    revised_text = revised_text.replace("  - id: sb\n", "  - id: sb_renamed\n")
    revised = parse_model(revised_text)
    other = Loaded(revised, compile_model(revised))
    diff = diff_models(loaded, other, SETTINGS)
    assert [(j.source, j.target, j.old, j.new) for j in diff.judgments] == [("A.a1", "B.b1", 2, -2)]
    assert diff.old_revision != diff.new_revision
    # (a1, b1) was consistent and is no longer: A.a1 now pushes B away from b1
    assert {"A": "a1", "B": "b1"} in diff.consistent_only_old
    assert diff.signposts_removed == ("sb",) and diff.signposts_added == ("sb_renamed",)
    assert sum(diff.families_old.values()) == pytest.approx(1.0) == sum(diff.families_new.values())
    assert diff.families_new["high"] < diff.families_old["high"]
    assert diff.to_dict()["judgments"] == [{"from": "A.a1", "to": "B.b1", "old": 2, "new": -2}]

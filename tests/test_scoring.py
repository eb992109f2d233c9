"""Scoring resolved forecasts: Brier, log score, GJOpen time-averaged Brier, calibration, the report."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarist.engines.scoring import (
    ResolvedQuestion,
    brier,
    calibration,
    log_score,
    score_questions,
    time_averaged_brier,
)
from scenarist.errors import EngineError


def day(n: int) -> dt.date:
    """Day n of January 2025."""
    return dt.date(2025, 1, n)


# ---------------------------------------------------------------- Brier and log score


def test_brier_hand_values() -> None:
    assert brier(0.7, True) == pytest.approx(0.09, abs=1e-15)  # (0.7 − 1)²
    assert brier(0.7, False) == pytest.approx(0.49, abs=1e-15)  # (0.7 − 0)²
    assert brier(0.0, False) == 0.0
    assert brier(1.0, True) == 0.0
    assert brier(1.0, False) == 1.0
    assert brier(0.5, True) == brier(0.5, False) == 0.25


def test_log_score_hand_values() -> None:
    assert log_score(0.8, True) == pytest.approx(math.log(0.8), abs=1e-15)
    assert log_score(0.8, False) == pytest.approx(math.log(0.2), abs=1e-15)
    assert log_score(0.5, True) == log_score(0.5, False) == pytest.approx(-math.log(2), abs=1e-15)
    # clipped to [1e-12, 1 − 1e-12]
    assert log_score(0.0, True) == pytest.approx(math.log(1e-12), abs=1e-12)
    assert log_score(1.0, False) == pytest.approx(math.log(1e-12), abs=1e-4)  # 1 − (1 − 1e-12) is not exact
    assert log_score(1.0, True) == pytest.approx(-1e-12, abs=1e-15)
    assert math.isfinite(log_score(0.0, True))


@pytest.mark.parametrize("p", [-0.01, 1.01, -1.0, 2.0, math.nan])
def test_probabilities_outside_zero_one_raise(p: float) -> None:
    with pytest.raises(EngineError):
        brier(p, True)
    with pytest.raises(EngineError):
        log_score(p, False)
    with pytest.raises(EngineError):
        time_averaged_brier([(day(1), p)], True, day(3))
    with pytest.raises(EngineError):
        score_questions([ResolvedQuestion("q", [(day(1), p)], "yes", day(3), None)])


def test_time_averaged_brier_checks_every_forecast_not_only_those_scored() -> None:
    # A forecast of 1.5 superseded the same day, or one made after the last scored day, is still invalid input.
    with pytest.raises(EngineError):
        time_averaged_brier([(day(1), 1.5), (day(1), 0.5)], True, day(3))
    with pytest.raises(EngineError):
        time_averaged_brier([(day(1), 0.5), (day(9), -2.0)], True, day(3))
    with pytest.raises(EngineError):
        score_questions([ResolvedQuestion("q", [(day(1), 0.5), (day(9), 1.5)], "yes", day(3), None)])
    with pytest.raises(EngineError):
        score_questions([ResolvedQuestion("q", [(day(1), 1.5), (day(1), 0.5)], "yes", day(3), None)])


def test_calibration_rejects_probabilities_outside_zero_one() -> None:
    with pytest.raises(EngineError):
        calibration([(1.5, True), (0.4, False)])


@settings(max_examples=100, deadline=None)
@given(p=st.floats(0.0, 1.0), outcome=st.booleans())
def test_scores_are_in_range_and_perfect_forecasts_score_best(p: float, outcome: bool) -> None:
    assert 0.0 <= brier(p, outcome) <= 1.0
    assert log_score(p, outcome) <= 0.0
    certain = 1.0 if outcome else 0.0
    assert brier(certain, outcome) == 0.0
    assert brier(p, outcome) >= brier(certain, outcome)
    assert log_score(p, outcome) <= log_score(certain, outcome)


# ---------------------------------------------------------------- time-averaged Brier (GJOpen)


def test_time_averaged_brier_carries_forecasts_forward() -> None:
    # 0.6 on day 1, 0.8 on day 4, close on day 6, outcome yes:
    # days 1–3 score (1 − 0.6)² = 0.16, days 4–6 score (1 − 0.8)² = 0.04; mean (3·0.16 + 3·0.04)/6 = 0.1
    forecasts = [(day(1), 0.6), (day(4), 0.8)]
    assert time_averaged_brier(forecasts, True, day(6)) == pytest.approx(0.1, abs=1e-12)
    # Outcome no: days 1–3 0.36, days 4–6 0.64 → 0.5
    assert time_averaged_brier(forecasts, False, day(6)) == pytest.approx(0.5, abs=1e-12)
    # order of the input does not matter
    assert time_averaged_brier(forecasts[::-1], True, day(6)) == pytest.approx(0.1, abs=1e-12)


def test_time_averaged_brier_single_day_and_last_forecast_on_the_close() -> None:
    assert time_averaged_brier([(day(5), 0.3)], True, day(5)) == pytest.approx(0.49, abs=1e-12)
    # 0.5 on days 1–4, 0.9 on day 5 (the close): (4·0.25 + 0.01)/5 = 0.202
    assert time_averaged_brier([(day(1), 0.5), (day(5), 0.9)], True, day(5)) == pytest.approx(0.202, abs=1e-12)


def test_two_forecasts_on_one_day_the_later_counts() -> None:
    # day 1: 0.3 then 0.9 → 0.9 stands on days 1–2, (0.1)² = 0.01; 0.5 on days 3–4, 0.25 → (2·0.01 + 2·0.25)/4 = 0.13
    forecasts = [(day(1), 0.3), (day(1), 0.9), (day(3), 0.5)]
    assert time_averaged_brier(forecasts, True, day(4)) == pytest.approx(0.13, abs=1e-12)
    shuffled = [(day(3), 0.5), (day(1), 0.3), (day(1), 0.9)]  # same day kept in the order given
    assert time_averaged_brier(shuffled, True, day(4)) == pytest.approx(0.13, abs=1e-12)
    swapped = [(day(1), 0.9), (day(1), 0.3), (day(3), 0.5)]  # now 0.3 counts: (2·0.49 + 2·0.25)/4 = 0.37
    assert time_averaged_brier(swapped, True, day(4)) == pytest.approx(0.37, abs=1e-12)


def test_forecasts_after_the_last_day_do_not_count() -> None:
    assert time_averaged_brier([(day(1), 0.6), (day(8), 0.0)], True, day(3)) == pytest.approx(0.16, abs=1e-12)


def test_close_before_first_forecast_and_no_forecast_raise() -> None:
    with pytest.raises(EngineError):
        time_averaged_brier([(day(5), 0.5)], True, day(4))
    with pytest.raises(EngineError):
        time_averaged_brier([], True, day(4))


def test_questions_without_a_forecast_in_the_window_are_unscored() -> None:
    report = score_questions(
        [
            ResolvedQuestion("late", [(day(5), 0.5)], "yes", day(4), None),  # closed before the first forecast
            ResolvedQuestion("early", [(day(5), 0.5)], "yes", day(9), day(3)),  # resolved before it
            ResolvedQuestion("none", [], "no", day(9), None),
        ]
    )
    assert report.scores == ()
    assert report.unscored == 3
    assert report.to_dict()["unscored"] == 3


@settings(max_examples=100, deadline=None)
@given(
    forecasts=st.lists(st.tuples(st.integers(1, 20), st.floats(0.0, 1.0)), min_size=1, max_size=6),
    outcome=st.booleans(),
    extra=st.integers(0, 10),
)
def test_time_averaged_brier_equals_a_naive_daily_mean(
    forecasts: list[tuple[int, float]], outcome: bool, extra: int
) -> None:
    first = min(d for d, _ in forecasts)
    last = max(d for d, _ in forecasts) + extra
    daily = []
    for today in range(first, last + 1):
        # the latest forecast made on or before today; on one day, the one given last
        _, _, standing = max((d, k, p) for k, (d, p) in enumerate(forecasts) if d <= today)
        daily.append(brier(standing, outcome))
    expected = sum(daily) / len(daily)
    dated = [(dt.date(2025, 1, 1) + dt.timedelta(days=d), p) for d, p in forecasts]
    got = time_averaged_brier(dated, outcome, dt.date(2025, 1, 1) + dt.timedelta(days=last))
    assert got == pytest.approx(expected, abs=1e-12)


# ---------------------------------------------------------------- the report


def test_resolution_before_close_shortens_the_window() -> None:
    forecasts = [(day(1), 0.6), (day(4), 0.8)]
    early = ResolvedQuestion("early", forecasts, "yes", close_date=day(20), resolved_on=day(6))
    late = ResolvedQuestion("late", forecasts, "yes", close_date=day(6), resolved_on=day(25))
    open_ended = ResolvedQuestion("full", forecasts, "yes", close_date=day(20), resolved_on=None)
    report = score_questions([early, late, open_ended])
    by_id = {s.question: s for s in report.scores}
    assert by_id["early"].time_averaged_brier == pytest.approx(0.1, abs=1e-12)
    assert by_id["early"].days == 6
    assert by_id["late"].time_averaged_brier == pytest.approx(0.1, abs=1e-12)
    assert by_id["late"].days == 6
    # close on day 20: days 1–3 at 0.16, days 4–20 at 0.04 → (3·0.16 + 17·0.04)/20 = 0.058
    assert by_id["full"].time_averaged_brier == pytest.approx(0.058, abs=1e-12)
    assert by_id["full"].days == 20


def test_final_probability_is_the_forecast_standing_on_the_last_scored_day() -> None:
    # A forecast made after the question resolved must not be scored (it is not in the time average either).
    q = ResolvedQuestion("q", [(day(1), 0.2), (day(10), 0.99)], "yes", close_date=day(20), resolved_on=day(5))
    (score,) = score_questions([q]).scores
    assert score.time_averaged_brier == pytest.approx(0.64, abs=1e-12)
    assert score.final_probability == 0.2
    assert score.brier == pytest.approx(0.64, abs=1e-12)
    assert score.log_score == pytest.approx(math.log(0.2), abs=1e-12)


def test_score_report_hand_values_and_annulled_questions() -> None:
    questions = [
        ResolvedQuestion("a", [(day(1), 0.6), (day(4), 0.8)], "yes", day(6), None),  # Brier 0.04, TAB 0.1
        ResolvedQuestion("b", [(day(2), 0.3)], "no", day(3), None),  # Brier 0.09, TAB 0.09
        ResolvedQuestion("void", [(day(1), 0.99)], "annulled", day(3), None),
        ResolvedQuestion("void2", [], "annulled", day(3), None),
        ResolvedQuestion("silent", [], "yes", day(3), None),  # no forecast: not scored
    ]
    report = score_questions(questions)
    assert [s.question for s in report.scores] == ["a", "b"]
    assert report.annulled == 2
    assert report.unscored == 1
    a, b = report.scores
    assert (a.final_probability, a.outcome, a.days) == (0.8, "yes", 6)
    assert a.brier == pytest.approx(0.04, abs=1e-12)
    assert a.log_score == pytest.approx(math.log(0.8), abs=1e-12)
    assert a.time_averaged_brier == pytest.approx(0.1, abs=1e-12)
    assert (b.final_probability, b.outcome, b.days) == (0.3, "no", 2)
    assert b.brier == pytest.approx(0.09, abs=1e-12)
    assert b.log_score == pytest.approx(math.log(0.7), abs=1e-12)
    assert report.mean("brier") == pytest.approx(0.065, abs=1e-12)
    assert report.mean("time_averaged_brier") == pytest.approx(0.095, abs=1e-12)
    record = report.to_dict()
    assert record["method"] == "brier-log-gjopen"
    assert (record["scored"], record["annulled"], record["unscored"]) == (2, 2, 1)
    assert record["mean_brier"] == pytest.approx(0.065, abs=1e-12)
    assert record["mean_log_score"] == pytest.approx((math.log(0.8) + math.log(0.7)) / 2, abs=1e-12)
    assert [q["question"] for q in record["questions"]] == ["a", "b"]


def test_only_annulled_questions() -> None:
    report = score_questions([ResolvedQuestion("void", [(day(1), 0.5)], "annulled", day(3), None)])
    assert report.scores == () and report.annulled == 1 and report.calibration == ()
    assert report.mean("brier") is None


def test_unknown_outcome_raises() -> None:
    with pytest.raises(EngineError):
        score_questions([ResolvedQuestion("q", [(day(1), 0.5)], "maybe", day(3), None)])


# ---------------------------------------------------------------- calibration


def test_calibration_bins() -> None:
    pairs = [
        (0.05, False),
        (0.0, False),
        (0.12, True),
        (0.18, False),
        (0.3, True),  # 0.3 is the lower edge of the fourth bin
        (0.72, True),
        (0.78, True),
        (0.74, False),
        (0.95, True),
        (1.0, True),  # 1.0 falls in the last bin
    ]
    bins = calibration(pairs)
    assert [(b.low, b.high, b.count) for b in bins] == [
        (0.0, 0.1, 2),
        (0.1, 0.2, 2),
        (0.3, 0.4, 1),
        (0.7, 0.8, 3),
        (0.9, 1.0, 2),
    ]
    by_low = {b.low: b for b in bins}
    assert by_low[0.0].mean_forecast == pytest.approx(0.025) and by_low[0.0].observed_frequency == 0.0
    assert by_low[0.1].mean_forecast == pytest.approx(0.15) and by_low[0.1].observed_frequency == 0.5
    assert by_low[0.7].mean_forecast == pytest.approx(2.24 / 3)
    assert by_low[0.7].observed_frequency == pytest.approx(2 / 3)
    assert by_low[0.9].mean_forecast == pytest.approx(0.975) and by_low[0.9].observed_frequency == 1.0
    assert sum(b.count for b in bins) == len(pairs)
    assert bins[0].to_dict()["bin"] == [0.0, 0.1]
    quarters = calibration(pairs, bins=4)
    assert [(b.low, b.count) for b in quarters] == [(0.0, 4), (0.25, 1), (0.5, 2), (0.75, 3)]
    assert calibration([]) == ()


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(st.tuples(st.floats(0.0, 1.0), st.booleans()), max_size=30), bins=st.integers(1, 20))
def test_calibration_counts_every_pair_once(pairs: list[tuple[float, bool]], bins: int) -> None:
    table = calibration(pairs, bins=bins)
    assert sum(b.count for b in table) == len(pairs)
    for b in table:
        assert b.low <= b.mean_forecast <= b.high
        assert 0.0 <= b.observed_frequency <= 1.0


def test_calibration_table_in_the_report_uses_final_forecasts() -> None:
    questions = [
        ResolvedQuestion("a", [(day(1), 0.1), (day(2), 0.85)], "yes", day(3), None),
        ResolvedQuestion("b", [(day(1), 0.82)], "no", day(3), None),
        ResolvedQuestion("c", [(day(1), 0.15)], "no", day(3), None),
    ]
    report = score_questions(questions)
    assert [(b.low, b.count) for b in report.calibration] == [(0.1, 1), (0.8, 2)]
    eighty = report.calibration[1]
    assert eighty.mean_forecast == pytest.approx(0.835) and eighty.observed_frequency == 0.5

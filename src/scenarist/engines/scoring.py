"""Scoring resolved forecasts: Brier, log score, time-averaged Brier, calibration.

For a binary question with outcome ``o`` (1 yes, 0 no) and forecast probability ``p``:

* Brier score ``(p − o)²`` — 0 is perfect, 1 is worst. (Good Judgment Open reports the
  two-outcome form, which is twice this.)
* log score ``ln p`` if yes, ``ln(1 − p)`` if no — 0 is perfect, higher is better;
  probabilities are clipped to [1e-12, 1 − 1e-12].
* time-averaged Brier (Good Judgment Open's rule): every day from the day of the first
  forecast to the last scored day (the close date, or the resolution date if earlier)
  is scored with the forecast standing that day — the latest made on or before it,
  carried forward — and the daily scores are averaged.

Annulled questions are not scored, nor are questions with no forecast made by their
last scored day (reported as unscored). The calibration table bins each question's final
standing forecast into tenths and compares the mean forecast with the observed frequency.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scenarist.errors import EngineError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CalibrationBin",
    "QuestionScore",
    "ResolvedQuestion",
    "ScoreReport",
    "brier",
    "calibration",
    "log_score",
    "score_questions",
    "time_averaged_brier",
]

EPS = 1e-12


def _check(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise EngineError(f"a probability must lie between 0 and 1, got {p}")


def brier(p: float, outcome: bool) -> float:
    """(p − o)²."""
    _check(p)
    return (p - (1.0 if outcome else 0.0)) ** 2


def log_score(p: float, outcome: bool) -> float:
    """ln p if the event happened, ln(1 − p) otherwise (natural log; clipped)."""
    _check(p)
    q = min(max(p, EPS), 1 - EPS)
    return math.log(q if outcome else 1 - q)


def time_averaged_brier(forecasts: Sequence[tuple[dt.date, float]], outcome: bool, last_day: dt.date) -> float:
    """Mean daily Brier from the first forecast's day to ``last_day`` inclusive, carrying forecasts forward.

    Several forecasts on one day: the last one given counts for that day.
    """
    if not forecasts:
        raise EngineError("no forecast to score")
    for _, p in forecasts:
        _check(p)
    ordered = sorted(enumerate(forecasts), key=lambda item: (item[1][0], item[0]))
    first = ordered[0][1][0]
    if last_day < first:
        raise EngineError(f"the question closed ({last_day}) before the first forecast ({first})")
    total, days, k, standing = 0.0, 0, 0, ordered[0][1][1]
    day = first
    while day <= last_day:
        while k < len(ordered) and ordered[k][1][0] <= day:
            standing = ordered[k][1][1]
            k += 1
        total += brier(standing, outcome)
        days += 1
        day += dt.timedelta(days=1)
    return total / days


@dataclass(frozen=True)
class QuestionScore:
    question: str
    outcome: str
    final_probability: float
    brier: float
    log_score: float
    time_averaged_brier: float
    days: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "outcome": self.outcome,
            "final_probability": self.final_probability,
            "brier": self.brier,
            "log_score": self.log_score,
            "time_averaged_brier": self.time_averaged_brier,
            "days": self.days,
        }


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_forecast: float
    observed_frequency: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "bin": [self.low, self.high],
            "count": self.count,
            "mean_forecast": self.mean_forecast,
            "observed_frequency": self.observed_frequency,
        }


@dataclass(frozen=True)
class ScoreReport:
    """Per-question scores, their means, and the calibration table."""

    scores: tuple[QuestionScore, ...]
    calibration: tuple[CalibrationBin, ...]
    annulled: int
    unscored: int = 0
    method: str = "brier-log-gjopen"
    model_id: str | None = None
    """The model whose questions were scored; None when they come from several models."""

    def mean(self, field: str) -> float | None:
        values = [getattr(s, field) for s in self.scores]
        return sum(values) / len(values) if values else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "method": self.method,
            "scored": len(self.scores),
            "annulled": self.annulled,
            "unscored": self.unscored,
            "mean_brier": self.mean("brier"),
            "mean_log_score": self.mean("log_score"),
            "mean_time_averaged_brier": self.mean("time_averaged_brier"),
            "questions": [s.to_dict() for s in self.scores],
            "calibration": [b.to_dict() for b in self.calibration],
        }

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([s.to_dict() for s in self.scores])


@dataclass(frozen=True)
class ResolvedQuestion:
    """Plain input for scoring: forecasts as (date, probability), the outcome and the scoring window."""

    id: str
    forecasts: Sequence[tuple[dt.date, float]]
    outcome: str
    close_date: dt.date
    resolved_on: dt.date | None


def calibration(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> tuple[CalibrationBin, ...]:
    """Bin (forecast, outcome) pairs by forecast into ``bins`` equal bins; empty bins are omitted."""
    for p, _ in pairs:
        _check(p)
    out = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [(p, o) for p, o in pairs if low <= p < high or (b == bins - 1 and p == 1.0)]
        if members:
            out.append(
                CalibrationBin(
                    low,
                    high,
                    len(members),
                    sum(p for p, _ in members) / len(members),
                    sum(1.0 for _, o in members if o) / len(members),
                )
            )
    return tuple(out)


def score_questions(questions: Sequence[ResolvedQuestion], *, model_id: str | None = None) -> ScoreReport:
    """Score every resolved yes/no question; count the annulled ones and those with no forecast in the window.

    Only forecasts made on or before the last scored day count.
    """
    scores, annulled, unscored = [], 0, 0
    for q in questions:
        if q.outcome == "annulled":
            annulled += 1
            continue
        if q.outcome not in ("yes", "no"):
            raise EngineError(f"question {q.id!r}: outcome must be yes, no or annulled, got {q.outcome!r}")
        for _, p in q.forecasts:
            _check(p)
        last_day = min(q.close_date, q.resolved_on) if q.resolved_on else q.close_date
        usable = [f for f in q.forecasts if f[0] <= last_day]
        if not usable:
            unscored += 1
            continue
        yes = q.outcome == "yes"
        ordered = sorted(enumerate(usable), key=lambda item: (item[1][0], item[0]))
        final = ordered[-1][1][1]
        first = ordered[0][1][0]
        scores.append(
            QuestionScore(
                q.id,
                q.outcome,
                final,
                brier(final, yes),
                log_score(final, yes),
                time_averaged_brier(usable, yes, last_day),
                (last_day - first).days + 1,
            )
        )
    pairs = [(s.final_probability, s.outcome == "yes") for s in scores]
    return ScoreReport(tuple(scores), calibration(pairs), annulled, unscored, model_id=model_id)

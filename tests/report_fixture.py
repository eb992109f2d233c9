"""A report of the bundled model with dated evidence, built through the service layer (shared by the report tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from scenarist import service
from scenarist.report.html import ReportInputs, render_html
from scenarist.service.analysis import find_scenarios

MODEL = "us-russia-2025"
EVIDENCE = (
    ("washington_blames_moscow", "no", "2025-06-10", "Press conference transcript", "https://example.org/a"),
    ("washington_blames_kyiv", "yes", "2025-07-02", "Official statement", None),
)


@dataclass(frozen=True)
class Built:
    inputs: ReportInputs
    standing: service.Standing
    html: str


def build(tmp: Path, draws: int = 2_000) -> Built:
    """The HTML report after two dated reports in a fresh SQLite ledger."""
    loaded = service.load(MODEL)
    settings = service.AnalysisSettings(draws=draws, seed=7)
    with service.open_ledger(str(tmp / "ledger.sqlite")) as ledger:
        for signpost, observed, date, source, url in EVIDENCE:
            fields = service.EvidenceFields(
                signpost=signpost, observed=observed, date=date, source=source, url=url, explicit="yes"
            )
            service.record_evidence(loaded, ledger, fields)
        standing = service.standing(loaded, ledger, settings)
        brief = service.brief_of(loaded.model, loaded.compiled, standing, ledger)
        scores = service.resolved_questions(ledger, loaded.id)
    inputs = ReportInputs(
        loaded.model,
        loaded.compiled,
        find_scenarios(loaded.compiled, tolerance=1),
        probabilities=standing.probabilities,
        posterior=standing.posterior,
        timeline=standing.timeline,
        watch=standing.watch,
        scores=scores if scores.scores else None,
        standing=standing,
        brief=brief,
    )
    return Built(inputs, standing, render_html(inputs))


def first_date() -> dt.date:
    return dt.date.fromisoformat(EVIDENCE[0][2])

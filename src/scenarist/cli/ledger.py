"""Probability, signpost, evidence, timeline and forecast commands."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from scenarist.cli._app import (
    FixOpt,
    ModelArg,
    SchedulerOpt,
    ViewFormat,
    WorkersOpt,
    app,
    err,
    executor_for,
    guarded,
    load,
    out,
    parse_fix,
    progress_bar,
)
from scenarist.errors import EngineError, ModelError
from scenarist.evidence import EvidenceInput, Ledger, open_ledger
from scenarist.model import Model, load_model
from scenarist.model.compile import CompiledModel
from scenarist.report.tables import probability_table, timeline_table, watch_table
from scenarist.service import (
    DEFAULT_DRAWS,
    Assessment,
    assess,
    check_evidence_input,
    parse_date,
    question_event,
    refresh_model_forecasts,
    resolved_questions,
)

__all__ = ["evidence_app", "forecast_app", "probabilities", "signposts", "timeline_cmd"]

evidence_app = typer.Typer(
    help="Record, list, retract and import dated evidence about signposts.", no_args_is_help=True
)
forecast_app = typer.Typer(help="Forecast questions: add, list, predict, resolve, score.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
app.add_typer(forecast_app, name="forecast")

DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="SCENARIST_DB", help="Ledger: SQLite path or database URL (default: user data dir)."),
]
DrawsOpt = Annotated[int, typer.Option("--draws", help="Monte Carlo draws.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed.")]
FormatOpt = Annotated[ViewFormat, typer.Option("--format", help="table or json.")]
ModelIdOpt = Annotated[str | None, typer.Option("--model", help="Only this model id.")]


class YesNo(StrEnum):
    yes = "yes"
    no = "no"


class Resolution(StrEnum):
    yes = "yes"
    no = "no"
    annulled = "annulled"


def _json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")


def _assess(
    compiled: CompiledModel,
    ledger: Ledger | None,
    draws: int,
    seed: int,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Assessment:
    with (
        progress_bar(draws if draws >= 50_000 else 0, "drawing judgments") as progress,
        executor_for(workers, scheduler) as executor,
    ):
        return assess(compiled, ledger, draws=draws, seed=seed, progress=progress, executor=executor)


@app.command()
@guarded
def probabilities(
    model_ref: ModelArg = None,
    draws: DrawsOpt = DEFAULT_DRAWS,
    seed: SeedOpt = 0,
    fix: FixOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Scenario probabilities under judgment uncertainty (Monte Carlo), before and after the evidence."""
    from scenarist.engines.uncertainty import scenario_probabilities

    model, compiled = load(model_ref)
    fixed = parse_fix(compiled, fix)
    if fixed:
        with executor_for(workers, scheduler) as executor:
            result = scenario_probabilities(compiled, draws=draws, seed=seed, fixed=fixed, executor=executor)
        if fmt is ViewFormat.json:
            _json(result.to_dict())
            return
        out.print(probability_table(model, result))
        forced = ", ".join(f"{d}={v}" for d, v in fixed.items())
        out.print(
            f"Intervention {forced}: the fixed descriptors keep their variant in every draw; evidence is not applied."
        )
        return
    with open_ledger(db) as ledger:
        a = _assess(compiled, ledger, draws, seed, workers, scheduler)
    if fmt is ViewFormat.json:
        doc = a.probabilities.to_dict()
        doc["posterior"] = {"method": a.posterior.method, "named": dict(a.posterior.named)}
        doc["evidence_ids"] = [o.evidence_id for o in a.posterior.observations]
        _json(doc)
        return
    out.print(probability_table(model, a.probabilities, a.posterior))


@app.command()
@guarded
def signposts(
    model_ref: ModelArg = None, draws: DrawsOpt = DEFAULT_DRAWS, seed: SeedOpt = 0, db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
) -> None:  # fmt: skip
    """The signposts and the watch list: unobserved signposts ranked by expected information gain."""
    model, compiled = load(model_ref)
    with open_ledger(db) as ledger:
        a = _assess(compiled, ledger, draws, seed)
    if fmt is ViewFormat.json:
        _json(
            {
                "model": model.id,
                "method": "expected-information-gain",
                "watch_list": [w.to_dict() for w in a.watch],
                "signposts": [s.model_dump(mode="json") for s in model.signposts],
                "observed": sorted({o.signpost for o in a.posterior.observations}),
            }
        )
        return
    out.print(watch_table(model, a.watch))


@app.command(name="timeline")
@guarded
def timeline_cmd(
    model_ref: ModelArg = None, draws: DrawsOpt = DEFAULT_DRAWS, seed: SeedOpt = 0, db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
) -> None:  # fmt: skip
    """Named-scenario probabilities after each dated piece of evidence."""
    model, compiled = load(model_ref)
    with open_ledger(db) as ledger:
        a = _assess(compiled, ledger, draws, seed)
    if fmt is ViewFormat.json:
        _json(a.timeline.to_dict())
        return
    out.print(timeline_table(model, a.timeline))


def _refresh(model_ref: str | None, ledger: Ledger) -> None:
    _, compiled = load(model_ref)
    a = assess(compiled, ledger)
    refresh_model_forecasts(compiled, a.posterior, ledger, dt.date.today())


@evidence_app.command("add")
@guarded
def evidence_add(
    model_ref: Annotated[str, typer.Argument(help="Model file or bundled model name.")],
    signpost: Annotated[str, typer.Argument(help="Signpost id.")],
    observed: Annotated[YesNo, typer.Option("--observed", help="yes: seen; no: explicitly not seen.")],
    date: Annotated[str, typer.Option("--date", help="Date of the observation, YYYY-MM-DD.")],
    source: Annotated[str, typer.Option("--source", help="Title of the source.")],
    url: Annotated[str | None, typer.Option("--url", help="Address of the source.")] = None,
    reliability: Annotated[float, typer.Option("--reliability", help="Trust in the source, 0..1.")] = 1.0,
    note: Annotated[str | None, typer.Option("--note")] = None,
    db: DbOpt = None,
) -> None:
    """Record that a signpost was (or was explicitly not) observed."""
    model = load_model(model_ref)
    item = EvidenceInput(model.id, signpost, observed is YesNo.yes, parse_date(date), source, url, reliability, note)
    check_evidence_input(model, item)
    with open_ledger(db) as ledger:
        row = ledger.add_evidence(
            item.model_id, item.signpost_id, item.observed, item.date, item.source, item.url, item.reliability,
            item.note,
        )  # fmt: skip
        _refresh(model_ref, ledger)
    out.print(f"evidence #{row.id} recorded: {signpost} {'observed' if row.observed else 'not observed'} on {row.date}")


@evidence_app.command("list")
@guarded
def evidence_list(
    model: ModelIdOpt = None,
    include_all: Annotated[bool, typer.Option("--all", help="Include retracted evidence.")] = False,
    db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
) -> None:
    """List the evidence in the ledger (retracted items only with --all)."""
    with open_ledger(db) as ledger:
        rows = ledger.list_evidence(model, include_retracted=include_all)
    if fmt is ViewFormat.json:
        _json({"evidence": [r.to_dict() for r in rows]})
        return
    table = Table(title="Evidence", title_justify="left")
    for col in ("id", "date", "model", "signpost", "observed", "reliability", "source", "status"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = f"retracted {r.retracted_at:%Y-%m-%d}" if r.retracted and r.retracted_at else "active"
        table.add_row(
            str(r.id), str(r.date), r.model_id, r.signpost_id, "yes" if r.observed else "no",
            f"{r.reliability:.2f}", r.source, status,
        )  # fmt: skip
    out.print(table)


@evidence_app.command("retract")
@guarded
def evidence_retract(
    evidence_id: Annotated[int, typer.Argument(help="Id of the evidence to retract.")],
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    model_ref: Annotated[
        str | None, typer.Option("--model", help="Model file, to refresh its linked forecasts (default: by model id).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Mark evidence as retracted: it stays in the ledger but no longer moves the probabilities."""
    with open_ledger(db) as ledger:
        row = ledger.retract(evidence_id, reason)
        try:
            _refresh(model_ref or row.model_id, ledger)
        except ModelError:
            err.print(
                f"note: model {row.model_id!r} is not a bundled name; give --model FILE to refresh its forecasts",
                markup=False,
            )
    out.print(f"evidence #{row.id} retracted")


CSV_FIELDS = ("signpost", "observed", "date", "source", "url", "reliability", "note")


def _csv_rows(path: Path, model: Model) -> list[EvidenceInput]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EngineError(f"{path}: cannot read the file ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    missing = [f for f in ("signpost", "observed", "date", "source") if f not in (reader.fieldnames or [])]
    if missing:
        raise EngineError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {', '.join(CSV_FIELDS)}")
    rows = []
    for line, rec in enumerate(reader, start=2):
        try:
            rows.append(_csv_row(rec, model))
        except EngineError as exc:
            raise EngineError(f"{path}:{line}: {exc}") from None
    return rows


def _csv_row(rec: dict[str, str], model: Model) -> EvidenceInput:
    observed = (rec.get("observed") or "").strip().lower()
    if observed not in ("yes", "no", "true", "false", "1", "0"):
        raise EngineError(f"observed: {observed!r} is not yes or no")
    rel_text = (rec.get("reliability") or "").strip() or "1"
    try:
        reliability = float(rel_text)
    except ValueError:
        raise EngineError(f"reliability: {rel_text!r} is not a number") from None
    if rec.get("model") and rec["model"].strip() != model.id:
        raise EngineError(f"model: {rec['model']!r} is not {model.id!r}")
    item = EvidenceInput(
        model.id,
        (rec.get("signpost") or "").strip(),
        observed in ("yes", "true", "1"),
        parse_date(rec.get("date") or "", field="date"),
        (rec.get("source") or "").strip(),
        (rec.get("url") or "").strip() or None,
        reliability,
        (rec.get("note") or "").strip() or None,
    )
    check_evidence_input(model, item)
    return item


@evidence_app.command("import")
@guarded
def evidence_import(
    file: Annotated[
        Path, typer.Argument(help="CSV with columns signpost, observed, date, source[, url, reliability, note].")
    ],
    model_ref: Annotated[
        str | None, typer.Option("--model", help="Model the rows belong to (default: bundled).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Import evidence from a CSV file: every row is checked first; all rows are stored or none."""
    model = load_model(model_ref)
    rows = _csv_rows(file, model)
    with open_ledger(db) as ledger:
        stored = ledger.import_evidence(rows)
        _refresh(model_ref, ledger)
    out.print(f"imported {len(stored)} evidence row(s) from {file}")


@forecast_app.command("add")
@guarded
def forecast_add(
    question_id: Annotated[str, typer.Argument(help="Question id (one of the model's 'forecasts', or a new id).")],
    model_ref: Annotated[str | None, typer.Option("--model", help="Model file or bundled name.")] = None,
    question: Annotated[str | None, typer.Option("--question", help="Text of a new question.")] = None,
    criteria: Annotated[str | None, typer.Option("--criteria", help="Resolution criteria.")] = None,
    close: Annotated[str | None, typer.Option("--close", help="Close date, YYYY-MM-DD.")] = None,
    probability: Annotated[float | None, typer.Option("--probability", help="Hand-entered forecast.")] = None,
    db: DbOpt = None,
) -> None:
    """Add a forecast question: from the model (linked to a model event) or by hand."""
    model, compiled = load(model_ref)
    defined = {q.id: q for q in model.forecasts}
    today = dt.date.today()
    with open_ledger(db) as ledger:
        if question_id in defined:
            q = defined[question_id]
            kind, ref = question_event(q)
            ledger.add_question(q.id, q.question, q.resolution_criteria, q.close_date, model.id, kind, ref)  # type: ignore[arg-type]
        else:
            if not (question and criteria and close):
                raise EngineError(
                    f"{question_id!r} is not a question of model {model.id!r}; for a new one give --question, "
                    f"--criteria and --close (model questions: {', '.join(defined) or 'none'})"
                )
            ledger.add_question(question_id, question, criteria, parse_date(close, field="--close"), model.id)
        if probability is not None:
            ledger.record_forecast(question_id, probability, today)
        refresh_model_forecasts(compiled, assess(compiled, ledger).posterior, ledger, today)
        latest = ledger.forecasts(question_id)
    standing = f"; standing forecast {latest[-1].probability:.1%} ({latest[-1].origin})" if latest else ""
    out.print(f"question {question_id} added{standing}")


@forecast_app.command("predict")
@guarded
def forecast_predict(
    question_id: Annotated[str, typer.Argument()],
    probability: Annotated[float, typer.Option("--probability", help="Probability of yes, 0..1.")],
    date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD (default today).")] = None,
    db: DbOpt = None,
) -> None:
    """Record a hand-entered forecast for a question."""
    with open_ledger(db) as ledger:
        f = ledger.record_forecast(question_id, probability, parse_date(date) if date else dt.date.today())
    out.print(f"forecast #{f.id}: {f.probability:.1%} on {f.date}")


@forecast_app.command("list")
@guarded
def forecast_list(
    model: ModelIdOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
) -> None:
    """Questions with their standing forecasts and resolutions."""
    with open_ledger(db) as ledger:
        questions = ledger.list_questions(model)
        history = {q.id: ledger.forecasts(q.id) for q in questions}
    if fmt is ViewFormat.json:
        _json({"questions": [{**q.to_dict(), "forecasts": [f.to_dict() for f in history[q.id]]} for q in questions]})
        return
    table = Table(title="Forecast questions", title_justify="left")
    for col in ("id", "question", "closes", "event", "standing", "outcome"):
        table.add_column(col, overflow="fold")
    for q in questions:
        latest = history[q.id][-1] if history[q.id] else None
        table.add_row(
            q.id, q.text, str(q.close_date), q.event_ref or q.event_kind,
            f"{latest.probability:.1%} ({latest.origin}, {latest.date})" if latest else "—",
            f"{q.outcome} ({q.resolved_on})" if q.outcome else "open",
        )  # fmt: skip
    out.print(table)


@forecast_app.command("resolve")
@guarded
def forecast_resolve(
    question_id: Annotated[str, typer.Argument()],
    outcome: Annotated[Resolution, typer.Option("--outcome", help="yes, no or annulled.")],
    date: Annotated[str, typer.Option("--date", help="Resolution date, YYYY-MM-DD.")],
    source: Annotated[str | None, typer.Option("--source")] = None,
    db: DbOpt = None,
) -> None:
    """Resolve a question (yes, no or annulled) with its date and source."""
    with open_ledger(db) as ledger:
        q = ledger.resolve(question_id, outcome.value, parse_date(date), source)
    out.print(f"question {q.id} resolved {q.outcome} on {q.resolved_on}")


@forecast_app.command("scores")
@guarded
def forecast_scores(
    model: ModelIdOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
) -> None:
    """Brier, log and time-averaged Brier scores of resolved questions, and the calibration table."""
    with open_ledger(db) as ledger:
        report = resolved_questions(ledger, model)
    if fmt is ViewFormat.json:
        _json(report.to_dict())
        return
    table = Table(title="Scores of resolved questions", title_justify="left")
    for col in ("question", "outcome", "final p", "Brier", "log", "time-avg Brier", "days"):
        table.add_column(col)
    for s in report.scores:
        table.add_row(
            s.question, s.outcome, f"{s.final_probability:.2f}", f"{s.brier:.3f}", f"{s.log_score:.3f}",
            f"{s.time_averaged_brier:.3f}", str(s.days),
        )  # fmt: skip
    out.print(table)
    out.print(
        f"{len(report.scores)} scored, {report.annulled} annulled and {report.unscored} without a forecast "
        "before resolution (not scored)."
    )
    cal = Table(title="Calibration (final forecasts)", title_justify="left")
    for col in ("bin", "questions", "mean forecast", "observed"):
        cal.add_column(col)
    for b in report.calibration:
        cal.add_row(
            f"{b.low:.1f}–{b.high:.1f}", str(b.count), f"{b.mean_forecast:.2f}", f"{b.observed_frequency:.2f}"
        )  # fmt: skip
    out.print(cal)

"""Probability, signpost, evidence, timeline and forecast commands (thin: the work is in scenarist.service)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from scenarist import service
from scenarist.cli._app import (
    CurrentDateOpt,
    CurrentOpt,
    DbOpt,
    DrawsOpt,
    FixOpt,
    ModelArg,
    SchedulerOpt,
    SeedOpt,
    ViewFormat,
    WorkersOpt,
    app,
    current_state,
    err,
    executor_for,
    guarded,
    load,
    out,
    parse_fix,
    progress_bar,
    settings_of,
)
from scenarist.errors import InputError, ModelError

__all__ = ["evidence_app", "forecast_app", "probabilities", "signposts", "timeline_cmd"]

evidence_app = typer.Typer(
    help="Record, list, retract and import dated evidence about signposts.", no_args_is_help=True
)
forecast_app = typer.Typer(help="Forecast questions: add, list, predict, resolve, score.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
app.add_typer(forecast_app, name="forecast")

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


@contextmanager
def ledger_for(db: str | None, *, announce: bool = True) -> Iterator[service.Ledger]:
    """Open the ledger and say on stderr which one it is (its URL, password masked)."""
    with service.open_ledger(db) as ledger:
        if announce:
            err.print(f"ledger: {ledger.url}", markup=False)
        yield ledger


def compute_standing(
    loaded: service.Loaded,
    ledger: service.Ledger | None,
    settings: service.AnalysisSettings,
    *,
    current: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> service.Standing:
    """The model's standing with a progress bar for large draw counts."""
    with (
        progress_bar(settings.draws if settings.draws >= 50_000 else 0, "drawing judgments") as progress,
        executor_for(workers, scheduler) as executor,
    ):
        result = service.standing(loaded, ledger, settings, current=current, progress=progress, executor=executor)
    active = len(result.active)
    used = len(result.posterior.observations)
    err.print(
        f"{active} active evidence item(s) for {loaded.id}, {used} observation(s) after combining repeated reports"
        + (f"; {len(result.unused)} unused (signpost not in this revision)" if result.unused else ""),
        markup=False,
    )
    return result


@app.command()
@guarded
def probabilities(
    model_ref: ModelArg = None,
    draws: DrawsOpt = service.SETTINGS["draws"].default,
    seed: SeedOpt = service.SETTINGS["seed"].default,
    fix: FixOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
    current: CurrentOpt = None,
    current_date: CurrentDateOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Family probabilities (and none of these) before and after the evidence, and 'from today' when declared."""
    from scenarist.report.tables import probability_table

    loaded = load(model_ref)
    settings = settings_of(draws=draws, seed=seed)
    fixed = parse_fix(loaded.compiled, fix)
    if fixed:
        with executor_for(workers, scheduler) as executor:
            result = service.intervention_standing(loaded, fixed, settings, executor=executor)
        if fmt is ViewFormat.json:
            _json(result.to_dict())
            return
        out.print(probability_table(loaded.model, result))
        forced = ", ".join(f"{d}={v}" for d, v in fixed.items())
        out.print(
            f"Intervention {forced}: the fixed descriptors keep their variant in every draw; evidence is not applied."
        )
        return
    state = current_state(loaded, current, current_date)
    with ledger_for(db, announce=fmt is ViewFormat.table) as ledger:
        result = compute_standing(loaded, ledger, settings, current=state, workers=workers, scheduler=scheduler)
    if fmt is ViewFormat.json:
        _json(result.to_dict())
        return
    out.print(probability_table(loaded.model, result))


@app.command()
@guarded
def signposts(
    model_ref: ModelArg = None,
    draws: DrawsOpt = service.SETTINGS["draws"].default,
    seed: SeedOpt = service.SETTINGS["seed"].default,
    db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
) -> None:
    """The signposts and the watch list: unobserved signposts ranked by expected information gain."""
    from scenarist.report.tables import watch_table

    loaded = load(model_ref)
    with ledger_for(db, announce=fmt is ViewFormat.table) as ledger:
        result = compute_standing(loaded, ledger, settings_of(draws=draws, seed=seed))
    if fmt is ViewFormat.json:
        _json(
            {
                "model": loaded.id,
                "revision": result.revision,
                "method": "expected-information-gain",
                "watch_list": [w.to_dict() for w in result.watch],
                "signposts": [s.model_dump(mode="json") for s in loaded.model.signposts],
                "observed": sorted({o.signpost for o in result.posterior.observations}),
            }
        )
        return
    out.print(watch_table(loaded.model, result.watch))


@app.command(name="timeline")
@guarded
def timeline_cmd(
    model_ref: ModelArg = None,
    draws: DrawsOpt = service.SETTINGS["draws"].default,
    seed: SeedOpt = service.SETTINGS["seed"].default,
    db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
) -> None:
    """Family probabilities (and none of these) after each dated report, lenses apart."""
    from scenarist.report.tables import timeline_table

    loaded = load(model_ref)
    with ledger_for(db, announce=fmt is ViewFormat.table) as ledger:
        result = compute_standing(loaded, ledger, settings_of(draws=draws, seed=seed))
    if fmt is ViewFormat.json:
        _json(result.timeline.to_dict())
        return
    out.print(timeline_table(loaded.model, result.timeline))


@evidence_app.command("add")
@guarded
def evidence_add(
    model_ref: Annotated[str, typer.Argument(help="Model file or bundled model name.")],
    signpost: Annotated[str, typer.Argument(help="Signpost id.")],
    observed: Annotated[YesNo, typer.Option("--observed", help="yes: seen; no: seen not to happen.")],
    date: Annotated[str, typer.Option("--date", help="Date of the observation, YYYY-MM-DD.")],
    source: Annotated[str, typer.Option("--source", help="Title of the source.")],
    url: Annotated[str | None, typer.Option("--url", help="http(s) address of the source.")] = None,
    reliability: Annotated[float, typer.Option("--reliability", help="Trust in the source, 0..1.")] = 1.0,
    note: Annotated[str | None, typer.Option("--note")] = None,
    explicit: Annotated[
        bool,
        typer.Option(
            "--explicit",
            help="With --observed no before the signpost's window closes: the source states it will not happen.",
        ),
    ] = False,
    db: DbOpt = None,
) -> None:
    """Record that a signpost was observed (or, once its window closed or explicitly, that it did not happen)."""
    loaded = load(model_ref)
    fields = service.evidence_fields(
        {
            "signpost": signpost, "observed": observed.value, "date": date, "source": source, "url": url,
            "reliability": reliability, "note": note, "explicit": explicit,
        }
    )  # fmt: skip
    with ledger_for(db) as ledger:
        row = service.record_evidence(loaded, ledger, fields)
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
    from scenarist.report.tables import evidence_table

    with ledger_for(db, announce=fmt is ViewFormat.table) as ledger:
        rows = ledger.list_evidence(model, include_retracted=include_all)
    if fmt is ViewFormat.json:
        _json({"evidence": [r.to_dict() for r in rows]})
        return
    out.print(evidence_table(rows))


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
    with ledger_for(db) as ledger:
        row = ledger.get_evidence(evidence_id)
        try:
            loaded: service.Loaded | None = load(model_ref or row.model_id)
        except ModelError:
            loaded = None
            err.print(
                f"note: model {row.model_id!r} is not a bundled name; give --model FILE to refresh its forecasts",
                markup=False,
            )
        row = service.retract_evidence(ledger, evidence_id, reason, loaded=loaded)
    out.print(f"evidence #{row.id} retracted")


@evidence_app.command("import")
@guarded
def evidence_import(
    file: Annotated[
        Path,
        typer.Argument(help="CSV with columns signpost, observed, date, source[, url, reliability, note, explicit]."),
    ],
    model_ref: Annotated[
        str | None, typer.Option("--model", help="Model the rows belong to (default: bundled).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Import evidence from a CSV file: every row is checked first; all rows are stored or none."""
    loaded = load(model_ref)
    with ledger_for(db) as ledger:
        stored = service.import_evidence(loaded, ledger, file)
    out.print(f"imported {len(stored)} evidence row(s) from {file}")


def _date(text: str | None, field: str) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return service.parse_iso_date(text)
    except ValueError as exc:
        raise InputError(f"{field}: {exc}") from None


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
    loaded = load(model_ref)
    close_date = _date(close, "--close") if close is not None else None
    with ledger_for(db) as ledger:
        service.add_question(
            loaded, ledger, question_id, text=question, criteria=criteria, close=close_date, probability=probability
        )
        latest = ledger.forecasts(question_id)
    standing = ""
    if latest:
        standing = f"; standing forecast {latest[-1].probability:.1%} ({latest[-1].origin}, as of {latest[-1].date})"
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
    with ledger_for(db) as ledger:
        f = ledger.record_forecast(question_id, probability, _date(date, "--date"))
    out.print(f"forecast #{f.id}: {f.probability:.1%} on {f.date}")


@forecast_app.command("list")
@guarded
def forecast_list(
    model: ModelIdOpt = None,
    model_file: Annotated[
        str | None, typer.Option("--model-file", help="Model file, to show which questions a signpost resolves.")
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
) -> None:
    """Questions with their standing forecasts (dated by the evidence that moved them) and resolutions."""
    from scenarist.report.tables import forecast_table

    with ledger_for(db, announce=fmt is ViewFormat.table) as ledger:
        questions = ledger.list_questions(model)
        history = {q.id: ledger.forecasts(q.id) for q in questions}
    if fmt is ViewFormat.json:
        _json({"questions": [{**q.to_dict(), "forecasts": [f.to_dict() for f in history[q.id]]} for q in questions]})
        return
    own = {}
    if model_file is not None or model is not None:
        try:
            own = {q.id: q.signpost for q in load(model_file or model).model.forecasts if q.signpost}
        except ModelError:
            own = {}
    out.print(forecast_table(questions, history, own_signpost=own))


@forecast_app.command("resolve")
@guarded
def forecast_resolve(
    question_id: Annotated[str, typer.Argument()],
    outcome: Annotated[Resolution, typer.Option("--outcome", help="yes, no or annulled.")],
    date: Annotated[str, typer.Option("--date", help="Resolution date, YYYY-MM-DD.")],
    source: Annotated[str | None, typer.Option("--source")] = None,
    db: DbOpt = None,
) -> None:
    """Resolve a question (yes, no or annulled) with its date and source; forecasts before that date are scored."""
    with ledger_for(db) as ledger:
        q = ledger.resolve(question_id, outcome.value, _date(date, "--date"), source)
    out.print(f"question {q.id} resolved {q.outcome} on {q.resolved_on}")


@forecast_app.command("scores")
@guarded
def forecast_scores(
    model: ModelIdOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = ViewFormat.table,
) -> None:
    """Brier, log and time-averaged Brier scores of resolved questions, and the calibration table."""
    from scenarist.report.tables import scores_tables

    with ledger_for(db, announce=fmt is ViewFormat.table) as ledger:
        report = service.resolved_questions(ledger, model)
    if fmt is ViewFormat.json:
        _json(report.to_dict())
        return
    table, calibration = scores_tables(report)
    out.print(table)
    out.print(table.caption or "")
    out.print(calibration)

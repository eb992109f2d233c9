"""Analysis commands: run, check, scenarios, explain, succession, weights, ensemble, transform, export."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scenarist import service
from scenarist.cli._app import (
    CurrentDateOpt,
    CurrentOpt,
    DrawsOpt,
    ExportFormat,
    FixOpt,
    ModelArg,
    OutputFormat,
    SchedulerOpt,
    SeedOpt,
    ViewFormat,
    WorkersOpt,
    app,
    current_state,
    err,
    executor_for,
    find,
    guarded,
    load,
    out,
    parse_fix,
    partial_on_stop,
    progress_bar,
    settings_of,
)
from scenarist.errors import InputError, StoppedError
from scenarist.limits import check_exhaustive, check_search_space
from scenarist.service.settings import SETTINGS, SolverName

if TYPE_CHECKING:
    from scenarist.model import CompiledModel, Model
    from scenarist.service.analysis import Progress as ProgressCallback
    from scenarist.service.analysis import ScenarioSet

__all__ = [
    "check",
    "diff_cmd",
    "ensemble",
    "explain_cmd",
    "export",
    "models",
    "run",
    "scenarios",
    "schema",
    "succession_cmd",
    "transform",
    "weights",
]


class RunFormat(StrEnum):
    table = "table"
    md = "md"


def _report_intervention(model: Model, compiled: CompiledModel, fixed: dict[str, str], tolerance: int) -> None:
    """Print which scenarios within the tolerance remain, vanish or appear under the intervention."""
    from scenarist.report.tables import scenario_rows
    from scenarist.service.analysis import compare_intervention

    with progress_bar(compiled.scenario_space, "comparing with the free system") as progress:
        diff = compare_intervention(compiled, fixed, tolerance=tolerance, progress=progress)
    forced = ", ".join(f"{d}={v}" for d, v in fixed.items())
    out.print(
        f"Intervention {forced}: {len(diff.remain)} scenario(s) remain, {len(diff.vanish)} vanish, "
        f"{len(diff.appear)} newly appear (inconsistency ≤ {tolerance}; the free system has {len(diff.free)})."
    )
    if diff.appear:
        out.print(scenario_rows(model, diff.appear, title="Newly appearing under the intervention", limit=20))


@app.command()
@guarded
def run(
    model_ref: ModelArg = None,
    tolerance: Annotated[int, typer.Option(help="Also list scenarios up to this inconsistency.")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the HTML report.")] = Path("reports"),
    fix: FixOpt = None,
    draws: DrawsOpt = SETTINGS["draws"].default,
    seed: SeedOpt = SETTINGS["seed"].default,
    now: Annotated[
        bool, typer.Option("--now", help="Rank the key assumptions on the posterior (after the evidence).")
    ] = False,
    current: CurrentOpt = None,
    current_date: CurrentDateOpt = None,
    db: Annotated[
        str | None, typer.Option("--db", envvar="SCENARIST_DB", help="Evidence ledger (default: used if it exists).")
    ] = None,
    fmt: Annotated[
        RunFormat, typer.Option("--format", help="table (terminal) or md (the front page as Markdown on stdout).")
    ] = RunFormat.table,
) -> None:
    """The main job: consistent scenarios, families, probabilities, key assumptions, watch list, HTML report."""
    if fmt is RunFormat.md:
        with out.capture():  # the terminal tables give way to the Markdown document
            inputs, path = _run(model_ref, tolerance, out_dir, fix, settings_of(draws=draws, seed=seed), now,
                                current_state_args=(current, current_date), db=db)  # fmt: skip
        sys.stdout.write(_markdown(inputs))
        err.print(f"Report written to {path}", markup=False)
        return
    _, path = _run(model_ref, tolerance, out_dir, fix, settings_of(draws=draws, seed=seed), now,
                   current_state_args=(current, current_date), db=db)  # fmt: skip
    out.print(f"Report written to {path}")


def _markdown(inputs: Any) -> str:
    from scenarist.report.markdown import render_markdown

    if inputs.brief is None:
        raise InputError("--format md needs a model with families and no --fix (the front page is about the odds)")
    return render_markdown(inputs.model, inputs.brief, scores=inputs.scores)


def _run(
    model_ref: str | None,
    tolerance: int,
    out_dir: Path,
    fix: list[str] | None,
    settings: service.AnalysisSettings,
    now: bool,
    *,
    current_state_args: tuple[Any, Any],
    db: str | None,
) -> tuple[Any, Path]:
    """Run the analysis, print the terminal tables, write the HTML report; (report inputs, report path).

    Stopped by ``--max-seconds`` or Ctrl-C, it says what is partial: the scenarios found so far when
    the search was stopped, else which section was not finished.
    """
    from scenarist.report.tables import scenario_rows

    loaded = load(model_ref)
    model, compiled = loaded.model, loaded.compiled

    def show(found: ScenarioSet) -> None:
        out.print(f"[bold]{_plain(model.title)}[/bold]  ({model.id}, revision {compiled.revision})")
        title = f"{len(found)} scenario(s) found so far with inconsistency ≤ {tolerance}"
        out.print(scenario_rows(model, found.scenarios, title=title, limit=1000))
        out.print(f"PARTIAL RESULT: {found.stopped}; nothing else was computed and the report was not written.")

    with partial_on_stop(show):
        result = find(compiled, tolerance=tolerance, fixed=parse_fix(compiled, fix))
    stage = ["the volume weights"]
    try:
        return _run_sections(loaded, result, tolerance, out_dir, settings, now, current_state_args, db, stage)
    except (StoppedError, KeyboardInterrupt):
        out.print(
            f"PARTIAL RESULT: the run stopped during {stage[0]}; the sections printed above are complete, "
            "the rest is missing and the report was not written.",
            markup=False,
        )
        raise


def _run_sections(
    loaded: service.Loaded,
    result: ScenarioSet,
    tolerance: int,
    out_dir: Path,
    settings: service.AnalysisSettings,
    now: bool,
    current_state_args: tuple[Any, Any],
    db: str | None,
    stage: list[str],
) -> tuple[Any, Path]:
    """The sections of ``run`` after the search; ``stage[0]`` names the one in progress."""
    from scenarist.report.html import ReportInputs, write_report
    from scenarist.report.tables import named_counts_table, scenario_rows, tableau
    from scenarist.service.analysis import volume_weights
    from scenarist.service.cache import cached

    model, compiled = loaded.model, loaded.compiled
    consistent = result.consistent()
    out.print(f"[bold]{_plain(model.title)}[/bold]  ({model.id}, revision {compiled.revision})")
    out.print(
        f"{result.scenario_space:,} scenarios evaluated by {result.method}: {len(consistent)} consistent, "
        f"{len(result) - len(consistent)} more within inconsistency {tolerance}."
    )
    if consistent:
        for table in tableau(model, consistent, title="Consistent scenarios", width=out.width):
            out.print(table)
    else:
        out.print("No scenario is fully consistent under these judgments.")
    near = [s for s in result.scenarios if s.inconsistency > 0]
    if near:
        out.print(scenario_rows(model, near, title=f"Within inconsistency {tolerance}", limit=10))
    with progress_bar(min(compiled.scenario_space, 50_000_000), "volume weights") as progress:
        weights_result = volume_weights(compiled, fixed=result.fixed, progress=progress)
    if model.scenarios:
        out.print(named_counts_table(model, result, weights_result))
        out.print(
            f"Basin share: share of all {weights_result.starts:,} start scenarios whose global succession "
            f"settles in the family ({weights_result.method})."
        )
    stage[0] = "the intervention"
    if result.fixed:
        _report_intervention(model, compiled, dict(result.fixed), 0)
    extra: dict[str, Any] = {}
    if not result.fixed:
        stage[0] = "the probabilities, key assumptions and watch list"
        state = current_state(loaded, *current_state_args)
        extra = _probability_sections(loaded, settings, db=db, now=now, current=state)
    stage[0] = "the report"
    inputs = ReportInputs(model, compiled, result, weights_result, figure_store=cached, **extra)
    return inputs, write_report(inputs, out_dir / f"{model.id}.html")


def _scaled(progress: ProgressCallback | None) -> ProgressCallback | None:
    if progress is None:
        return None
    callback = progress

    def update(done: int, total: int) -> None:
        callback(2 * done, 2 * total)

    return update


def _plain(text: str) -> str:
    """A model string safe to print: control characters removed, Rich markup escaped."""
    from rich.markup import escape

    return escape("".join(c for c in text if c.isprintable()))


def _probability_sections(
    loaded: service.Loaded,
    settings: service.AnalysisSettings,
    *,
    db: str | None,
    now: bool,
    current: Any,
) -> dict[str, Any]:
    """Probabilities, key assumptions, watch list, timeline and scores for ``run`` (printed and returned)."""
    from scenarist.cli.ledger import compute_standing
    from scenarist.report.tables import assumptions_table, probability_table, timeline_table, watch_table

    model, compiled = loaded.model, loaded.compiled
    if not compiled.named_ids and not compiled.signposts:
        return {}
    use_ledger = db is not None or service.default_path(create=False).exists()
    with contextlib.ExitStack() as stack:
        ledger = stack.enter_context(service.open_ledger(db)) if use_ledger else None
        if ledger is not None:
            err.print(f"ledger: {ledger.url}", markup=False)
        else:
            err.print("ledger: none (no evidence used)", markup=False)
        result = compute_standing(loaded, ledger, settings, current=current)
        scores = service.resolved_questions(ledger, compiled.id) if ledger is not None else None
        brief = service.brief_of(model, compiled, result, ledger) if compiled.named_ids else None
    with progress_bar(2 * int((compiled.matrix != 0).sum()), "key assumptions") as progress:
        sens = service.assumptions(loaded, settings, now=result if now else None, progress=_scaled(progress))
    out.print(probability_table(model, result))
    out.print(assumptions_table(model, sens, limit=5))
    if result.watch:
        out.print(watch_table(model, result.watch, limit=settings.watch_limit))
    if len(result.timeline.steps) > 1:
        out.print(timeline_table(model, result.timeline))
    return {
        "standing": result,
        "probabilities": result.probabilities,
        "posterior": result.posterior,
        "timeline": result.timeline,
        "watch": result.watch,
        "sensitivity": sens,
        "scores": scores if scores is not None and scores.scores else None,
        "brief": brief,
    }


@app.command()
@guarded
def check(model_ref: Annotated[str, typer.Argument(help="Model file or bundled model name.")]) -> None:
    """Validate a model file: exit 0 when valid (warnings listed), 2 with every error listed."""
    loaded, checks = service.check_model(model_ref)
    model, compiled = loaded.model, loaded.compiled
    for warning in (*loaded.warnings, *checks):
        err.print(f"warning: {warning}", markup=False)
    out.print(
        f"{model_ref}: valid — {compiled.n_descriptors} descriptors, {compiled.n_variants} variants, "
        f"{len(model.judgments)} judgments, {len(model.scenarios)} named scenarios, "
        f"{compiled.scenario_space:,} scenarios"
    )


def _scenarios_csv(result: ScenarioSet, compiled: CompiledModel) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*compiled.descriptor_ids, "inconsistency", "consistency_value", "total_impact_score", "named"])
    for s in result.scenarios:
        writer.writerow(
            [
                *(s.variants[d] for d in compiled.descriptor_ids),
                s.inconsistency,
                s.consistency_value,
                s.total_impact_score,
                " ".join(s.named),
            ]
        )
    return buffer.getvalue()


@app.command()
@guarded
def scenarios(
    model_ref: ModelArg = None,
    tolerance: Annotated[int, typer.Option(help="Maximum inconsistency listed (0 = consistent only).")] = 0,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
    fix: FixOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    method: Annotated[
        SolverName,
        typer.Option(
            help="Exact solver, or multistart: local search from many starts for spaces too large for "
            "exact search (may miss some)."
        ),
    ] = SolverName.auto,
) -> None:
    """List the scenarios whose inconsistency is at most TOLERANCE."""
    from scenarist.report.tables import scenario_rows

    loaded = load(model_ref)
    model, compiled = loaded.model, loaded.compiled

    def show(result: ScenarioSet) -> None:
        if fmt is OutputFormat.json:
            sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        elif fmt is OutputFormat.csv:
            sys.stdout.write(_scenarios_csv(result, compiled))
        else:
            found = "found so far " if result.stopped else ""
            title = f"{len(result)} scenario(s) {found}with inconsistency ≤ {tolerance} of {result.scenario_space:,}"
            out.print(scenario_rows(model, result.scenarios, title=title, limit=1000))
            if result.stopped:
                out.print(f"PARTIAL RESULT: {result.stopped}.", markup=False)
            elif not result.complete:
                out.print("Found by local search from many starts: scenarios it did not reach may be missing.")

    with executor_for(workers, scheduler) as executor, partial_on_stop(show):
        result = find(compiled, tolerance=tolerance, fixed=parse_fix(compiled, fix), executor=executor, solver=method)
    if result.fixed and fmt is OutputFormat.table:
        _report_intervention(model, compiled, dict(result.fixed), tolerance)
    show(result)


@app.command(name="explain")
@guarded
def explain_cmd(
    first: Annotated[str, typer.Argument(help="MODEL, or the SCENARIO when the bundled model is meant.")],
    second: Annotated[str | None, typer.Argument(help="SCENARIO: 'desc=variant,...' or 0-based indices.")] = None,
    fmt: Annotated[ViewFormat, typer.Option("--format", help="table or json.")] = ViewFormat.table,
) -> None:
    """Every descriptor's impact balance for one scenario, marking where it is inconsistent."""
    from scenarist.report.tables import balance_table
    from scenarist.service.analysis import explain, parse_scenario

    model_ref, scenario = (None, first) if second is None else (first, second)
    loaded = load(model_ref)
    model, compiled = loaded.model, loaded.compiled
    balance = explain(compiled, parse_scenario(compiled, scenario))
    if fmt is ViewFormat.json:
        sys.stdout.write(json.dumps(balance.to_dict(), indent=2) + "\n")
    else:
        out.print(balance_table(model, balance))


def _solution_list(compiled: CompiledModel) -> str:
    """The consistent scenarios as a ScenarioWizard solution list, with volume weights when exact is feasible."""
    from scenarist.model.solutions import Solution, SolutionList, format_sl
    from scenarist.service.analysis import EXACT_LIMIT, volume_weights

    weight_of: dict[tuple[int, ...], int] = {}
    if compiled.scenario_space <= EXACT_LIMIT:
        with progress_bar(compiled.scenario_space, "volume weights") as progress:
            vw = volume_weights(compiled, method="exact", progress=progress)
        weight_of = {a.indices: a.weight for a in vw.attractors}
    result = find(compiled, tolerance=0, fixed={})
    solutions = tuple(
        Solution(s.indices, float(weight_of.get(s.indices, 0)), s.consistency_value, 0, s.total_impact_score)
        for s in result.scenarios
    )
    return format_sl(SolutionList(solutions))


def _export_text(model: Model, compiled: CompiledModel, to: ExportFormat) -> str:
    if to is ExportFormat.json:
        doc = {
            "model": model.id,
            "descriptors": [
                {"id": d.id, "name": d.name, "variants": [{"id": v.id, "name": v.name} for v in d.variants]}
                for d in model.descriptors
            ],
            "matrix": compiled.matrix.tolist(),
        }
        return json.dumps(doc, indent=1) + "\n"
    if to is ExportFormat.scw:
        from scenarist.model.scw import format_scw

        return format_scw(model)
    if to is ExportFormat.csv:
        from scenarist.model.matrix_csv import format_matrix_csv

        return format_matrix_csv(model)
    if to is ExportFormat.sl:
        return _solution_list(compiled)
    import yaml

    data = model.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data = {"scenarist": 1, **data}
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


@app.command()
@guarded
def export(
    model_ref: ModelArg = None,
    to: Annotated[ExportFormat, typer.Option("--to", help="Target format.")] = ExportFormat.json,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Export a model: json (descriptors + matrix), yaml (model file), scw, sl (solution list) or csv (matrix)."""
    loaded = load(model_ref)
    model, compiled = loaded.model, loaded.compiled
    text = _export_text(model, compiled, to)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_bytes(text.encode("utf-8"))
        err.print(f"written to {output}")


class Rule(StrEnum):
    global_ = "global"
    local = "local"


@app.command(name="succession")
@guarded
def succession_cmd(
    model_ref: ModelArg = None,
    start: Annotated[str, typer.Option("--from", help="Start: 'desc=variant,...' or 0-based indices.")] = "",
    rule: Annotated[Rule, typer.Option("--rule", help="Succession rule.")] = Rule.global_,
    fix: FixOpt = None,
    fmt: Annotated[ViewFormat, typer.Option("--format", help="table or json.")] = ViewFormat.table,
) -> None:
    """Follow succession from a start scenario to its attractor (or cycle) and print the path."""
    from scenarist.report.tables import succession_table
    from scenarist.service.analysis import parse_scenario, succession

    if not start:
        raise InputError("give the start scenario with --from 'descriptor=variant,...' or indices")
    loaded = load(model_ref)
    model, compiled = loaded.model, loaded.compiled
    path = succession(compiled, parse_scenario(compiled, start), rule=rule.value, fixed=parse_fix(compiled, fix))
    if fmt is ViewFormat.json:
        sys.stdout.write(json.dumps(path.to_dict(), indent=2) + "\n")
        return
    out.print(succession_table(model, path))
    if path.attractor is not None:
        out.print(f"Reached the attractor after {len(path.path) - 1} step(s) ({rule.value} succession).")
    else:
        out.print(f"Entered a cycle of {len(path.cycle)} state(s) ({rule.value} succession); no attractor.")


@app.command()
@guarded
def weights(
    model_ref: ModelArg = None,
    starts: Annotated[
        int | None, typer.Option(help="Monte Carlo: number of random starts (forces Monte Carlo).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the Monte Carlo starts.")] = 0,
    exact: Annotated[bool, typer.Option("--exact", help="Force exact enumeration of every start.")] = False,
    fix: FixOpt = None,
    fmt: Annotated[ViewFormat, typer.Option("--format", help="table or json.")] = ViewFormat.table,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Attractors of global succession and their volume weights (exact when the space is small enough)."""
    from scenarist.report.tables import scenario_rows, weights_table
    from scenarist.service.analysis import EXACT_LIMIT, ScenarioSet, VolumeWeights, volume_weights

    if exact and starts is not None:
        raise InputError("--exact follows every start; --starts asks for a Monte Carlo sample: give one of them")
    loaded = load(model_ref)
    model, compiled = loaded.model, loaded.compiled
    fixed = parse_fix(compiled, fix)
    method = "exact" if exact else ("monte-carlo" if starts is not None else "auto")
    n = starts if starts is not None else 100_000
    size = compiled.scenario_space if method == "exact" or compiled.scenario_space <= EXACT_LIMIT else n
    check_search_space(compiled.scenario_space)  # the attractors are searched first
    check_exhaustive(size if method == "exact" else 0)

    def show(result: VolumeWeights | ScenarioSet) -> None:
        if isinstance(result, ScenarioSet):  # stopped while the attractors were searched
            result = dataclasses.replace(result, stopped=f"the search for the attractors was {result.stopped}")
            if fmt is ViewFormat.json:
                sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
            else:
                title = f"{len(result)} consistent scenario(s) found so far (the attractors); no weights yet"
                out.print(scenario_rows(model, result.scenarios, title=title, limit=1000))
                out.print(f"PARTIAL RESULT: {result.stopped}.", markup=False)
            return
        if fmt is ViewFormat.json:
            sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
            return
        out.print(weights_table(model, result))
        how = (
            f"exact: every one of the {result.starts:,} starts followed"
            if result.method == "exact"
            else f"Monte Carlo: {result.starts:,} random starts, seed {result.seed}, 95 % Wilson intervals"
        )
        out.print(f"Method {how}; {result.cycles:,} start(s) ended in cycles.")
        if result.stopped:
            out.print(f"PARTIAL RESULT: {result.stopped}.", markup=False)

    with (
        progress_bar(size, "following succession") as progress,
        executor_for(workers, scheduler) as executor,
        partial_on_stop(show),
    ):
        result = volume_weights(
            compiled, method=method, starts=n, seed=seed, fixed=fixed, progress=progress, executor=executor
        )
    show(result)
    if fixed and fmt is not ViewFormat.json:
        _report_intervention(model, compiled, fixed, 0)


@app.command()
@guarded
def ensemble(
    model_ref: ModelArg = None,
    tolerance: Annotated[int, typer.Option(help="Maximum inconsistency counted as consistent.")] = 0,
    fmt: Annotated[ViewFormat, typer.Option("--format", help="table or json.")] = ViewFormat.table,
) -> None:
    """Evaluate every judgment set (ensemble member) and the mean matrix; show agreement."""
    from scenarist.model import load_model
    from scenarist.model.compile import compile_members
    from scenarist.report.tables import ensemble_table
    from scenarist.service.analysis import evaluate_ensemble

    model = load_model(model_ref)
    result = evaluate_ensemble(compile_members(model), tolerance=tolerance)
    if fmt is ViewFormat.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return
    counts = ", ".join(f"{m}: {len(s)}" for m, s in result.members.items())
    out.print(f"{len(result.member_ids)} member(s); consistent per member — {counts}; mean matrix: {len(result.mean)}.")
    out.print(ensemble_table(model, result))


@app.command()
@guarded
def transform(
    model_ref: Annotated[str, typer.Argument(help="Model file or bundled model name.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file (.yaml or .scw) to write.")],
    multiply: Annotated[float | None, typer.Option(help="Multiply every impact (rounded half away from 0).")] = None,
    transpose: Annotated[bool, typer.Option("--transpose", help="Swap sources and targets.")] = False,
    standardize: Annotated[bool, typer.Option("--standardize", help="Shift impacts to sum to zero.")] = False,
) -> None:
    """Apply ScenarioWizard's matrix transformations (in the order multiply, transpose, standardize)."""
    from scenarist.model import compile_model, load_model
    from scenarist.model import transform as tf

    model = load_model(model_ref)
    if multiply is None and not transpose and not standardize:
        raise InputError("choose at least one of --multiply F, --transpose, --standardize")
    if multiply is not None:
        model = tf.multiply(model, multiply)
    if transpose:
        model = tf.transpose(model)
    if standardize:
        model = tf.standardize(model)
    to = ExportFormat.scw if output.suffix.lower() == ".scw" else ExportFormat.yaml
    output.write_bytes(_export_text(model, compile_model(model), to).encode("utf-8"))
    err.print(f"written to {output}")


@app.command()
@guarded
def models() -> None:
    """List the bundled models."""
    from scenarist.model import bundled_models, load_model

    for name, path in bundled_models().items():
        model = load_model(path)
        out.print(f"{name}\t{model.title}")


@app.command(name="diff")
@guarded
def diff_cmd(
    old: Annotated[str, typer.Argument(help="The earlier revision: model file or bundled name.")],
    new: Annotated[str, typer.Argument(help="The later revision: model file or bundled name.")],
    draws: DrawsOpt = SETTINGS["draws"].default,
    seed: SeedOpt = SETTINGS["seed"].default,
    fmt: Annotated[ViewFormat, typer.Option("--format", help="table or json.")] = ViewFormat.table,
) -> None:
    """What changed between two revisions of a model: judgments, consistent scenarios, family probabilities."""
    from scenarist.report.tables import diff_tables
    from scenarist.service.diff import diff_models

    result = diff_models(load(old), load(new), settings_of(draws=draws, seed=seed))
    if fmt is ViewFormat.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return
    out.print(f"{result.model_id}: revision {result.old_revision} → {result.new_revision}")
    for table in diff_tables(result):
        out.print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the model file format (for editors)."""
    from scenarist.model import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
